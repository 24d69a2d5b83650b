"""The poster, drawn: A4 at 300 dpi, a QR a phone can read (decoded with zbar), the team's name in
real Chinese glyphs, the WeChat group QR when there is one, and a clear error without a CJK font."""
import io

import pytest
from PIL import Image, ImageDraw
from pyzbar.pyzbar import decode

from qr import fonts, poster
from qr.poster import PosterData

DATA = PosterData(title="多福巷社区青年志愿者服务队", organisation="东华门街道团工委 · 多福巷社区团组织",
                  contact_name="任琳丽", contact_phone="010-65257713",
                  qr_content="http://weixin.qq.com/q/sbx_team:2UPNGKRRU8", team_code="2UPNGKRRU8")


def _codes(image: Image.Image) -> set[str]:
    return {symbol.data.decode() for symbol in decode(image)}


def test_a4_at_300_dpi_with_a_readable_qr():
    image = poster.render(DATA)
    assert image.size == (2480, 3508) and image.mode == "L"
    png = Image.open(io.BytesIO(poster.render_png(DATA)))
    assert png.info["dpi"] == pytest.approx((300, 300), abs=0.5)
    assert _codes(png) == {DATA.qr_content}
    # Printed at half size and photographed, it still reads (error correction H, large modules).
    assert _codes(image.resize((620, 877))) == {DATA.qr_content}


def test_the_title_is_the_team_name_in_cjk_glyphs():
    image = poster.render(DATA)
    band = (80, 331, poster.WIDTH - 80, 640)  # inside the frame, above the organisation line
    expected = Image.new("L", (poster.WIDTH, poster.HEIGHT), poster.PAPER)
    draw = ImageDraw.Draw(expected)
    size, lines = poster._fit_lines(draw, DATA.title, poster.WIDTH - 2 * poster.MARGIN)
    assert lines == [DATA.title]
    poster._centred(draw, 430, DATA.title, size)
    assert image.crop(band).tobytes() == expected.crop(band).tobytes()
    # Each character has its own glyph, not the font's "missing" box.
    font = fonts.font(size)

    def glyph(ch: str) -> bytes:
        canvas = Image.new("L", (2 * size, 2 * size), 0)
        ImageDraw.Draw(canvas).text((0, 0), ch, font=font, fill=255)
        return canvas.tobytes()

    missing = glyph("\U0010fffd")
    assert all(glyph(ch) != missing for ch in set(DATA.title))


def test_long_names_wrap_and_stay_inside_the_page():
    long = PosterData(**{**DATA.__dict__, "title": "房山区长阳镇篱笆房村第二居民小组团组织青年志愿者服务队"})
    draw = ImageDraw.Draw(Image.new("L", (10, 10)))
    size, lines = poster._fit_lines(draw, long.title, poster.WIDTH - 2 * poster.MARGIN)
    assert len(lines) == 2 and "".join(lines) == long.title
    assert all(draw.textlength(line, font=fonts.font(size)) <= poster.WIDTH - 2 * poster.MARGIN for line in lines)
    assert _codes(poster.render(long)) == {long.qr_content}


def test_group_qr_is_printed_and_readable():
    group = io.BytesIO()
    poster.qr_image("https://weixin.qq.com/g/AQYAAAexample", 400).save(group, format="PNG")
    with_group = PosterData(**{**DATA.__dict__, "group_qr": group.getvalue()})
    assert _codes(poster.render(with_group)) == {DATA.qr_content, "https://weixin.qq.com/g/AQYAAAexample"}


def test_pdf_is_one_a4_page():
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(poster.to_pdf(poster.render(DATA))))
    assert len(pdf.pages) == 1
    width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # millimetres


def test_no_cjk_font_is_a_clear_error(monkeypatch):
    fonts.reset()
    monkeypatch.setenv("POSTER_FONT", "/nonexistent/font.ttc")
    with pytest.raises(fonts.FontMissing, match="POSTER_FONT"):
        fonts.cjk_font_path()
    monkeypatch.delenv("POSTER_FONT")
    monkeypatch.setattr(fonts, "_fontconfig_candidates", lambda: [])
    monkeypatch.setattr(fonts, "KNOWN_PATHS", ("/nonexistent/a.ttc",))
    fonts.reset()
    with pytest.raises(fonts.FontMissing, match="fonts-wqy-microhei"):
        fonts.cjk_font_path()
    fonts.reset()
