"""What `l_`/`u_` draw (another asset, a fetched URL, or text with its style) and the other
public_id references of a URL (`d_`), parsed."""

from __future__ import annotations

import base64
import re
import urllib.parse
from typing import Any

from edge.errors import InvalidTransformation
from edge.grammar.parsers import invalid
from edge.grammar.values import LayerSource, TextStyle

_FONT_STYLES = {"bold", "italic", "underline", "strikethrough", "normal", "light", "semibold", "thin", "black",
                "left", "right", "center", "justify", "start", "end"}
_SPACING = re.compile(r"(letter|line)_spacing_(-?\d+(?:\.\d+)?)")
_PUBLIC_ID_PART = re.compile(r"[A-Za-z0-9_\-.@ ]{1,255}")
TEXT_MAX_CHARS = 1000
FETCH_LAYER_PREFIX = "fetch:"  # a public_id never holds ':' (it is the layer's folder separator)


def _public_id(parts: list[str]) -> str | None:
    """`folder:sub:name` -> `folder/sub/name`; None when a part is not a safe name."""
    if not all(_PUBLIC_ID_PART.fullmatch(p) and p not in (".", "..") for p in parts):
        return None
    return "/".join(parts)


def parse_layer(raw: str) -> LayerSource:
    kind, sep, rest = raw.partition(":")
    if kind == "text" and sep:
        return _text_layer(rest, raw)
    if kind == "fetch" and sep:
        return _fetch_layer(rest, raw)
    if kind in ("fetch", "video", "audio", "subtitles", "lut"):
        raise InvalidTransformation(f"Unsupported layer type - {kind}")
    public_id = _public_id(raw.split(":"))
    if public_id is None:
        raise invalid("layer", raw)
    return LayerSource(public_id=public_id)


def parse_default_image(raw: str) -> str:
    public_id = _public_id(raw.split(":"))
    if public_id is None:
        raise invalid("default image", raw)
    return public_id


def _fetch_layer(encoded: str, raw: str) -> LayerSource:
    """`l_fetch:<base64url of the URL>` (the SDK's spelling; padding optional) -> public_id `fetch:<URL>`."""
    try:
        url = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise invalid("fetch layer", raw) from None
    url = urllib.parse.unquote(url)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c in url for c in "\0\r\n "):
        raise invalid("fetch layer", raw)
    return LayerSource(public_id=FETCH_LAYER_PREFIX + url)


def _text_layer(rest: str, raw: str) -> LayerSource:
    style_text, sep, text = rest.partition(":")
    if not sep or not text:
        raise invalid("text layer", raw)
    tokens = style_text.split("_")
    font_parts: list[str] = []
    while tokens and not tokens[0].isdigit():
        font_parts.append(tokens.pop(0))
    if not tokens or not font_parts:
        raise invalid("text style", style_text)
    size = int(tokens.pop(0))
    if not 1 <= size <= 1000:
        raise invalid("font size", str(size))
    options: dict[str, Any] = {}
    remaining = "_".join(tokens)
    for match in _SPACING.finditer(remaining):
        options[f"{match.group(1)}_spacing"] = float(match.group(2))
    remaining = _SPACING.sub("", remaining)
    for token in filter(None, remaining.split("_")):
        if token not in _FONT_STYLES:
            raise invalid("text style", token)
        if token in ("bold", "italic", "underline", "strikethrough"):
            options[token] = True
        elif token in ("left", "right", "center", "justify", "start", "end"):
            options["align"] = token
    decoded = urllib.parse.unquote(text)
    if len(decoded) > TEXT_MAX_CHARS:
        raise invalid("text layer", "text too long")
    return LayerSource(text=decoded, style=TextStyle(" ".join(font_parts).replace("%20", " "), size, **options))
