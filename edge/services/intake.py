"""What every upload call shares before it stores anything: who is calling (a signature, or an
unsigned upload preset), the preset's settings, the file's bytes, the public_id, the MD5."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from edge.catalog.models import UploadPreset
from edge.catalog.store import Catalog
from edge.errors import InvalidParameter, SourceTooLarge
from edge.imaging.limits import Limits
from edge.origins.remote import RemoteFetcher
from edge.services.assets import Params, random_id, truthy
from edge.services.credentials import Credentials
from edge.signing import ApiKey

_DATA_URI = re.compile(r"data:([\w.+-]+/[\w.+-]+)?(;[\w-]+=[\w-]+)*;base64,(.*)", re.DOTALL)
# What an unsigned upload may set itself; the rest (overwrite, type, transformation…) is the preset's.
_UNSIGNED_ALLOWED = frozenset({"public_id", "folder", "tags", "context", "metadata", "upload_preset", "custom_coordinates"})
_MAX_BOXES = 100


@dataclass(frozen=True, slots=True)
class FileInput:
    """The `file` parameter: bytes from a multipart part, or text (a data URI or an http(s) URL)."""

    data: bytes | None = None
    filename: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class UploadOptions:
    max_bytes: int
    limits: Limits
    render_timeout: float
    backup_clouds: frozenset[str] = frozenset()  # "*" = every cloud
    notification_urls: Mapping[str, str] = field(default_factory=dict)  # cloud (or "*") -> URL
    keep_metadata_clouds: frozenset[str] = frozenset()  # "*" = every cloud

    def backup(self, cloud: str) -> bool:
        return cloud in self.backup_clouds or "*" in self.backup_clouds

    def keep_metadata(self, cloud: str) -> bool:
        """An overwrite keeps the tags, context and metadata the call does not set."""
        return cloud in self.keep_metadata_clouds or "*" in self.keep_metadata_clouds


@dataclass(frozen=True, slots=True)
class Call:
    """An authorised upload call: the key it acts as, and its parameters with the preset's merged in."""

    api_key: ApiKey
    preset: UploadPreset | None
    options: Mapping[str, Any]

    def overwrite(self) -> bool:
        """Signed calls overwrite by default; unsigned ones only when their preset says so."""
        return truthy(self.options.get("overwrite"), default=self.preset is None or not self.preset.unsigned)


class Intake:
    def __init__(self, credentials: Credentials, catalog: Catalog, fetcher: RemoteFetcher, max_bytes: int) -> None:
        self.credentials = credentials
        self.catalog = catalog
        self.fetcher = fetcher
        self.max_bytes = max_bytes

    async def authorise(self, cloud: str, params: Params) -> Call:
        preset_name = str(params.get("upload_preset") or "")
        if params.get("signature"):
            api_key = self.credentials.check_signed(cloud, params)
            preset = await self.catalog.preset(cloud, preset_name) if preset_name else None
            if preset_name and preset is None:
                raise InvalidParameter(f"Upload preset not found - {preset_name}")
            return Call(api_key, preset, merge(params, preset))
        self.credentials.known_cloud(cloud)
        if not preset_name:
            raise InvalidParameter("Upload preset must be specified when using unsigned upload")
        preset = await self.catalog.preset(cloud, preset_name)
        if preset is None:
            raise InvalidParameter(f"Upload preset not found - {preset_name}")
        if not preset.unsigned:
            raise InvalidParameter("Upload preset must be whitelisted for unsigned uploads")
        return Call(self.credentials.keyring.primary(cloud), preset, merge(params, preset))

    async def take(self, cloud: str, params: Params, file: FileInput) -> tuple[Call, bytes, str]:
        """An upload call: authorised, then its file read (bytes and name)."""
        call = await self.authorise(cloud, params)
        return (call, *await self.read(file))

    async def read(self, file: FileInput) -> tuple[bytes, str]:
        """The file's bytes and its name (empty for a data URI)."""
        if file.data is not None:
            data, name = file.data, file.filename
        elif (match := _DATA_URI.fullmatch(file.text.strip())) is not None:
            try:
                data = base64.b64decode(match.group(3), validate=False)
            except (binascii.Error, ValueError):
                raise InvalidParameter("Invalid data URI") from None
            name = ""
        elif file.text.startswith(("http://", "https://")):
            data, name = await self.fetcher.fetch(file.text, self.max_bytes)
        elif file.text:
            raise InvalidParameter("Unsupported file - give a file part, a data URI or an http(s) URL")
        else:
            raise InvalidParameter("Missing required parameter - file")
        if not data:
            raise InvalidParameter("Empty file")
        if len(data) > self.max_bytes:
            raise SourceTooLarge(f"File size too large - over {self.max_bytes} bytes")
        return data, name


def merge(params: Params, preset: UploadPreset | None) -> Mapping[str, Any]:
    """A preset fills in what a signed call leaves out. An unsigned call may only name the
    asset and describe it (as on Cloudinary); everything else comes from the preset."""
    if preset is None:
        return params
    fixed = {k: v for k, v in preset.settings.items() if v not in (None, "")}
    if not preset.unsigned:
        return {**fixed, **params}
    allowed = _UNSIGNED_ALLOWED - ({"public_id"} if truthy(fixed.get("disallow_public_id")) else set())
    return {**{k: v for k, v in params.items() if k in allowed}, **fixed}


def public_id_for(options: Mapping[str, Any], filename: str) -> str:
    """The given public_id, or one made from the file name (use_filename) or at random; in `folder`."""
    public_id = str(options.get("public_id") or "").strip("/")
    if not public_id:
        stem = re.sub(r"[^\w-]+", "_", PurePosixPath(filename).stem).strip("_") if filename else ""
        if truthy(options.get("use_filename")) and stem:
            public_id = stem + ("_" + random_id(6) if truthy(options.get("unique_filename"), True) else "")
        else:
            public_id = random_id(20)
    folder = str(options.get("folder") or "").strip("/")
    return f"{folder}/{public_id}" if folder else public_id


def original_filename(filename: str) -> str:
    return PurePosixPath(filename).stem if filename else "file"


async def md5_hex(data: bytes) -> str:
    """The upload's etag. Off the event loop: an upload may be 100 MB."""
    return await asyncio.get_running_loop().run_in_executor(None, _md5_sync, data)


def _md5_sync(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def parse_coordinates(value: Any, width: int, height: int) -> tuple[tuple[int, int, int, int], ...]:
    """`custom_coordinates`: `x,y,w,h` boxes joined by `|` (the SDK's encode_double_array, the
    Upload Widget's cropping), or a list of 4-lists. Each box must lie inside the stored image."""
    if value is None or value == "":
        return ()
    if isinstance(value, (list, tuple)):
        rows = [value] if value and not isinstance(value[0], (list, tuple)) else list(value)
    else:
        rows = [part.split(",") for part in str(value).split("|")]
    if len(rows) > _MAX_BOXES:
        raise InvalidParameter(f"Invalid custom coordinates - more than {_MAX_BOXES} boxes")
    boxes = []
    for row in rows:
        try:
            x, y, w, h = (int(float(str(v).strip())) for v in row)
        except ValueError:
            raise InvalidParameter(f"Invalid custom coordinates - {str(value)[:100]}") from None
        if min(x, y) < 0 or min(w, h) <= 0 or x + w > width or y + h > height:
            raise InvalidParameter(f"Invalid custom coordinates - {x},{y},{w},{h} outside the {width}x{height} image")
        boxes.append((x, y, w, h))
    return tuple(boxes)
