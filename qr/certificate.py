"""The 志愿服务证明 PDF: A4 pages drawn with the same CJK font as the posters (a missing font is a
clear error, never boxes), the records in a table, the verification code and a QR to /verify/<code>."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from PIL import Image, ImageDraw

from qr.fonts import font
from qr.poster import qr_image

DPI = 200
WIDTH, HEIGHT = 1654, 2339  # A4 at 200 dpi: sharp enough for text, a tenth of the poster's bytes
MARGIN = 130
ROWS_FIRST, ROWS_NEXT = 22, 34


@dataclass(frozen=True)
class CertificateData:
    name: str
    id_number: str          # masked
    start: dt.date
    end: dt.date
    total_minutes: int
    organisations: str
    lines: list[dict]
    code: str
    verify_url: str
    issued: dt.date


def _date(value: dt.date | str) -> str:
    value = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{value.year}年{value.month}月{value.day}日"


def _wrap(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> list[str]:
    lines, line = [], ""
    for char in text:
        if draw.textlength(line + char, font=font(size)) > width:
            lines.append(line)
            line = char
        else:
            line += char
    return [*lines, line] if line else lines


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> str:
    if draw.textlength(text, font=font(size)) <= width:
        return text
    while text and draw.textlength(text + "…", font=font(size)) > width:
        text = text[:-1]
    return text + "…"


COLUMNS = ((0, "日期"), (300, "项目"), (900, "组织"), (1280, "时长（小时）"))


def _table(draw: ImageDraw.ImageDraw, y: int, rows: list[dict]) -> int:
    widths = [300, 600, 380, 120]
    for (x, head) in COLUMNS:
        draw.text((MARGIN + x, y), head, font=font(34), fill=0)
    y += 56
    draw.line((MARGIN, y - 10, WIDTH - MARGIN, y - 10), fill=0, width=2)
    for row in rows:
        cells = (_date(row["date"]), row["project"], row["organisation"], f"{row['minutes'] / 60:.1f}")
        for (x, _), width, cell in zip(COLUMNS, widths, cells, strict=True):
            draw.text((MARGIN + x, y), _fit(draw, cell, 32, width - 20), font=font(32), fill=0)
        y += 50
    return y


def _pages(data: CertificateData) -> list[Image.Image]:
    pages: list[Image.Image] = []
    rows = list(data.lines)
    first = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(first)
    draw.rectangle((60, 60, WIDTH - 60, HEIGHT - 60), outline=0, width=4)
    title = "志愿服务证明"
    draw.text(((WIDTH - draw.textlength(title, font=font(96))) / 2, 190), title, font=font(96), fill=0)
    hours = data.total_minutes / 60
    body = (f"兹证明 {data.name}（身份证号 {data.id_number}）于 {_date(data.start)} 至 {_date(data.end)} 期间，"
            f"参加志愿服务 {len(rows)} 次，经组织审核认证的服务时长累计 {hours:.1f} 小时。"
            f"记录组织：{data.organisations}。")
    y = 400
    for line in _wrap(draw, body, 42, WIDTH - 2 * MARGIN):
        draw.text((MARGIN, y), line, font=font(42), fill=0)
        y += 70
    y = _table(draw, y + 40, rows[:ROWS_FIRST])
    rows = rows[ROWS_FIRST:]
    pages.append(first)
    while rows:
        page = Image.new("L", (WIDTH, HEIGHT), 255)
        pdraw = ImageDraw.Draw(page)
        pdraw.text((MARGIN, 120), f"志愿服务证明（续）  证明编号 {data.code}", font=font(36), fill=0)
        _table(pdraw, 220, rows[:ROWS_NEXT])
        rows = rows[ROWS_NEXT:]
        pages.append(page)
    # Footer on the last page: verification code and QR, issue date.
    last = pages[-1]
    ldraw = ImageDraw.Draw(last)
    code = qr_image(data.verify_url, 300)
    last.paste(code, (WIDTH - MARGIN - code.width, HEIGHT - MARGIN - code.height))
    foot = HEIGHT - MARGIN - 280
    for text in (f"证明编号：{data.code}", "扫码或访问以下地址核验真伪：", data.verify_url,
                 f"开具日期：{_date(data.issued)}"):
        ldraw.text((MARGIN, foot), text, font=font(34), fill=0)
        foot += 62
    return pages


def render_pdf(data: CertificateData) -> bytes:
    pages = _pages(data)
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", resolution=DPI, save_all=True, append_images=pages[1:])
    return buffer.getvalue()


def pdf_response(session, certificate, *, inline: bool = False):
    """The certificate's PDF as a download (the API, the console) or shown in the phone's browser."""
    from flask import Response

    from services.certificates import pdf

    disposition = "inline" if inline else "attachment"
    return Response(pdf(session, certificate), mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="certificate-{certificate.code}.pdf"'})
