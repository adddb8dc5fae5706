"""CachedDerivative, the value every cache tier holds, and its one blob format (disk and Redis)."""

from __future__ import annotations

import json

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CachedDerivative:
    data: bytes
    media_type: str
    width: int
    height: int

    @property
    def size(self) -> int:
        return len(self.data)


_MAGIC = b"EDGE1\n"


def serialize(entry: CachedDerivative) -> bytes:
    """One self-describing blob (a JSON header line, then the bytes): the disk and Redis tiers' format."""
    header = json.dumps({"media_type": entry.media_type, "width": entry.width, "height": entry.height}).encode()
    return _MAGIC + header + b"\n" + entry.data


def deserialize(blob: bytes) -> CachedDerivative | None:
    """None for anything that is not a whole blob of ours (a torn or foreign file is a miss)."""
    if not blob.startswith(_MAGIC):
        return None
    header, sep, data = blob[len(_MAGIC) :].partition(b"\n")
    if not sep:
        return None
    try:
        meta = json.loads(header)
        return CachedDerivative(data, str(meta["media_type"]), int(meta["width"]), int(meta["height"]))
    except (ValueError, KeyError, TypeError):
        return None
