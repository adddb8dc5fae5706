"""The widget files: read once (off the event loop), kept in memory with their gzip and ETag."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

STATIC = Path(__file__).parent / "static"

# widget name -> the files of its all.js, in order. core.js is the shared prelude
# (script origin, loaders, focus trap, events); every all.js is one IIFE that adds to window.cloudinary.
WIDGETS: dict[str, tuple[str, ...]] = {
    "upload-widget": ("core.js", "upload-widget.js"),
    "product-gallery": ("core.js", "product-gallery.js"),
}

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    gzipped: bytes
    etag: str
    content_type: str


def build_sync(parts: list[bytes], suffix: str) -> StaticFile:
    body = b"".join(parts)
    return StaticFile(
        body=body,
        gzipped=gzip.compress(body, 9, mtime=0),
        etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
        content_type=_TYPES.get(suffix, "application/octet-stream"),
    )


def widget_sync(name: str) -> StaticFile:
    """One IIFE around the widget's files: nothing leaks into the page but window.cloudinary."""
    parts = [b'(function () {\n"use strict";\n']
    parts += [(STATIC / part).read_bytes() + b"\n" for part in WIDGETS[name]]
    parts.append(b"})();\n")
    return build_sync(parts, ".js")


def static_path(relative: str) -> Path | None:
    """A file under static/, or None (no `..`, no hidden files, no folders)."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or any(p in ("", "..") or p.startswith(".") for p in pure.parts):
        return None
    path = STATIC.joinpath(*pure.parts)
    return path if path.is_file() else None


def static_sync(relative: str) -> StaticFile | None:
    path = static_path(relative)
    return build_sync([path.read_bytes()], path.suffix) if path is not None else None


class WidgetFiles:
    """Files by name, read on first request in the default executor, then served from memory."""

    def __init__(self) -> None:
        self._files: dict[str, StaticFile | None] = {}

    async def widget(self, name: str) -> StaticFile | None:
        if name not in WIDGETS:
            return None
        return await self._get(f"widget:{name}", lambda: widget_sync(name))

    async def static(self, relative: str) -> StaticFile | None:
        return await self._get(f"static:{relative}", lambda: static_sync(relative))

    async def _get(self, key: str, load) -> StaticFile | None:  # type: ignore[no-untyped-def]
        if key not in self._files:
            found = await asyncio.get_running_loop().run_in_executor(None, load)
            if found is None:
                return None  # unknown names are not remembered: the table stays as small as the folder
            self._files[key] = found
        return self._files[key]
