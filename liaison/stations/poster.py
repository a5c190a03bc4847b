"""The printable QR-code poster of a station: scanning it opens the station's online opinion page.
The poster is for the people at the station, so it is always in Chinese whatever the staff member's
interface language (the views render it under zh-hans).
PNG is drawn with Pillow at A4 proportions (150 dpi) with a CJK font found on the machine; SVG uses
qrcode's SVG path image inside a poster with text, and names the same font stack as the site."""

import functools
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from .models import Station

KNOWN_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
FONT_STACK = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'
RED = (179, 32, 42)
WIDTH, HEIGHT = 1240, 1754  # A4 at 150 dpi


def opinion_url(station: Station) -> str:
    return settings.SITE_BASE_URL.rstrip("/") + f"/stations/{station.pk}/opinions/new/"


@functools.cache
def cjk_font_path() -> str | None:
    """A font that has Chinese glyphs: fc-match first, then well-known paths; None when there is none."""
    fc_match = shutil.which("fc-match")
    if fc_match:
        try:
            out = subprocess.run(
                [fc_match, "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True, timeout=5, check=False
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and _loads(out):
            return out
    for path in KNOWN_CJK_FONTS:
        if _loads(path):
            return path
    return None


def _loads(path: str) -> bool:
    try:
        ImageFont.truetype(path, 12)
    except OSError:
        return False
    return True


def _font(size: int):
    path = cjk_font_path()
    if path:
        return ImageFont.truetype(path, size)
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # an old Pillow without sizes
        return ImageFont.load_default()


def _qr(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(data)
    code.make(fit=True)
    return code


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Break text into lines no wider than `width`: between any two Chinese characters, between words
    of Latin text."""
    lines, line = [], ""
    for token in re.findall(r"[A-Za-z0-9'’.,:;/_\-]+\s*|.", text):
        if draw.textlength(line + token, font=font) > width and line:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line:
        lines.append(line.rstrip())
    return lines


def _centered(draw, y: int, text: str, font, fill, width: int = WIDTH - 160) -> int:
    for line in _wrap(draw, text, font, width):
        w = draw.textlength(line, font=font)
        draw.text(((WIDTH - w) / 2, y), line, font=font, fill=fill)
        box = draw.textbbox((0, 0), line, font=font)
        y += (box[3] - box[1]) + int(font.size * 0.45 if hasattr(font, "size") else 12)
    return y


def _texts(station: Station) -> dict[str, str]:
    return {
        "kind": station.get_kind_display(),
        "name": station.name,
        "call": _("Scan to send your opinion to the deputies"),
        "caption": _("Your opinions and suggestions reach the people's congress deputies at this station."),
        "hours": (_("Opening hours: %(hours)s") % {"hours": station.opening_hours}) if station.opening_hours else "",
        "address": _("Address: %(address)s") % {"address": station.address},
        "url": opinion_url(station),
    }


def poster_png(station: Station) -> bytes:
    texts = _texts(station)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 150), fill=RED)
    _centered(draw, 45, _("People's congress deputies' liaison"), _font(56), "white")
    y = _centered(draw, 210, texts["name"], _font(84), RED)
    y = _centered(draw, y + 5, texts["kind"], _font(44), (80, 80, 80))
    qr_size = 760
    qr_img = _qr(texts["url"]).make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    qr_img = qr_img.resize((qr_size, qr_size), Image.Resampling.NEAREST)
    qr_top = max(y + 30, 460)
    image.paste(qr_img, ((WIDTH - qr_size) // 2, qr_top))
    y = qr_top + qr_size + 30
    y = _centered(draw, y, texts["call"], _font(56), RED)
    y = _centered(draw, y + 10, texts["caption"], _font(34), (40, 40, 40))
    if texts["hours"]:
        y = _centered(draw, y + 10, texts["hours"], _font(32), (40, 40, 40))
    y = _centered(draw, y + 5, texts["address"], _font(32), (40, 40, 40))
    _centered(draw, min(y + 20, HEIGHT - 70), texts["url"], _font(26), (100, 100, 100))
    draw.rectangle((0, HEIGHT - 24, WIDTH, HEIGHT), fill=RED)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()


SVG_NS = "http://www.w3.org/2000/svg"


def poster_svg(station: Station) -> str:
    """An A4-proportioned SVG (210×297 units) with the QR code as one vector path."""
    ET.register_namespace("", SVG_NS)
    texts = _texts(station)
    qr_svg = _qr(texts["url"]).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    qr_root = ET.fromstring(qr_svg.to_string())
    root = ET.Element(
        f"{{{SVG_NS}}}svg",
        {"version": "1.1", "viewBox": "0 0 210 297", "width": "210mm", "height": "297mm"},
    )
    title = ET.SubElement(root, f"{{{SVG_NS}}}title")
    title.text = f"{texts['name']} · {texts['call']}"
    ET.SubElement(root, f"{{{SVG_NS}}}rect", {"x": "0", "y": "0", "width": "210", "height": "297", "fill": "#fff"})
    ET.SubElement(root, f"{{{SVG_NS}}}rect", {"x": "0", "y": "0", "width": "210", "height": "24", "fill": "#b3202a"})

    def text(y: float, content: str, size: float, fill: str = "#222", weight: str = "normal") -> None:
        if not content:
            return
        node = ET.SubElement(
            root,
            f"{{{SVG_NS}}}text",
            {
                "x": "105",
                "y": str(y),
                "text-anchor": "middle",
                "font-family": FONT_STACK,
                "font-size": str(size),
                "font-weight": weight,
                "fill": fill,
            },
        )
        node.text = content

    text(15.5, _("People's congress deputies' liaison"), 9, "#fff", "bold")
    text(42, texts["name"], 13 if len(texts["name"]) <= 14 else 9, "#b3202a", "bold")
    text(52, texts["kind"], 7, "#555")
    qr_root.set("x", "40")
    qr_root.set("y", "60")
    qr_root.set("width", "130")
    qr_root.set("height", "130")
    root.append(qr_root)
    text(205, texts["call"], 9, "#b3202a", "bold")
    text(216, texts["caption"][:40], 5)
    text(226, texts["hours"][:50], 5)
    text(235, texts["address"][:50], 5)
    text(248, texts["url"], 4, "#666")
    ET.SubElement(root, f"{{{SVG_NS}}}rect", {"x": "0", "y": "292", "width": "210", "height": "5", "fill": "#b3202a"})
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
