"""Text on posters, drawn with the chosen font and, where it lacks a glyph, its fallback.

Pillow draws a string with one font, so a CJK-only font would draw a team code or a phone number as
nothing. When ``qr.fonts`` paired the font with a fallback, the string is cut into runs, each drawn
with the first font that has its glyphs, on one baseline; when it did not (the usual case: WenQuanYi
Micro Hei or Noto Sans CJK draw everything), Pillow draws the whole string as before.
"""
from __future__ import annotations

from PIL import ImageDraw

from qr.fonts import charset, current, font


def runs(text: str) -> list[tuple[str, str]]:
    """(piece, font path) in order: each piece drawn by the chosen font unless only the fallback has it."""
    choice = current()
    if choice.fallback is None:
        return [(text, choice.path)]
    primary, spare = charset(choice.path), charset(choice.fallback)
    pieces: list[tuple[str, str]] = []
    for char in text:
        path = choice.fallback if ord(char) not in primary and ord(char) in spare else choice.path
        if pieces and pieces[-1][1] == path:
            pieces[-1] = (pieces[-1][0] + char, path)
        else:
            pieces.append((char, path))
    return pieces


def width(draw: ImageDraw.ImageDraw, text: str, size: int) -> float:
    return sum(draw.textlength(piece, font=font(size, path)) for piece, path in runs(text))


def bbox(draw: ImageDraw.ImageDraw, text: str, size: int) -> tuple[float, float, float, float]:
    """As ``draw.textbbox((0, 0), text)`` with the top-left anchor of the chosen font."""
    pieces = runs(text)
    if len(pieces) == 1 and pieces[0][1] == current().path:
        return draw.textbbox((0, 0), text, font=font(size))
    baseline, x = font(size).getmetrics()[0], 0.0
    left = top = float("inf")
    right = bottom = float("-inf")
    for piece, path in pieces:
        box = draw.textbbox((x, baseline), piece, font=font(size, path), anchor="ls")
        left, top, right, bottom = min(left, box[0]), min(top, box[1]), max(right, box[2]), max(bottom, box[3])
        x += draw.textlength(piece, font=font(size, path))
    return left, top, right, bottom


def draw_text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, *, fill: int,
              anchor: str = "la") -> None:
    """``draw.text`` with Pillow's anchors: horizontal l/m/r, vertical a (top), m (middle) or s (baseline)."""
    pieces = runs(text)
    if len(pieces) == 1 and pieces[0][1] == current().path:
        draw.text(xy, text, font=font(size), fill=fill, anchor=anchor)
        return
    ascent, descent = font(size).getmetrics()
    x, y = xy
    total = width(draw, text, size)
    x -= {"l": 0, "m": total / 2, "r": total}[anchor[0]]
    baseline = y + {"a": ascent, "m": (ascent - descent) / 2, "s": 0}[anchor[1]]
    for piece, path in pieces:
        draw.text((x, baseline), piece, font=font(size, path), fill=fill, anchor="ls")
        x += draw.textlength(piece, font=font(size, path))
