"""Finding a CJK font at run time.

A poster drawn with a Latin font shows boxes (豆腐块) instead of Chinese; that must be an error the
operator can fix, never a silently useless poster. fontconfig is asked for fonts covering Chinese
(``fc-list :lang=zh``); a few well-known Debian paths are the fallback when fc-list is absent.
POSTER_FONT (a file path) overrides both.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

from PIL import ImageFont

KNOWN_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
INSTALL_HINT = "请安装中文字体（Debian: apt-get install fonts-wqy-microhei 或 fonts-noto-cjk），或用 POSTER_FONT 指定字体文件"


class FontMissing(RuntimeError):
    """No font that covers Chinese was found; the message says how to install one."""


def _fontconfig_candidates() -> list[str]:
    if shutil.which("fc-list") is None:
        return []
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})
    # Prefer sans (黑体) faces: they stay legible when printed small and photocopied.
    return sorted(files, key=lambda f: (not any(k in f.lower() for k in ("hei", "sans")), f))


@functools.cache
def cjk_font_path() -> str:
    override = os.environ.get("POSTER_FONT")
    if override:
        if not Path(override).is_file():
            raise FontMissing(f"POSTER_FONT 指向的字体文件不存在：{override}")
        return override
    for path in [*_fontconfig_candidates(), *KNOWN_PATHS]:
        if Path(path).is_file():
            return path
    raise FontMissing("未找到可显示中文的字体，无法生成海报。" + INSTALL_HINT)


@functools.cache
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(cjk_font_path(), size)
