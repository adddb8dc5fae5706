"""Originals libvips cannot take as they are: made safe or readable before the probe.

* SVG: sanitised (no entities, no scripts, no event handlers, no foreignObject, no
  external references in href/xlink:href or CSS url()), then rasterised by libvips (librsvg).
  Internal references (`<use href="#a">`, `url(#a)`) are counted as they would expand: a
  document that would draw more than SVG_MAX_EXPANDED_ELEMENTS elements ("billion laughs" with
  nested `<use>`) or that refers to itself is refused at once, like a raster over the pixel limit.
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
_LOCAL_URL = re.compile(r"url\(\s*['\"]?#([^)'\"\s]+)")
# How many elements a document may draw once every internal reference is expanded. librsvg's
# own ceiling is far higher (it gives up only at the render deadline, seconds later).
SVG_MAX_EXPANDED_ELEMENTS = 100_000


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


def sanitise_svg(data: bytes, max_elements: int = SVG_MAX_EXPANDED_ELEMENTS) -> bytes:
    import xml.etree.ElementTree as ElementTree

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ElementTree.ParseError) as exc:
        raise InvalidImage("Unsafe or malformed SVG", detail=str(exc)) from None
    try:
        _clean(root)
        expanded = expanded_elements(root)
    except RecursionError:
        raise InvalidImage("Unsafe or malformed SVG", detail="nested too deep") from None
    if expanded > max_elements:
        raise SourceTooLarge(f"SVG too complex - its references expand to over {max_elements} elements")
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


def expanded_elements(root) -> int:  # type: ignore[no-untyped-def]
    """How many elements the renderer would instantiate: each element once, plus, for every
    internal reference it makes (href="#id", url(#id)), the expanded size of the target.
    Memoised per element, so a 10-deep nest of ten `<use>` costs 100 steps to count, not 10**10;
    a reference cycle raises InvalidImage."""
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(element) -> int:  # type: ignore[no-untyped-def]
        key = id(element)
        if key in sizes:
            return sizes[key]
        if key in open_:
            raise InvalidImage("Unsafe or malformed SVG", detail="reference cycle")
        open_.add(key)
        total = 1 + sum(size(child) for child in element)
        for target in _references(element):
            if target in by_id:
                total += size(by_id[target])
        open_.discard(key)
        sizes[key] = total
        return total

    return size(root)


def _references(element) -> list[str]:  # type: ignore[no-untyped-def]
    targets = []
    for name, value in element.attrib.items():
        if _local(name) == "href" and value.startswith("#"):
            targets.append(value[1:])
        elif "url(" in value:
            targets.extend(_LOCAL_URL.findall(value))
    return targets


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
