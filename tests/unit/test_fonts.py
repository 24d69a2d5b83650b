"""The drawing font is chosen by what it covers (issue 40): Droid Sans Fallback, which answers
``fc-list :lang=zh`` but has no digits nor Latin letters, is passed over for a complete font, refused
as POSTER_FONT, and, where it is the only Chinese font, paired with a Latin font glyph by glyph, so
posters and certificates keep every digit and letter. ``make test`` installs fonts-droid-fallback
(tools/system-deps.sh) beside WenQuanYi Micro Hei, so these run with the font that broke them."""
import io
import string
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image, ImageDraw
from pyzbar.pyzbar import decode

from qr import fonts, poster, text
from qr.certificate import CertificateData, render_pdf

DROID = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.fixture(autouse=True)
def fresh_choice(monkeypatch):
    for path in (DROID, WQY, DEJAVU):
        assert Path(path).is_file(), f"{path}: make test installs it (tools/system-deps.sh)"
    monkeypatch.delenv("POSTER_FONT", raising=False)
    fonts.reset()
    poster._background.cache_clear()
    yield
    fonts.reset()
    poster._background.cache_clear()


def _installed(monkeypatch, *paths):
    """As if fontconfig listed these Chinese fonts, in this order, and nothing else were known."""
    monkeypatch.setattr(fonts, "_fontconfig_candidates", lambda: list(paths))
    monkeypatch.setattr(fonts, "KNOWN_PATHS", ())


def test_droid_covers_chinese_but_no_digits_nor_latin_letters():
    assert fonts.missing(DROID) == ["数字", "拉丁字母", "标点"]
    assert fonts.missing(WQY) == []


def test_a_complete_font_wins_over_droid_that_sorts_first(monkeypatch):
    _installed(monkeypatch, DROID, WQY)  # the path order that chose Droid before
    assert fonts.current() == fonts.FontChoice(WQY)
    assert fonts.choose() == fonts.FontChoice(WQY)


def test_the_machines_own_fonts_give_a_complete_choice():
    """Whatever fontconfig lists here (Droid included), the choice needs no fallback."""
    choice = fonts.current()
    assert choice.fallback is None and fonts.missing(choice.path) == []


def test_droid_alone_is_paired_with_a_latin_font(monkeypatch):
    _installed(monkeypatch, DROID)
    choice = fonts.current()
    assert choice.path == DROID and choice.fallback == DEJAVU


def test_poster_font_lacking_digits_is_refused_with_the_reason(monkeypatch):
    monkeypatch.setenv("POSTER_FONT", DROID)
    with pytest.raises(fonts.FontMissing, match="POSTER_FONT 指定的字体缺少数字、拉丁字母、标点"):
        fonts.choose()
    monkeypatch.setenv("POSTER_FONT", WQY)
    assert fonts.choose() == fonts.FontChoice(WQY)


def test_no_chinese_font_at_all_is_the_install_hint(monkeypatch):
    _installed(monkeypatch, DEJAVU)
    with pytest.raises(fonts.FontMissing, match="fonts-wqy-microhei"):
        fonts.choose()


def _glyph(char: str) -> bytes:
    image = Image.new("L", (200, 200), 255)
    text.draw_text(ImageDraw.Draw(image), (20, 20), char, 80, fill=0)
    return image.tobytes()


@pytest.mark.parametrize("chinese", [DROID, WQY])
def test_every_digit_and_letter_is_its_own_glyph(monkeypatch, chinese):
    """A font's missing-glyph box is the same for every character: distinct images mean real glyphs."""
    _installed(monkeypatch, chinese)
    drawn = [_glyph(c) for c in string.digits + string.ascii_uppercase]
    assert len(set(drawn)) == len(drawn)
    blank = Image.new("L", (200, 200), 255).tobytes()
    assert blank not in drawn


def test_droid_alone_without_the_fallback_would_draw_boxes(monkeypatch):
    """The check above would catch the old behaviour: Droid by itself draws one box for every digit."""
    _installed(monkeypatch, DROID)
    monkeypatch.setattr(fonts, "_latin_fallback", lambda: None)
    with pytest.raises(fonts.FontMissing, match="缺少数字和拉丁字母"):
        fonts.choose()
    boxes = set()
    for digit in string.digits:
        image = Image.new("L", (200, 200), 255)
        ImageDraw.Draw(image).text((20, 20), digit, font=fonts.font(80, DROID), fill=0)
        boxes.add(image.tobytes())
    assert len(boxes) == 1


@pytest.mark.parametrize("chinese", [DROID, WQY])
def test_a_poster_with_droid_keeps_its_code_and_reads_back(monkeypatch, chinese):
    _installed(monkeypatch, chinese)
    data = poster.PosterData(title="多福巷社区青年志愿者服务队", organisation="东华门街道团工委 · 多福巷社区团组织",
                             contact_name="任琳丽", contact_phone="010-65257713",
                             qr_content="http://weixin.qq.com/q/sbx_team:2UPNGKRRU8", team_code="2UPNGKRRU8")
    image = poster.render(data)
    assert {s.data.decode() for s in decode(image)} == {data.qr_content}
    # The code line under the QR, drawn with the same fonts on an empty page, is what the poster shows.
    top = poster.QR_TOP + poster.qr_image(data.qr_content, poster.QR_SIZE).height + 40
    expected = Image.new("L", image.size, poster.PAPER)
    poster._centred(ImageDraw.Draw(expected), top, f"服务队编号 {data.team_code}", 56)
    band = (80, top - 10, poster.WIDTH - 80, top + 90)  # inside the frame
    assert image.crop(band).tobytes() == expected.crop(band).tobytes()
    assert expected.crop(band).getextrema()[0] == 0  # ink there


@pytest.mark.parametrize("chinese", [DROID, WQY])
def test_a_certificate_with_droid_keeps_every_digit_and_letter(monkeypatch, chinese):
    import datetime as dt

    _installed(monkeypatch, chinese)
    data = CertificateData(name="张伟", id_number="1101**********0118", start=dt.date(2026, 1, 1),
                           end=dt.date(2026, 3, 31), total_hours="12.5", organisations="多福巷社区团组织",
                           lines=[{"date": "2026-01-04", "project": "Recycling 宣传", "organisation": "多福巷社区",
                                   "hours": "2.5"}],
                           code="AB12CD34", verify_url="https://example.org/verify/AB12CD34", issued=dt.date(2026, 4, 1))
    pdf = pypdfium2.PdfDocument(io.BytesIO(render_pdf(data)))
    flat = "".join("".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))).split())
    for expected in ("于2026年1月1日至2026年3月31日期间", "参加志愿服务1次", "累计12.5小时", "证明编号：AB12CD34",
                     "Recycling", "https://example.org/verify/AB12CD34", "1101**********0118", "第1页"):
        assert expected in flat
