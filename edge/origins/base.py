"""The OriginStore role: find an original's current version, then read its bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OriginVersion:
    """Where an original is and which version of it; `token` changes when it is replaced."""

    locator: str
    token: str
    size: int


@dataclass(frozen=True, slots=True)
class Staged:
    """Bytes written where delivery cannot see them (`temp`), waiting to be published at `target`."""

    temp: str
    target: str
    cloud: str
    public_id: str


class OriginStore(Protocol):
    async def locate(self, cloud: str, public_id: str) -> OriginVersion:
        """Raises ResourceNotFound."""

    async def read(self, version: OriginVersion, max_bytes: int) -> bytes:
        """Raises SourceTooLarge past max_bytes, ResourceNotFound if it vanished."""

    async def check(self) -> None:
        """Raises when the store is unreachable (readiness)."""

    def forget(self, cloud: str, public_id: str) -> None:
        """Drop what was looked up about `public_id` (an invalidation: it was replaced or deleted)."""

    def forget_all(self) -> None:
        """Drop every lookup (invalidation messages may have been missed)."""

def storage_cloud(cloud: str, resource_type: str = "image", delivery_type: str = "upload") -> str:
    """Where an asset of this kind lives in a store: public images under `<cloud>/` (files dropped
    there are served), every other kind beside it under `<cloud>@<resource_type>.<type>/`. A
    cloud name never holds `@`, so no delivery URL of another cloud can reach those folders."""
    if resource_type == "image" and delivery_type == "upload":
        return cloud
    return f"{cloud}@{resource_type}.{delivery_type}"
