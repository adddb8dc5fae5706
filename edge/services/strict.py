"""Strict transformations: on a strict cloud, which unsigned transformations a URL may use.

Allowed are the named transformations marked allowed_for_strict and the eager derivatives,
both read from the catalog. The Admin API refreshes a cloud after a change; Credentials reads
(and, for a change made by another process, reloads at most once a second). Both depend on this
object, neither on the other.
"""

from __future__ import annotations

import time

from edge.catalog.store import Catalog
from edge.services.named import NamedTransformations


class StrictTransformations:
    def __init__(self, clouds: frozenset[str], catalog: Catalog | None = None, named: NamedTransformations | None = None,
                 ttl: float = 1.0) -> None:
        self.clouds = clouds
        self._catalog = catalog
        self._named = named
        self._allowed: dict[str, frozenset[str]] = {}  # cloud -> canonical transformations
        self._reloaded: dict[str, float] = {}
        self._loaded: dict[str, float] = {}  # cloud -> when its rules were read
        self.ttl = ttl

    def allows(self, cloud: str, canonical: str) -> bool:
        return canonical in self._allowed.get(cloud, frozenset())

    async def fresh(self, cloud: str) -> None:
        """Rules read at most `ttl` seconds ago: one revoked by another process (without Redis to
        say so) stops allowing within that time."""
        if self._catalog is not None and time.monotonic() - self._loaded.get(cloud, -self.ttl) >= self.ttl:
            await self.refresh(cloud)

    async def allowed_names(self, cloud: str, needed: frozenset[str] = frozenset()) -> frozenset[str]:
        """The t_<name>s marked allowed_for_strict (read again if one of `needed` is unknown)."""
        return await self._named.allowed_for_strict(cloud, needed) if self._named is not None else frozenset()

    async def refresh(self, cloud: str) -> None:
        """Read the cloud's allowed transformations again (after a change to them)."""
        if self._catalog is None:
            return
        if self._named is not None:
            self._named.forget(cloud)
        if cloud not in self.clouds:  # only strict clouds keep rules
            return
        self._loaded[cloud] = time.monotonic()
        allowed = {n.definition for n in await self._catalog.named_transformations(cloud) if n.allowed_for_strict}
        allowed |= await self._catalog.eager_transformations(cloud)
        self._allowed[cloud] = frozenset(allowed)

    async def reload(self, cloud: str) -> bool:
        """Another process may have allowed more since: refresh, at most once a second per cloud."""
        now = time.monotonic()
        if self._catalog is None or now - self._reloaded.get(cloud, -1.0) < 1.0:
            return False
        self._reloaded[cloud] = now
        await self.refresh(cloud)
        return True

    async def load(self) -> None:
        """At start-up: every strict cloud."""
        for cloud in self.clouds:
            await self.refresh(cloud)
