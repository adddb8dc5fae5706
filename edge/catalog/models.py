"""Catalog records: frozen dataclasses in, frozen dataclasses out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Asset:
    cloud: str
    public_id: str
    asset_id: str
    version: int
    version_id: str
    format: str
    width: int
    height: int
    bytes: int
    etag: str
    created_at: str  # ISO 8601, UTC, as Cloudinary writes it
    type: str = "upload"
    resource_type: str = "image"
    tags: tuple[str, ...] = ()
    context: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)  # structured metadata: external_id -> typed value
    original_filename: str = ""
    placeholder: bool = False
    backup: bool = False
    coordinates: tuple[tuple[int, int, int, int], ...] = ()  # custom_coordinates: (x, y, width, height) boxes
    display_name: str = ""  # the Admin API's display_name; empty = the last segment of public_id

    @property
    def folder(self) -> str:
        return self.public_id.rpartition("/")[0]


@dataclass(frozen=True, slots=True)
class Derived:
    transformation: str  # canonical, as in the URL
    format: str
    bytes: int
    created_at: str


@dataclass(frozen=True, slots=True)
class Revision:
    """A kept original (backup): restorable by version_id."""

    asset_id: str
    version_id: str
    public_id: str
    version: int
    format: str
    bytes: int
    width: int
    height: int
    etag: str
    created_at: str
    locator: str  # where the origin store keeps its bytes


@dataclass(frozen=True, slots=True)
class NamedTransformation:
    name: str
    definition: str
    allowed_for_strict: bool = False
    created_at: str = ""


@dataclass(frozen=True, slots=True)
class UploadPreset:
    name: str
    unsigned: bool
    settings: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page:
    assets: list[Asset]
    next_cursor: str | None
