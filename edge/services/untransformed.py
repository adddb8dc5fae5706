"""An untransformed URL in the original's own format answers the stored bytes as they are.

Cloudinary does the same, and it is the cheapest answer there is. It also keeps every
accepted upload deliverable: an original within the source limits but past the output
limits (a 10000x1 strip) cannot be re-encoded, yet its plain URL must serve it. The header
is still probed, so bytes that are not an image of the format they claim are rendered (and
refused) as before.
"""

from __future__ import annotations

from edge.cache.base import CachedDerivative
from edge.grammar.delivery_path import DeliveryPath
from edge.grammar.values import OutputFormat
from edge.imaging.limits import Limits, check
from edge.imaging.probe import probe

# The original's extension -> the format a URL names it by.
_FORMATS = {"jpg": OutputFormat.JPEG, "jpeg": OutputFormat.JPEG, "png": OutputFormat.PNG, "webp": OutputFormat.WEBP,
            "gif": OutputFormat.GIF, "avif": OutputFormat.AVIF}
# What the probe calls each of them.
_LOADERS = {OutputFormat.JPEG: "jpeg", OutputFormat.PNG: "png", OutputFormat.WEBP: "webp", OutputFormat.GIF: "gif",
            OutputFormat.AVIF: "heif"}


def untransformed_format(path: DeliveryPath, locator: str) -> OutputFormat | None:
    """The original's format when the URL asks for it as it is (no transformation, same format)."""
    if path.chain.components or path.resource_type != "image":
        return None
    stored = _FORMATS.get(locator.rpartition(".")[2].lower())
    requested = path.requested_format
    if stored is None or requested not in (None, stored):
        return None
    return stored


def original_as_is_sync(data: bytes, fmt: OutputFormat, limits: Limits) -> CachedDerivative | None:
    """The bytes as they are, when they are what they claim; None: render them instead."""
    source = probe(data)
    if source.loader != _LOADERS[fmt] or (fmt is OutputFormat.AVIF) != source.is_avif:
        return None
    check(source, limits)  # nothing is decoded, but what the render would refuse as a source is refused here too
    return CachedDerivative(data, fmt.media_type, source.width, source.height)
