"""Drawn portraits for demo and test data: the surname in white on a coloured card (张三丰 → 张), or
the pinyin initials (ZSF) when no CJK font is installed. Real photos are uploaded by staff
(services.photo_validate); these only make the demo look lived-in."""

import functools
import glob
import io
import os
import random

from PIL import Image, ImageDraw, ImageFont

# Debian/Ubuntu: fonts-wqy-microhei, fonts-noto-cjk (the browser tests install them); CJK_FONT wins.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
FONT_GLOBS = ("/usr/share/fonts/**/*CJK*.tt[cf]", "/usr/share/fonts/**/wqy*.tt[cf]", "/usr/share/fonts/**/*CJK*.otf")
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 万俟 令狐 慕容 端木 夏侯 公孙 长孙 宇文 司徒 申屠 独孤".split()
)
# Muted, distinct backgrounds on which white text reads well.
PALETTE = (
    (183, 28, 28),
    (173, 20, 87),
    (106, 27, 154),
    (69, 39, 160),
    (40, 53, 147),
    (21, 101, 192),
    (2, 119, 189),
    (0, 131, 143),
    (0, 121, 107),
    (46, 125, 50),
    (85, 139, 47),
    (158, 105, 0),
    (230, 81, 0),
    (191, 54, 12),
    (78, 52, 46),
    (55, 71, 79),
)
SIZE = (240, 300)  # 4:5, as the photo slots of the pages


@functools.cache
def cjk_font_path() -> str | None:
    """A font file with Chinese characters, or None."""
    override = os.environ.get("CJK_FONT", "")
    for path in (override, *FONT_CANDIDATES):
        if path and os.path.isfile(path):
            return path
    for pattern in FONT_GLOBS:
        found = sorted(glob.glob(pattern, recursive=True))
        if found:
            return found[0]
    return None


@functools.cache
def _font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)  # Pillow's own scalable Latin font


def surname(name: str) -> str:
    name = (name or "").strip()
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def portrait_png(name: str, initials: str, *, seed: int | str, font_path: str | None | bool = True) -> bytes:
    """A portrait card as PNG bytes. `font_path=True` finds a CJK font (cjk_font_path); None or a
    missing font draws the initials (upper case) instead of the surname."""
    path = cjk_font_path() if font_path is True else (font_path or None)
    background = random.Random(f"portrait:{seed}").choice(PALETTE)
    text = surname(name) if path else (initials or "?")[:3].upper()
    return _card(text, background, path)


@functools.lru_cache(maxsize=2048)
def _card(text: str, background: tuple[int, int, int], path: str | None) -> bytes:
    """One card per (text, colour, font): surnames repeat, so a demo of a thousand deputies draws a
    few hundred."""
    image = Image.new("RGB", SIZE, background)
    draw = ImageDraw.Draw(image)
    width, height = SIZE
    # head and shoulders, a shade lighter than the card
    shade = tuple(min(255, c + 28) for c in background)
    draw.ellipse([width * 0.3, height * 0.52, width * 0.7, height * 0.8], fill=shade)
    draw.rounded_rectangle([width * 0.12, height * 0.78, width * 0.88, height * 1.1], radius=60, fill=shade)
    size = {1: 120, 2: 84}.get(len(text), 64)
    font = _font(path, size)
    draw.text((width / 2, height * 0.3), text, font=font, fill=(255, 255, 255), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()
