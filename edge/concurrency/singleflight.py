"""SingleFlight: one build per key at a time; concurrent callers share its result (or its error)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class SingleFlight:
    def __init__(self) -> None:
        self._flights: dict[Hashable, asyncio.Future[Any]] = {}

    async def run(self, key: Hashable, build: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """(result, whether this caller led the build)."""
        flight = self._flights.get(key)
        if flight is not None:
            return await asyncio.shield(flight), False
        # A task, not an await: a leader whose client goes away must not cancel the others' build.
        task = asyncio.ensure_future(build())
        self._flights[key] = task
        task.add_done_callback(lambda done: self._land(key, done))
        return await asyncio.shield(task), True

    def _land(self, key: Hashable, done: asyncio.Future[Any]) -> None:
        if self._flights.get(key) is done:  # a forgotten flight's key may already lead a newer one
            del self._flights[key]

    def forget(self, key: Hashable) -> None:
        """The next caller starts a new build (the one in flight may answer from before a change)."""
        self._flights.pop(key, None)

    def clear(self) -> None:
        self._flights.clear()

    def __len__(self) -> int:
        return len(self._flights)
