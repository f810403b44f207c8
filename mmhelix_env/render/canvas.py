"""Fixed canvases, bundled fonts, text and letterboxing.

Only the DejaVu fonts shipped in ``fonts/`` are used (never a system font or PIL's bitmap default),
and drawing never uses randomness, so the same state gives the same bytes on every machine with the
pinned Pillow.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path(__file__).parent / "fonts"
DEFAULT_SIZE = 512

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
INK = (30, 30, 40)
BACKGROUND = (248, 246, 240)
GRID_LINE = (70, 70, 80)
MUTED = (120, 120, 130)
# Dark, mutually distinct colours for edges, series and highlights.
PALETTE = (
    (31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (23, 190, 207), (188, 130, 20),
)


@lru_cache(maxsize=256)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), max(int(size), 6))


def new_canvas(size: int | tuple[int, int] = DEFAULT_SIZE,
               color=BACKGROUND) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    wh = (size, size) if isinstance(size, int) else tuple(size)
    img = Image.new("RGB", wh, color)
    return img, ImageDraw.Draw(img)


def text_size(text: str, fnt: ImageFont.FreeTypeFont) -> tuple[int, int]:
    left, top, right, bottom = fnt.getbbox(text)
    return right - left, bottom - top


def fit_font(text: str, max_w: float, max_h: float, bold: bool = False,
             start: int | None = None) -> ImageFont.FreeTypeFont:
    """The largest bundled font (in whole px) whose rendering of ``text`` fits in max_w × max_h."""
    size = int(start or max_h)
    while size > 6:
        fnt = font(size, bold)
        w, h = text_size(text, fnt)
        if w <= max_w and h <= max_h:
            return fnt
        size -= max(1, size // 12)
    return font(6, bold)


def draw_text(draw: ImageDraw.ImageDraw, center: tuple[float, float], text: str,
              fnt: ImageFont.FreeTypeFont, fill=INK, anchor: str = "mm") -> None:
    """Text centred on ``center`` (Pillow's ``mm`` anchor: middle of the line box)."""
    draw.text((round(center[0]), round(center[1])), text, font=fnt, fill=fill, anchor=anchor)


def draw_label_box(draw: ImageDraw.ImageDraw, center: tuple[float, float], text: str,
                   fnt: ImageFont.FreeTypeFont, border=INK, fill=WHITE, ink=INK,
                   pad: int = 3) -> tuple[int, int, int, int]:
    """A text label in a bordered box centred on ``center``; returns the box (x0, y0, x1, y1)."""
    w, h = text_size(text, fnt)
    cx, cy = round(center[0]), round(center[1])
    box = (cx - w // 2 - pad, cy - h // 2 - pad, cx + (w + 1) // 2 + pad, cy + (h + 1) // 2 + pad)
    draw.rectangle(box, fill=fill, outline=border, width=1)
    draw_text(draw, (cx, cy), text, fnt, fill=ink)
    return box


def boxes_overlap(a, b, gap: float = 0) -> bool:
    """Whether two inclusive pixel boxes (x0, y0, x1, y1) come within ``gap`` of sharing a pixel."""
    return a[0] <= b[2] + gap and b[0] <= a[2] + gap and a[1] <= b[3] + gap and b[1] <= a[3] + gap


def letterbox(img: Image.Image, size: int | tuple[int, int] = DEFAULT_SIZE, color=BACKGROUND) -> Image.Image:
    """Scale ``img`` to fit inside a fixed canvas, keeping its aspect ratio, centred."""
    wh = (size, size) if isinstance(size, int) else tuple(size)
    if img.size == wh:
        return img
    scale = min(wh[0] / img.width, wh[1] / img.height)
    new = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    resized = img.resize(new, Image.Resampling.LANCZOS) if new != img.size else img
    out = Image.new("RGB", wh, color)
    out.paste(resized, ((wh[0] - new[0]) // 2, (wh[1] - new[1]) // 2))
    return out


def to_array(img: Image.Image) -> np.ndarray:
    """HxWx3 uint8 observation array."""
    if img.mode != "RGB":
        img = img.convert("RGB")
    return np.asarray(img, dtype=np.uint8)
