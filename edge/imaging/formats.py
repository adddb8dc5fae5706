"""Originals libvips cannot take as they are: made safe or readable before the probe.

* SVG: sanitised (no entities, no scripts, no event handlers, no foreignObject, no
  external references in href/xlink:href or CSS url()), then rasterised by libvips (librsvg).
  Only SVG that went through here may reach libvips' SVG loader (see probe.open_header).
* BMP and HEVC-coded HEIC: the libvips inside pyvips-binary has no decoder for them, so
  Pillow (with pillow-heif's bundled libheif) decodes them, after a header-only size check,
  into an uncompressed TIFF that the rest of the pipeline reads like any original.
"""

from __future__ import annotations

import io
import re

import pyvips

from edge.errors import InvalidImage, SourceTooLarge

HEVC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis")
_SVG_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]", re.DOTALL)
_DANGEROUS_TAGS = {"script", "foreignobject", "iframe", "embed", "object", "audio", "video", "handler", "listener", "set",
                   "animate"}
_SAFE_DATA_URL = re.compile(r"data:image/(png|jpeg|gif|webp);base64,", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?(?!#)[^)]*\)", re.IGNORECASE)


def sniff(data: bytes) -> str | None:
    """'svg', 'bmp', 'heic' for the formats handled here; None for everything else."""
    head = data[:64]
    if head.startswith(b"BM") and len(data) > 26:
        return "bmp"
    if head[4:8] == b"ftyp" and (head[8:12] in HEVC_BRANDS or _compatible_hevc(data)):
        return "heic"
    if _SVG_START.match(data[:4096].lstrip(b"\xef\xbb\xbf")):
        return "svg"
    return None


def _compatible_hevc(data: bytes) -> bool:
    size = int.from_bytes(data[0:4], "big")
    brands = data[16 : min(size, 64)]
    return any(brands[i : i + 4] in HEVC_BRANDS for i in range(0, len(brands), 4)) and b"avif" not in brands


def normalise(data: bytes, max_pixels: int) -> tuple[bytes, bool]:
    """(bytes for the pipeline, whether they are sanitised SVG)."""
    kind = sniff(data)
    if kind == "svg":
        return sanitise_svg(data), True
    if kind in ("bmp", "heic"):
        return _via_pillow(data, max_pixels), False
    return data, False


def sanitise_svg(data: bytes) -> bytes:
    import xml.etree.ElementTree as ElementTree

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ElementTree.ParseError) as exc:
        raise InvalidImage("Unsafe or malformed SVG", detail=str(exc)) from None
    _clean(root)
    # Serialise with the default namespace unprefixed: librsvg (and libvips' sniffing) want `<svg`.
    ElementTree.register_namespace("", "http://www.w3.org/2000/svg")
    ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    return ElementTree.tostring(root, encoding="unicode").encode()


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def _clean(element) -> None:  # type: ignore[no-untyped-def]
    for child in list(element):
        tag = _local(child.tag) if isinstance(child.tag, str) else ""
        if tag in _DANGEROUS_TAGS or (tag == "style" and "@import" in (child.text or "").lower()):
            element.remove(child)
            continue
        if tag == "style" and child.text:
            child.text = _CSS_URL.sub("none", child.text)
        _clean(child)
    for name in list(element.attrib):
        local = _local(name)
        value = element.attrib[name]
        if local.startswith("on"):
            del element.attrib[name]
        elif local == "href" and not (value.startswith("#") or _SAFE_DATA_URL.match(value)):
            del element.attrib[name]
        elif local == "style" or "url(" in value.lower():
            element.attrib[name] = _CSS_URL.sub("none", value)


def _via_pillow(data: bytes, max_pixels: int) -> bytes:
    from PIL import Image, UnidentifiedImageError

    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
        with Image.open(io.BytesIO(data)) as opened:  # reads the header only
            width, height = opened.size
            if width * height > max_pixels:
                raise SourceTooLarge(f"Image too large - {width}x{height} is over {max_pixels} pixels")
            picture = opened.convert("RGBA" if "A" in opened.getbands() or opened.mode == "P" else "RGB")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidImage("Unsupported or corrupt image", detail=str(exc)) from None
    image = pyvips.Image.new_from_memory(picture.tobytes(), picture.width, picture.height, len(picture.getbands()), "uchar")
    return image.copy(interpretation="srgb").tiffsave_buffer(compression="none")
