"""Choosing the font posters and certificates are drawn with, from what it really covers.

A poster drawn with a Latin font shows boxes (豆腐块) instead of Chinese, and one drawn with a CJK-only
font shows no digits: Droid Sans Fallback (Debian's ``fonts-droid-fallback``, which Ghostscript pulls
in) answers ``fc-list :lang=zh`` but has no ASCII digits nor Latin letters, so certificates lost every
date, count, hour and code. So a font is chosen by its character map (fontTools) against what will be
drawn (Chinese, digits, Latin letters, the punctuation used), in a clear preference order: POSTER_FONT
when set (refused with the reason when it lacks any of those), then WenQuanYi Micro Hei, Noto Sans CJK,
Source Han Sans, WenQuanYi Zen Hei, other sans (黑体) faces, the rest. A font covering Chinese alone is
never used alone: when nothing better is installed it is paired with a Latin font (DejaVu Sans, …)
that draws, glyph by glyph, what it lacks (``qr.text`` for the posters, fpdf2's fallback fonts for the
certificate). No font for Chinese at all is an error the operator can fix, never a useless poster.
"""
from __future__ import annotations

import functools
import logging
import os
import shutil
import string
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError
from PIL import ImageFont

logger = logging.getLogger(__name__)

KNOWN_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
LATIN_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)
INSTALL_HINT = "请安装中文字体（Debian: apt-get install fonts-wqy-microhei 或 fonts-noto-cjk），或用 POSTER_FONT 指定字体文件"

#: What posters and certificates draw, by kind (the kind's name is what a refusal says is missing).
NEEDED = {
    "中文": "青春北京志愿服务证明队编号联系人电话第一二三步扫码加入微信群报名项目并签到于年月日至期间参加次经组织审核认证时长累计小时记录开具核验真伪页共续",
    "数字": string.digits,
    "拉丁字母": string.ascii_letters,
    "标点": "：，。、（）“”·→ ()-/.:%*#",
}
#: Preferred faces first, by a piece of the file name (fontconfig's list gives files).
PREFERENCE = ("wqy-microhei", "notosanscjk", "sourcehansans", "wqy-zenhei")


class FontMissing(RuntimeError):
    """No usable font: none covers Chinese, or POSTER_FONT lacks what will be drawn."""


@dataclass(frozen=True)
class FontChoice:
    path: str                    # draws everything it has: all of NEEDED, unless ``fallback`` is set
    fallback: str | None = None  # draws, glyph by glyph, what ``path`` lacks (digits, Latin, punctuation)

    def describe(self) -> str:
        return self.path + (f" (+ {self.fallback} for digits and Latin letters)" if self.fallback else "")


@functools.cache
def charset(path: str) -> frozenset[int]:
    """The code points the font (the first face of a collection) maps to a glyph."""
    try:
        font = TTFont(path, fontNumber=0, lazy=True)
        try:
            return frozenset(font.getBestCmap() or {})
        finally:
            font.close()
    except (OSError, TTLibError, AssertionError):
        return frozenset()


def missing(path: str, kinds=tuple(NEEDED)) -> list[str]:
    """The kinds of NEEDED the font cannot draw, in NEEDED's order."""
    have = charset(path)
    return [kind for kind in kinds if any(ord(c) not in have for c in NEEDED[kind])]


def _fc_list(pattern: str) -> list[str]:
    if shutil.which("fc-list") is None:
        return []
    try:
        out = subprocess.run(["fc-list", pattern, "file"], capture_output=True, text=True, timeout=10,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})


def _fontconfig_candidates() -> list[str]:
    return _fc_list(":lang=zh")


def _rank(path: str) -> tuple:
    name = Path(path).name.lower().replace(" ", "").replace("_", "")
    preferred = next((i for i, piece in enumerate(PREFERENCE) if piece in name), len(PREFERENCE))
    # Sans (黑体) faces stay legible when printed small and photocopied.
    return (preferred, not any(k in name for k in ("hei", "sans")), path)


def _candidates() -> list[str]:
    found = {p for p in [*_fontconfig_candidates(), *KNOWN_PATHS] if Path(p).is_file()}
    return sorted(found, key=_rank)


def _latin_fallback() -> str | None:
    needed = ("数字", "拉丁字母")
    for path in [*LATIN_PATHS, *(p for p in _fc_list(":lang=en") if "sans" in p.lower())]:
        if Path(path).is_file() and not missing(path, needed):
            return path
    return None


def choose() -> FontChoice:
    """The font (and, only when nothing complete is installed, its fallback) to draw with."""
    override = os.environ.get("POSTER_FONT")
    if override:
        if not Path(override).is_file():
            raise FontMissing(f"POSTER_FONT 指向的字体文件不存在：{override}")
        lacking = missing(override)
        if lacking:
            raise FontMissing(f"POSTER_FONT 指定的字体缺少{'、'.join(lacking)}，海报和证明会缺字：{override}。" + INSTALL_HINT)
        return FontChoice(override)
    candidates = _candidates()
    for path in candidates:
        if not missing(path):
            return FontChoice(path)
    latin = _latin_fallback()
    for path in candidates:
        if not missing(path, ("中文",)) and latin is not None:
            return FontChoice(path, fallback=latin)
    if candidates:
        raise FontMissing("已安装的中文字体缺少数字和拉丁字母，且没有可补字的西文字体（如 fonts-dejavu-core）。" + INSTALL_HINT)
    raise FontMissing("未找到可显示中文的字体，无法生成海报。" + INSTALL_HINT)


@functools.cache
def current() -> FontChoice:
    """The choice, made once per process and named in the log (and on /healthz)."""
    choice = choose()
    logger.info("drawing font: %s", choice.describe())
    return choice


def cjk_font_path() -> str:
    return current().path


@functools.cache
def font(size: int, path: str | None = None) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path or current().path, size)


def reset() -> None:
    """Forget the choice (tests, or after installing a font)."""
    current.cache_clear()
    font.cache_clear()
