"""The printable team poster: A4 portrait at 300 dpi, PNG and PDF.

Everything that is the same on every poster (frame, header, the three steps) is drawn once per
process into a cached background; a poster is a copy of it plus the team's text and QR. Grayscale
("L"), because the posters are photocopied in black and white at the reporting sites, and because
it is a third of the bytes of RGB to draw, encode and print. The QR uses error correction H so a
poster that is creased, taped over or photographed at an angle still scans.
"""
from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import qrcode
from PIL import Image, ImageDraw

from qr import text

DPI = 300
WIDTH, HEIGHT = 2480, 3508  # A4 at 300 dpi
MARGIN = 150
INK, PAPER, BAND = 0, 255, 30
QR_SIZE = 1300
QR_TOP = 1000
STEPS = ("扫码加入服务队", "扫码加入微信群", "报名项目并签到")


@dataclass(frozen=True)
class PosterData:
    """Plain data, so posters can be rendered in worker processes without a database."""

    title: str            # "××社区青年志愿者服务队"
    organisation: str     # "北京市 · 东城区 · 东华门街道"
    contact_name: str | None
    contact_phone: str | None
    qr_content: str       # WeChat's QR url, or the signed join link
    team_code: str
    group_qr: bytes | None = None  # the WeChat group's QR image the coordinator uploaded


def _centred(draw: ImageDraw.ImageDraw, y: int, line: str, size: int, fill: int = INK) -> int:
    left, top, right, bottom = text.bbox(draw, line, size)
    text.draw_text(draw, ((WIDTH - (right - left)) // 2 - left, y - top), line, size, fill=fill)
    return y + (bottom - top)


def _fit_lines(draw: ImageDraw.ImageDraw, title: str, max_width: int, sizes=(150, 135, 120, 105, 95, 85)):
    """The largest size at which the title fits on one line, else two lines split at a sensible place."""
    for size in sizes:
        if text.width(draw, title, size) <= max_width:
            return size, [title]
    suffix = "青年志愿者服务队"
    lines = [title[: -len(suffix)], suffix] if title.endswith(suffix) and len(title) > len(suffix) else \
        [title[: len(title) // 2], title[len(title) // 2:]]
    for size in sizes:
        if all(text.width(draw, line, size) <= max_width for line in lines):
            return size, lines
    return sizes[-1], lines


@functools.cache
def _background() -> Image.Image:
    image = Image.new("L", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 330), fill=BAND)
    _centred(draw, 95, "青春北京 · 青年志愿者报到", 110, fill=PAPER)
    draw.rectangle((60, 60, WIDTH - 60, HEIGHT - 60), outline=BAND, width=12)
    # The three numbered steps, joined by arrows.
    top, box_w, box_h, gap = 2700, 640, 230, 110
    left = (WIDTH - (3 * box_w + 2 * gap)) // 2
    for i, step in enumerate(STEPS):
        x = left + i * (box_w + gap)
        draw.rounded_rectangle((x, top, x + box_w, top + box_h), radius=40, outline=INK, width=8)
        text.draw_text(draw, (x + box_w // 2, top + 60), f"第{'一二三'[i]}步", 80, fill=INK, anchor="mm")
        text.draw_text(draw, (x + box_w // 2, top + 160), step, 62, fill=INK, anchor="mm")
        if i < 2:
            ax, ay = x + box_w + 15, top + box_h // 2
            draw.line((ax, ay, ax + gap - 35, ay), fill=INK, width=10)
            draw.polygon(((ax + gap - 30, ay), (ax + gap - 60, ay - 25), (ax + gap - 60, ay + 25)), fill=INK)
    _centred(draw, HEIGHT - 200, "打开微信“扫一扫”，扫描上方二维码加入服务队", 56)
    return image


# qrcode picks the mask by drawing all eight and scoring them, which is ~40 % of a poster's time;
# any mask is valid for every reader (ISO 18004), the score only avoids patterns that confuse poor
# ones. A fixed mask, with every poster's code read back by zbar in the tests (also at quarter
# size), keeps the batch inside its 40 posters/s goal.
QR_MASK = 2


def qr_image(content: str, size: int, *, mask: int | None = QR_MASK) -> Image.Image:
    """Pixel-exact modules (integer scaling, NEAREST) so no module edge is blurred."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_H, box_size=1, border=4,
                         mask_pattern=mask)
    code.add_data(content)
    code.make(fit=True)
    small = code.make_image().get_image().convert("L")
    scale = max(1, size // small.width)
    return small.resize((small.width * scale, small.height * scale), Image.NEAREST)


def qr_png(content: str, size: int = 600) -> bytes:
    """A bare QR as PNG, for screens (the on-site check-in code)."""
    buffer = io.BytesIO()
    qr_image(content, size).save(buffer, format="PNG")
    return buffer.getvalue()


def render(data: PosterData) -> Image.Image:
    image = _background().copy()
    draw = ImageDraw.Draw(image)
    size, lines = _fit_lines(draw, data.title, WIDTH - 2 * MARGIN)
    y = 430 if len(lines) == 1 else 390
    for line in lines:
        y = _centred(draw, y, line, size) + 30
    y = _centred(draw, max(y + 20, 640), data.organisation, 64) + 40
    contact = "  ".join(part for part in (
        f"联系人：{data.contact_name}" if data.contact_name else "",
        f"联系电话：{data.contact_phone}" if data.contact_phone else "") if part)
    _centred(draw, y, contact or "联系人：请咨询所在社区（村）团组织", 60)

    code = qr_image(data.qr_content, QR_SIZE)
    image.paste(code, ((WIDTH - code.width) // 2, QR_TOP))
    below = QR_TOP + code.height + 40
    _centred(draw, below, f"服务队编号 {data.team_code}", 56)

    if data.group_qr:
        group = Image.open(io.BytesIO(data.group_qr)).convert("L")
        group.thumbnail((420, 420))
        gx, gy = WIDTH - MARGIN - group.width, 3000
        image.paste(group, (gx, gy))
        text.draw_text(draw, (gx - 40, gy + group.height // 2), "第二步：扫码加入服务队微信群 →", 58,
                       fill=INK, anchor="rm")
    else:
        _centred(draw, 3080, "第二步的微信群二维码，请向联系人索取", 56)
    return image


_GREY_PALETTE = [v for i in range(256) for v in (i, i, i)]


def to_png(image: Image.Image) -> bytes:
    """The same pixels, written as an indexed PNG with a grey palette: Pillow tries five row filters
    on every row of an 8-bit grey image but none on a palette image, which makes encoding a page
    about 40 % cheaper here for the same look (a mostly-white page compresses well unfiltered)."""
    indexed = Image.frombytes("P", image.size, image.tobytes())
    indexed.putpalette(_GREY_PALETTE)
    buffer = io.BytesIO()
    indexed.save(buffer, format="PNG", compress_level=1, dpi=(DPI, DPI))
    return buffer.getvalue()


def to_pdf(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=DPI)
    return buffer.getvalue()


def render_png(data: PosterData) -> bytes:
    return to_png(render(data))
