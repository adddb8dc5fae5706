"""`raw` files: any bytes, served as stored with a Content-Type we sniffed ourselves.

A file is never served inline as something a browser would run from our origin: HTML, SVG,
XML, JavaScript (by name or by content) go out as `application/octet-stream` with
`Content-Disposition: attachment`; text is `text/plain`; only images, PDF and plain text,
CSV and JSON are inline. The response also carries `nosniff` and a sandboxing CSP (http/raw.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from edge.grammar.delivery_path import DeliveryPath
from edge.origins.base import OriginStore, storage_cloud
from edge.services.fetch import sniff_image
from edge.services.purge import cloud_key, surrogate_key

_TEXT_TYPES = {"txt": "text/plain", "csv": "text/csv", "json": "application/json", "log": "text/plain", "md": "text/plain"}
_RISKY_NAMES = frozenset({"html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs", "cjs",
                          "css", "swf", "jar", "hta", "vbs", "wasm", "php", "jsp", "asp", "aspx"})
_MARKUP_START = (b"<", b"\xef\xbb\xbf<")


@dataclass(frozen=True, slots=True)
class RawFile:
    data: bytes
    media_type: str
    inline: bool
    etag: str
    filename: str
    surrogate_keys: tuple[str, ...]


def classify(data: bytes, name: str) -> tuple[str, bool]:
    """(media type, inline?) from the bytes first, the name's extension second."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    image = sniff_image(data)
    if image is not None and extension not in _RISKY_NAMES:
        return image, True
    if data.startswith(b"%PDF-"):
        return "application/pdf", True
    if extension in _RISKY_NAMES or data.lstrip()[:1] == b"<" or data.startswith(_MARKUP_START):
        return "application/octet-stream", False
    if data.startswith(b"PK\x03\x04"):
        return "application/zip", False
    if data.startswith(b"\x1f\x8b"):
        return "application/gzip", False
    head = data[:8192]
    if b"\0" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = exc.start > len(head) - 4  # a character cut in two at the end of the sample
        else:
            text = True
        if text:
            return _TEXT_TYPES.get(extension, "text/plain"), True
    return "application/octet-stream", False


class RawFiles:
    def __init__(self, origins: OriginStore, max_bytes: int) -> None:
        self.origins = origins
        self.max_bytes = max_bytes

    async def get(self, path: DeliveryPath) -> RawFile:
        where = storage_cloud(path.cloud, "raw", path.delivery_type)
        version = await self.origins.locate(where, path.public_id)
        data = await self.origins.read(version, self.max_bytes)
        media_type, inline = classify(data, path.public_id)
        material = "\0".join((where, path.public_id, version.token))
        keys = (surrogate_key(path.cloud, "raw", path.delivery_type, path.public_id), cloud_key(path.cloud))
        return RawFile(data, media_type, inline, '"' + hashlib.sha256(material.encode()).hexdigest()[:32] + '"',
                       path.public_id.rsplit("/", 1)[-1], keys)
