"""The support table, generated from the grammar's tables so it cannot drift.

`python -m edge.grammar.support > docs/transformations.md` writes it; a test checks that the
committed file equals this output, and another requests every row's example (built with the
official SDK) from a live server: a supported row renders, an unsupported one answers 400 with
exactly the row's `error` in `X-Cld-Error`.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.grammar.expressions import ARITHMETIC, COMPARISONS, PREDEFINED_VARIABLES, UNSUPPORTED_OPERANDS, UNSUPPORTED_VALUES
from edge.grammar.layers import ANTIALIAS, HINTING, UNSUPPORTED_LAYERS
from edge.grammar.params import (
    AUTO_FORMAT,
    EFFECTS,
    FLAGS,
    FORMAT_NAMES,
    OBJECT_GRAVITY_REASON,
    PARAMS,
    PARTIAL_PARAMS,
    UNSUPPORTED_CROPS,
    UNSUPPORTED_EFFECTS,
    UNSUPPORTED_FLAGS,
    UNSUPPORTED_FORMATS,
    UNSUPPORTED_GRAVITIES,
    UNSUPPORTED_PARAMS,
)
from edge.grammar.colours import BACKGROUND_AUTO_MODES, GRADIENT_DIRECTIONS, UNSUPPORTED_BACKGROUNDS
from edge.grammar.parsers import QUALITY_AUTO_LEVELS, UNSUPPORTED_PAGES, UNSUPPORTED_QUALITIES, UNSUPPORTED_WIDTHS
from edge.grammar.values import CropMode, Gravity

# Flags accepted with a difference worth knowing.
PARTIAL_FLAGS = {
    "animated": "animation is kept whenever the output can animate (GIF, WebP, f_auto); fl_animated with f_auto gives WebP",
    "awebp": "as animated: an animated WebP whenever the output is WebP or f_auto",
    "lossy": "PNG: palette quantisation (as png8); GIF: inter-frame colour reuse; WebP is lossy anyway",
    "png24": "flattens transparency on the b_ colour (white by default)",
    "png32": "PNG with alpha (the default here)",
    "keep_attribution": "keeps IPTC and XMP, as keep_iptc",
    "force_icc": "the ICC profile is kept by default anyway",
    "text_no_trim": "text layers are not trimmed anyway",
    "text_disallow_overflow": "as no_overflow (the text is clipped, not an error)",
    "any_format": "accepted; the format rules of f_auto apply",
    "rasterize": "SVG is always rasterised",
    "sanitize": "SVG is always sanitised",
    "region_relative": "accepted; regions are in pixels of the current image",
    "getinfo": "JSON with input/output sizes and face boxes (abridged)",
}
SUPPORTED, PARTIAL, UNSUPPORTED = "supported", "partial", "unsupported"


@dataclass(frozen=True, slots=True)
class Row:
    section: str
    item: str  # as written in a URL (`f_tiff`, `e_sepia`, `if_<operand>`...)
    status: str
    note: str
    example: str  # a transformation that uses it (the SDK test builds the same with cloudinary_url)
    error: str = ""  # unsupported rows: the exact X-Cld-Error


def _unsupported(section: str, item: str, kind: str, name: str, reason: str, example: str) -> Row:
    return Row(section, item, UNSUPPORTED, reason, example, f"Unsupported {kind} - {name} ({reason})")


def _parameters() -> list[Row]:
    rows = []
    for code, spec in sorted(PARAMS.items()):
        note = PARTIAL_PARAMS.get(code)
        rows.append(Row("Parameters", f"{code}_", PARTIAL if note else SUPPORTED,
                        f"{spec.doc} {('Differs: ' + note) if note else ''}".strip(), _PARAM_EXAMPLES[code]))
    for code, reason in sorted(UNSUPPORTED_PARAMS.items()):
        rows.append(_unsupported("Parameters", f"{code}_", "parameter", code, reason, f"{code}_1"))
    return rows


_PARAM_EXAMPLES = {
    "w": "c_scale,w_40", "h": "c_scale,h_30", "c": "c_fill,h_30,w_40", "g": "c_fill,g_north,h_30,w_40",
    "x": "c_crop,h_20,w_20,x_5,y_5", "y": "c_crop,h_20,w_20,x_5,y_5", "ar": "ar_1:1,c_fill,w_30",
    "dpr": "c_scale,dpr_2.0,w_20", "q": "q_50", "f": "f_png", "a": "a_90", "b": "b_red,c_pad,h_64,w_64",
    "fl": "fl_progressive", "e": "e_sepia", "r": "r_10", "bo": "bo_2px_solid_red", "co": "co_red,e_colorize",
    "o": "o_50", "z": "c_crop,g_north,z_2", "cs": "cs_srgb", "l": "fl_layer_apply,l_vocab_layer",
    "u": "fl_layer_apply,u_vocab_layer", "t": "t_vocab_named", "pg": "pg_1", "if": "if_w_gt_10,c_scale,w_20",
    "d": "d_vocab_layer", "dl": "dl_100", "dn": "dn_72",
}


def _values() -> list[Row]:
    rows = []
    for mode in CropMode:
        example = f"c_{mode.value},{'g_auto,' if mode is CropMode.FILL_PAD else ''}h_30,w_40"
        rows.append(Row("Crop modes", f"c_{mode.value}", SUPPORTED, "needs g_auto" if mode is CropMode.FILL_PAD else "", example))
    for name, reason in sorted(UNSUPPORTED_CROPS.items()):
        rows.append(_unsupported("Crop modes", f"c_{name}", "crop", name, reason, f"c_{name},h_30,w_40"))
    for gravity in Gravity:
        rows.append(Row("Gravities", f"g_{gravity.value}", SUPPORTED, "", f"c_fill,g_{gravity.value},h_30,w_40"))
    rows.append(Row("Gravities", "g_auto:custom_no_override", PARTIAL, "as g_auto", "c_fill,g_auto:custom_no_override,h_30,w_40"))
    for name, reason in sorted(UNSUPPORTED_GRAVITIES.items()):
        rows.append(_unsupported("Gravities", f"g_{name}", "gravity", name, reason, f"c_fill,g_{name},h_30,w_40"))
    for name in ("ocr_text", "adv_faces"):
        rows.append(_unsupported("Gravities", f"g_auto:{name}", "gravity", f"auto:{name}", UNSUPPORTED_GRAVITIES[name],
                                 f"c_fill,g_auto:{name},h_30,w_40"))
    rows.append(_unsupported("Gravities", "g_auto:<object>", "gravity", "auto:dog", OBJECT_GRAVITY_REASON, "c_fill,g_auto:dog,h_30,w_40"))
    rows.append(_unsupported("Gravities", "g_<object>", "gravity", "cat", OBJECT_GRAVITY_REASON, "c_fill,g_cat,h_30,w_40"))

    for name, fmt in sorted(FORMAT_NAMES.items()):
        note = {"ico": "one image, at most 256x256", "pdf": "written by Pillow, one page per page of the result",
                "heic": "libheif (x265) inside pillow-heif", "heif": "as heic",
                "jxl": "libjxl through pillow-jxl-plugin", "jp2": "OpenJPEG inside Pillow"}.get(name, "")
        rows.append(Row("Formats", f"f_{name}", PARTIAL if note else SUPPORTED, f"{fmt.media_type}; {note}".rstrip("; "), f"f_{name}"))
    rows.append(Row("Formats", f"f_{AUTO_FORMAT}", SUPPORTED, "AVIF, WebP, else JPEG or PNG (by alpha), from Accept", "f_auto"))
    for name, reason in sorted(UNSUPPORTED_FORMATS.items()):
        rows.append(_unsupported("Formats", f"f_{name}", "format", name, reason, f"f_{name}"))

    rows.append(Row("Quality", "q_<1-100>", SUPPORTED, "", "q_40"))
    rows.append(Row("Quality", "q_auto", PARTIAL, "fixed levels per format", "q_auto"))
    for level in QUALITY_AUTO_LEVELS:
        rows.append(Row("Quality", f"q_auto:{level}", PARTIAL, "fixed levels per format", f"q_auto:{level}"))
    rows.append(Row("Quality", "q_<n>:420", SUPPORTED, "chroma subsampling 4:2:0 (JPEG, AVIF, HEIC)", "q_75:420"))
    rows.append(Row("Quality", "q_<n>:444", SUPPORTED, "no chroma subsampling (JPEG, AVIF, HEIC)", "q_75:444"))
    rows.append(Row("Quality", "q_<n>:qmax_<m>", PARTIAL, "accepted; images use <n>", "q_60:qmax_80"))
    for name, reason in UNSUPPORTED_QUALITIES.items():
        rows.append(_unsupported("Quality", f"q_{name}", "quality", name, reason, f"q_{name}"))

    rows.append(Row("Backgrounds", "b_<colour>", SUPPORTED, "names, rgb:RRGGBB[AA], #RGB", "b_blue,c_pad,h_64,w_80"))
    for mode in BACKGROUND_AUTO_MODES:
        note = "mean colour of the border or of the whole image (not a clustering)" if "predominant" in mode else ""
        rows.append(Row("Backgrounds", f"b_auto:{mode}", PARTIAL if note else SUPPORTED, note, f"b_auto:{mode},c_pad,h_64,w_96"))
    for count in ("2", "4"):
        rows.append(Row("Backgrounds", f"b_auto:<gradient>:{count}", SUPPORTED, "colours sampled along the direction",
                        f"b_auto:predominant_gradient:{count},c_pad,h_64,w_96"))
    for direction in GRADIENT_DIRECTIONS:
        rows.append(Row("Backgrounds", f"b_auto:<gradient>:<n>:{direction}", SUPPORTED, "",
                        f"b_auto:border_gradient:2:{direction},c_pad,h_96,w_96"))
    rows.append(Row("Backgrounds", "b_auto:<mode>:palette_<colours>", SUPPORTED, "each colour replaced by the nearest of the palette",
                    "b_auto:predominant:palette_red_green_blue,c_pad,h_64,w_96"))
    rows.append(Row("Backgrounds", "b_blurred[:<intensity>[:<brightness>]]", SUPPORTED, "the image, filled and blurred",
                    "b_blurred:200:-20,c_pad,h_64,w_96"))
    for name, reason in UNSUPPORTED_BACKGROUNDS.items():
        rows.append(_unsupported("Backgrounds", f"b_{name}", "background", name, reason, f"b_{name},c_pad,h_64,w_96"))

    for item, example, note in (("a_<degrees>", "a_45", ""), ("a_hflip", "a_hflip", ""), ("a_vflip", "a_vflip", ""),
                                ("a_auto_right", "a_auto_right,c_scale,h_40,w_20", ""), ("a_auto_left", "a_auto_left,c_scale,h_40,w_20", ""),
                                ("a_auto", "a_auto,c_scale,h_40,w_20", "as auto_right"), ("a_ignore", "a_ignore", "")):
        rows.append(Row("Angles", item, PARTIAL if note else SUPPORTED, note, example))

    rows.append(Row("Pages", "pg_<n>", SUPPORTED, "PDF page, animation frame, TIFF page", "pg_2"))
    rows.append(Row("Pages", "pg_<a>-<b>", SUPPORTED, "animated GIF/WebP, multi-page TIFF or PDF; other formats take the first", "f_gif,pg_1-2"))
    rows.append(Row("Pages", "pg_<a>;<b>", SUPPORTED, "as a range", "f_tiff,pg_1;3"))
    rows.append(Row("Pages", "pg_<a>-", SUPPORTED, "to the last page", "f_webp,pg_2-"))
    for name, reason in UNSUPPORTED_PAGES.items():
        rows.append(_unsupported("Pages", f"pg_{name}:<layer>", "page", f"{name}:shadow", reason, f"pg_{name}:shadow"))
    rows.append(Row("Pages", "dn_<dpi>", SUPPORTED, "PDF rasterising density (default 150)", "dn_36"))

    rows.append(Row("Client hints", "w_auto", PARTIAL, "Sec-CH-Width/Width; without one the image keeps its width",
                    "c_scale,w_auto"))
    rows.append(Row("Client hints", "w_auto:<step>", SUPPORTED, "the hint rounded up to a multiple of step", "c_scale,w_auto:16"))
    rows.append(Row("Client hints", "w_auto:<step>:<fallback>", SUPPORTED, "fallback without a hint", "c_scale,w_auto:16:32"))
    for name, reason in UNSUPPORTED_WIDTHS.items():
        rows.append(_unsupported("Client hints", f"w_{name}", "width", name, reason, f"c_scale,w_{name}"))
    rows.append(Row("Client hints", "dpr_auto", PARTIAL, "Sec-CH-DPR/DPR; 1 without one", "c_scale,dpr_auto,w_20"))

    for style in ("bold", "italic", "underline", "strikethrough", "normal", "light", "semibold", "thin", "black", "left",
                  "right", "center", "justify", "start", "end"):
        rows.append(Row("Text layer styles", style, SUPPORTED, "", f"fl_layer_apply,l_text:Arial_12_{style}:Hi"))
    rows.append(Row("Text layer styles", "stroke", SUPPORTED, "with bo_ on the layer: the glyphs' outline",
                    "bo_2px_solid_red,fl_layer_apply,l_text:Arial_12_stroke:Hi"))
    rows.append(Row("Text layer styles", "letter_spacing_<n>", SUPPORTED, "", "fl_layer_apply,l_text:Arial_12_letter_spacing_2:Hi"))
    rows.append(Row("Text layer styles", "line_spacing_<n>", SUPPORTED, "", "fl_layer_apply,l_text:Arial_12_line_spacing_2:Hi"))
    for value in ANTIALIAS:
        note = "hard glyph edges" if value == "none" else "Pango's greyscale antialiasing"
        rows.append(Row("Text layer styles", f"antialias_{value}", SUPPORTED if value == "none" else PARTIAL, note,
                        f"fl_layer_apply,l_text:Arial_12_antialias_{value}:Hi"))
    for value in HINTING:
        rows.append(Row("Text layer styles", f"hinting_{value}", PARTIAL, "accepted; outlines are drawn unhinted",
                        f"fl_layer_apply,l_text:Arial_12_hinting_{value}:Hi"))

    rows.append(Row("Variables", "$<name>_<number>", SUPPORTED, "set before the component's other parameters, in any order",
                    "$w_20,c_scale,w_$w"))
    rows.append(Row("Variables", "$<name>_!<text>!", SUPPORTED, "strings", "$fx_!sepia!,e_$fx"))
    rows.append(Row("Variables", "$<name>_!<a>:<b>:<c>!", SUPPORTED, "lists, for _in_/_nin_", "$l_!a:b!,if_!a!_in_$l,c_scale,w_20"))
    rows.append(Row("Variables", "e_$<name>", SUPPORTED, "a variable as the effect's name", "$fx_!grayscale!,e_$fx"))
    rows.append(Row("Variables", "<code>_<text with $name>", SUPPORTED, "a variable inside any parameter's value",
                    "$v_8,r_4:$v"))
    rows.append(Row("Variables", "$(name) in text", SUPPORTED, "in a text layer's text",
                    "$t_!Hi!/fl_layer_apply,l_text:Arial_12:$(t)"))
    for name, symbol in ARITHMETIC.items():
        rows.append(Row("Variables", f"_{name}_", SUPPORTED, f"arithmetic ({symbol})", f"c_scale,w_iw_{name}_{50 if name == 'mod' else 2}"))
    rows.append(Row("Variables", "_to_f", SUPPORTED, "cast to a decimal (text that is no number is 0)", "$s_!20!,c_scale,w_$s_to_f"))
    rows.append(Row("Variables", "_to_i", SUPPORTED, "cast to an integer", "$s_20.7,c_scale,w_$s_to_i"))
    rows.append(Row("Variables", "ctx:!<key>!", SUPPORTED, "the asset's contextual metadata", "if_ctx:!k!_eq_!v!,c_scale,w_20"))
    rows.append(Row("Variables", "md:!<external_id>!", SUPPORTED, "the asset's structured metadata (empty when unknown)",
                    "if_md:!k!_eq_!v!,c_scale,w_20"))
    for name, reason in UNSUPPORTED_VALUES.items():
        rows.append(_unsupported("Variables", f"$<name>_{name}:!<id>!", "variable value", f"{name}:!file!", reason,
                                 f"$v_{name}:!file!"))

    for code, name in PREDEFINED_VARIABLES.items():
        example = {"tags": "if_!x!_in_tags,c_scale,w_20", "ctx": "if_ctx:!k!_eq_!v!,c_scale,w_20"}.get(
            code, f"if_{code}_gte_0,c_scale,w_20")
        rows.append(Row("Conditions", f"if_{code}", SUPPORTED, name.replace("_", " "), example))
    for code, reason in UNSUPPORTED_OPERANDS.items():
        rows.append(_unsupported("Conditions", f"if_{code}", "condition operand", code, reason, f"if_{code}_gt_0,c_scale,w_20"))
    for name, symbol in COMPARISONS.items():
        example = "if_!a!_in_!a:b!,c_scale,w_20" if name in ("in", "nin") else f"if_w_{name}_64,c_scale,w_20"
        rows.append(Row("Conditions", f"_{name}_", SUPPORTED, f"comparison ({symbol})", example))
    rows.append(Row("Conditions", "_and_ / _or_", SUPPORTED, "and binds tighter than or", "if_w_gt_1_and_h_gt_1_or_w_lt_0,c_scale,w_20"))
    rows.append(Row("Conditions", "if_ ... if_else ... if_end", SUPPORTED, "blocks, nested",
                    "if_w_gt_1000/c_scale,w_10/if_else/c_scale,w_20/if_end"))
    rows.append(Row("Conditions", "if_<cond>,<params>/if_else,<params>", SUPPORTED, "one component, else in the next, no if_end",
                    "if_w_lt_10,c_fill,h_10,w_10/if_else,c_fill,h_20,w_20"))

    rows.append(Row("Layers", "l_<public_id>", SUPPORTED, "folders as ':'", "fl_layer_apply,l_vocab_layer"))
    rows.append(Row("Layers", "l_text:<style>:<text>", PARTIAL, "fonts the machine has (fontconfig)", "fl_layer_apply,l_text:Arial_12:Hi"))
    rows.append(Row("Layers", "l_fetch:<base64 URL>", PARTIAL, "through the fetch allow-list", ""))
    for kind, reason in UNSUPPORTED_LAYERS.items():
        rows.append(_unsupported("Layers", f"l_{kind}:", "layer type", kind, reason, f"l_{kind}:x"))
    return rows


_EFFECT_EXAMPLES = {
    "recolor": "e_recolor:0:0:1:0:1:0:1:0:0", "replace_color": "e_replace_color:blue:40:red",
    "overlay": "e_overlay,fl_layer_apply,l_vocab_layer", "multiply": "e_multiply,fl_layer_apply,l_vocab_layer",
    "screen": "e_screen,fl_layer_apply,l_vocab_layer", "mask": "e_mask,fl_layer_apply,l_vocab_layer",
    "anti_removal": "e_anti_removal,fl_layer_apply,l_vocab_layer",
}


def _effects() -> list[Row]:
    rows = []
    for name, effect in sorted(EFFECTS.items()):
        rows.append(Row("Effects", f"e_{name}", PARTIAL if effect.partial else SUPPORTED,
                        f"{effect.doc} {('Differs: ' + effect.partial) if effect.partial else ''}".strip(),
                        _EFFECT_EXAMPLES.get(name, f"e_{name}")))
    for name, reason in sorted(UNSUPPORTED_EFFECTS.items()):
        rows.append(_unsupported("Effects", f"e_{name}", "effect", name, reason, f"e_{name}"))
    return rows


def _flags() -> list[Row]:
    rows = []
    for name in sorted(FLAGS):
        note = PARTIAL_FLAGS.get(name)
        rows.append(Row("Flags", f"fl_{name}", PARTIAL if note else SUPPORTED, note or "", f"fl_{name}"))
    for name, reason in sorted(UNSUPPORTED_FLAGS.items()):
        rows.append(_unsupported("Flags", f"fl_{name}", "flag", name, reason, f"fl_{name}"))
    return rows


def rows() -> list[Row]:
    return [*_parameters(), *_values(), *_effects(), *_flags()]


def _cell(text: str) -> str:
    return text.replace("|", "/")


def support_table() -> str:
    lines = [
        "# Transformation support",
        "",
        "Generated from the tables in `edge/grammar/` by `python -m edge.grammar.support`; do not edit by hand.",
        "Unsupported items answer **400** with `X-Cld-Error: Unsupported <kind> - <name> (<reason>)`, so a URL that",
        "Cloudinary accepts is never called invalid here. Every row's example is requested from a live server by",
        "`tests/http/test_vocabulary_table.py` (built with the official Python SDK).",
    ]
    section = None
    for row in rows():
        if row.section != section:
            section = row.section
            lines += ["", f"## {section}", "", "| item | status | notes | example |", "| --- | --- | --- | --- |"]
        example = f"`{row.example}`" if row.example else ""
        note = _cell(row.note).replace("<", "&lt;").replace(">", "&gt;")
        lines.append(f"| `{_cell(row.item)}` | {row.status} | {note} | {_cell(example)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(support_table(), end="")
