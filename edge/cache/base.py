from __future__ import annotations

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
