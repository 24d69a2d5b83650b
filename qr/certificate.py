"""The 志愿服务证明 PDF, written by fpdf2 with the posters' CJK font embedded (subset), so that the
text is real text: it can be selected, searched and read aloud, and prints sharp at any size. The
records are a table whose cells wrap instead of running into each other, its heading repeated on
every page; the last page carries the verification code and a QR to /verify/<code>. A missing font is
a clear error (qr.fonts), never boxes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import TableCellFillMode, WrapMode
from fpdf.fonts import FontFace

from qr.fonts import current
from qr.poster import qr_image

FONT = "cjk"
FALLBACK = "latin"
QR_MM = 38


@dataclass(frozen=True)
class CertificateData:
    name: str
    id_number: str          # masked
    start: dt.date
    end: dt.date
    total_hours: str        # as services.volunteering.hours shows hours: cut, never rounded up
    organisations: str
    lines: list[dict]       # date, project, organisation, hours
    code: str
    verify_url: str
    issued: dt.date


def _date(value: dt.date | str) -> str:
    value = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{value.year}年{value.month}月{value.day}日"


def _short_date(value: dt.date | str) -> str:
    value = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return value.isoformat()


class _Certificate(FPDF):
    def __init__(self, code: str) -> None:
        super().__init__(format="A4", unit="mm")
        self.code = code
        self.set_margins(20, 22, 20)
        self.set_auto_page_break(True, margin=22)
        choice = current()
        self.add_font(FONT, fname=choice.path)
        if choice.fallback:  # a CJK-only font: digits and Latin letters glyph by glyph from the fallback
            self.add_font(FALLBACK, fname=choice.fallback)
            self.set_fallback_fonts([FALLBACK])
        self.set_title(f"志愿服务证明 {code}")
        self.set_creator("青春志愿")

    def header(self) -> None:
        self.set_draw_color(0)
        self.set_line_width(0.8)
        self.rect(10, 10, self.w - 20, self.h - 20)
        if self.page_no() > 1:
            self.set_font(FONT, size=11)
            self.cell(0, 8, f"志愿服务证明（续）  证明编号 {self.code}", new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

    def footer(self) -> None:
        self.set_y(-18)
        self.set_font(FONT, size=9)
        self.cell(0, 6, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")


def render_pdf(data: CertificateData) -> bytes:
    pdf = _Certificate(data.code)
    pdf.add_page()
    pdf.set_font(FONT, size=30)
    pdf.ln(12)
    pdf.cell(0, 16, "志愿服务证明", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(FONT, size=13)
    pdf.multi_cell(0, 8, f"兹证明 {data.name}（身份证号 {data.id_number}）于 {_date(data.start)} 至 "
                         f"{_date(data.end)} 期间，参加志愿服务 {len(data.lines)} 次，经组织审核认证的服务时长累计 "
                         f"{data.total_hours} 小时。记录组织：{data.organisations}。",
                   align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, size=11)
    heading = FontFace(emphasis=None, fill_color=(230, 230, 230))
    # The date column holds "2026-12-06" on one line (a "2026年12月6日" wrapped on machines whose font
    # draws digits wider); the sentence above keeps the long form.
    with pdf.table(col_widths=(30, 58, 50, 32), headings_style=heading, line_height=7, padding=1.5,
                   text_align=("LEFT", "LEFT", "LEFT", "RIGHT"), wrapmode=WrapMode.CHAR,
                   cell_fill_mode=TableCellFillMode.NONE) as table:
        table.row(("日期", "项目", "组织", "时长（小时）"))
        for line in data.lines:
            table.row((_short_date(line["date"]), line["project"], line["organisation"], line["hours"]))
    _footer_block(pdf, data)
    return bytes(pdf.output())


def _footer_block(pdf: _Certificate, data: CertificateData) -> None:
    """Code, QR and issue date together at the bottom of the last page (a new page when the table
    leaves no room), so the check and the paper's end cannot be separated."""
    needed = QR_MM + 8
    if pdf.get_y() + needed > pdf.h - 22:
        pdf.add_page()
    top = pdf.h - 22 - QR_MM
    pdf.image(qr_image(data.verify_url, 600), x=pdf.w - 20 - QR_MM, y=top, w=QR_MM, h=QR_MM)
    pdf.set_xy(20, top + 2)
    pdf.set_font(FONT, size=11)
    text_width = pdf.w - 40 - QR_MM - 4
    for text in (f"证明编号：{data.code}", "扫码或访问以下地址核验真伪：", data.verify_url, f"开具日期：{_date(data.issued)}"):
        pdf.multi_cell(text_width, 7, text, new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)
