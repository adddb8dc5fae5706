"""Layer steps: drawing a layer over (or under) the image with a blend mode, tiled or masked, and
rendering a text layer with Pango."""

from __future__ import annotations

import html
import math

import pyvips

from edge.errors import SourceTooLarge
from edge.grammar.values import Colour
from edge.imaging.effects.bands import join_alpha, solid, split_alpha, with_alpha
from edge.imaging.shape import opacity


_BLEND_MODES = {"over": "over", "multiply": "multiply", "screen": "screen", "overlay": "overlay", "anti_removal": "over"}

def compose(base: pyvips.Image, layer: pyvips.Image, left: int, top: int, blend: str, opacity_percent: int,
            tiled: bool, underlay: bool) -> pyvips.Image:
    """Draw layer on (or under) base; the result has base's size."""
    layer = with_alpha(layer)
    if opacity_percent < 100:
        layer = opacity(layer, opacity_percent)
    if tiled:
        across, down = math.ceil(base.width / layer.width), math.ceil(base.height / layer.height)
        layer = layer.replicate(across, down).crop(0, 0, base.width, base.height)
        left = top = 0
    base_had_alpha = base.hasalpha()
    if blend in ("mask", "cutter"):
        placed = _placed_alpha(layer, base.width, base.height, left, top)
        rgb, alpha = split_alpha(with_alpha(base))
        return join_alpha(rgb, (alpha * placed / 255).cast("uchar"))
    if underlay:
        canvas = pyvips.Image.black(base.width, base.height, bands=4).copy(interpretation="srgb")
        canvas = canvas.composite2(layer, "over", x=left, y=top)
        out = canvas.composite2(with_alpha(base), "over")
        base_had_alpha = True
    else:
        out = base.composite2(layer, _BLEND_MODES[blend], x=left, y=top)
    out = out.cast("uchar").copy(interpretation="srgb")
    if not base_had_alpha and out.hasalpha():
        out = out.extract_band(0, n=out.bands - 1)
    return out

def _placed_alpha(layer: pyvips.Image, width: int, height: int, left: int, top: int) -> pyvips.Image:
    alpha = layer.extract_band(layer.bands - 1)
    return alpha.embed(left, top, width, height, extend="black")

def render_text(text: str, font: str, size: int, *, bold: bool, italic: bool, underline: bool, strikethrough: bool,
                align: str, letter_spacing: float, line_spacing: float, colour: Colour, background: Colour | None,
                max_pixels: int, wrap_width: int | None = None) -> pyvips.Image:
    """A text layer with Pango (libvips text): coloured glyphs on transparent (or the b_ colour)."""
    markup = html.escape(text, quote=False)
    if underline:
        markup = f"<u>{markup}</u>"
    if strikethrough:
        markup = f"<s>{markup}</s>"
    if letter_spacing:
        markup = f'<span letter_spacing="{round(letter_spacing * 1024)}">{markup}</span>'
    description = " ".join(part for part in (font, "Bold" if bold else "", "Italic" if italic else "") if part)
    align_name = {"center": "centre", "right": "high", "end": "high"}.get(align, "low")
    options: dict[str, object] = {"width": wrap_width} if wrap_width else {}
    mask = pyvips.Image.text(markup, font=f"{description} {size}", dpi=72, align=align_name,
                             spacing=round(line_spacing) if line_spacing else 0, **options)
    if mask.width * mask.height > max_pixels:
        raise SourceTooLarge("Text layer too large")
    glyphs = solid(mask, colour).bandjoin((mask * (colour.alpha / 255)).cast("uchar")).copy(interpretation="srgb")
    if background is None:
        return glyphs
    return solid(mask, background, 4).composite2(glyphs, "over").cast("uchar").copy(interpretation="srgb")
