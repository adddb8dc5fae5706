"""TTLMap: a bounded map whose entries expire, each with its own lifetime (cachetools' TLRUCache).

When full it evicts one entry (the soonest to expire), never the whole map: a burst of new
keys must not make every other lookup miss at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

from cachetools import TLRUCache

V = TypeVar("V")


class TTLMap(Generic[V]):
    def __init__(self, maxsize: int, ttl: float, timer: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        # Values are stored with their lifetime: (value, ttl).
        self._entries: TLRUCache = TLRUCache(maxsize, lambda _key, held, now: now + held[1], timer)

    def get(self, key: Hashable) -> V | None:
        held = self._entries.get(key)
        return None if held is None else held[0]

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def put(self, key: Hashable, value: V, ttl: float | None = None) -> None:
        lifetime = self.ttl if ttl is None else ttl
        if lifetime <= 0:  # nothing to keep: do not evict a live entry for it
            self._entries.pop(key, None)
            return
        self._entries[key] = (value, lifetime)

    def pop(self, key: Hashable) -> V | None:
        held = self._entries.pop(key, None)
        return None if held is None else held[0]

    def clear(self) -> None:
        self._entries.clear()

    def items(self) -> Iterator[tuple[Hashable, V]]:
        return iter([(key, held[0]) for key, held in list(self._entries.items())])

    def values(self) -> list[V]:
        return [held[0] for held in list(self._entries.values())]

    def __len__(self) -> int:
        self._entries.expire()
        return len(self._entries)
