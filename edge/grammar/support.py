"""The support table, generated from the parameter table so it cannot drift.

`python -m edge.grammar.support > docs/transformations.md` writes it; a test checks that the
committed file equals this output.
"""

from __future__ import annotations

from edge.grammar.params import (
    EFFECTS,
    FLAGS,
    PARAMS,
    PARTIAL_PARAMS,
    UNSUPPORTED_EFFECTS,
    UNSUPPORTED_FLAGS,
    UNSUPPORTED_CROPS,
    UNSUPPORTED_GRAVITIES,
    UNSUPPORTED_PARAMS,
    code_for,
)

# Flags accepted with a difference worth knowing.
PARTIAL_FLAGS = {
    "animated": "animation is kept whenever the output can animate (GIF, WebP, f_auto)",
    "awebp": "as animated",
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


def _row(name: str, status: str, note: str) -> str:
    return f"| `{name}` | {status} | {note.replace('|', '/')} |"


def support_table() -> str:
    lines = [
        "# Transformation support",
        "",
        "Generated from the tables in `edge/grammar/` (params.py, effects.py, flags.py) by `python -m edge.grammar.support`; do not edit by hand.",
        "Unsupported parameters, effects and flags answer **400** with an `X-Cld-Error` header that names them.",
        "",
        "## Parameters",
        "",
        "| parameter | status | notes |",
        "| --- | --- | --- |",
    ]
    for code, spec in sorted(PARAMS.items()):
        note = PARTIAL_PARAMS.get(code)
        lines.append(_row(f"{code}_", "partial" if note else "supported", f"{spec.doc} {('Differs: ' + note) if note else ''}".strip()))
    lines.append(_row("$<name>_", "supported", "User-defined variables; values may be expressions (add sub mul div mod pow)."))
    for code, reason in sorted(UNSUPPORTED_PARAMS.items()):
        lines.append(_row(f"{code}_", "unsupported", reason))
    for name, reason in sorted(UNSUPPORTED_CROPS.items()):
        lines.append(_row(f"{code_for('crop')}_{name}", "unsupported", reason))
    for name, reason in sorted(UNSUPPORTED_GRAVITIES.items()):
        lines.append(_row(f"{code_for('gravity')}_{name}", "unsupported", reason))
    lines += ["", "## Effects (`e_`)", "", "| effect | status | notes |", "| --- | --- | --- |"]
    for name, effect in sorted(EFFECTS.items()):
        lines.append(_row(name, "partial" if effect.partial else "supported",
                          f"{effect.doc} {('Differs: ' + effect.partial) if effect.partial else ''}".strip()))
    for name, reason in sorted(UNSUPPORTED_EFFECTS.items()):
        lines.append(_row(name, "unsupported", reason))
    lines += ["", "## Flags (`fl_`)", "", "| flag | status | notes |", "| --- | --- | --- |"]
    for name in sorted(FLAGS):
        note = PARTIAL_FLAGS.get(name)
        lines.append(_row(name, "partial" if note else "supported", note or ""))
    for name, reason in sorted(UNSUPPORTED_FLAGS.items()):
        lines.append(_row(name, "unsupported", reason))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(support_table(), end="")
