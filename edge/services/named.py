"""Named transformation definitions per cloud, from the catalog, cached briefly.

Delivery expands `t_<name>` on the hot path, so the definitions live in memory. A change is seen
at once by the process that made it and (with Redis) by every node on the invalidation message;
otherwise within `ttl` seconds. A name the cache does not know is never trusted as missing: the
catalog is read again first, so a transformation is usable as soon as its creation returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from edge.catalog.store import Catalog
from edge.concurrency.ttl import TTLMap
from edge.grammar.chain import Chain, parse_chain

_MAX_CLOUDS = 10_000


class NamedTransformations:
    def __init__(self, catalog: Catalog, ttl: float = 1.0) -> None:
        self.catalog = catalog
        self.ttl = ttl
        # cloud -> ({name: Chain}, names allowed for strict)
        self._cache: TTLMap[tuple[dict[str, Chain], frozenset[str]]] = TTLMap(_MAX_CLOUDS, ttl)

    async def lookup(self, cloud: str, needed: Iterable[str] = ()) -> Mapping[str, Chain]:
        """The cloud's definitions; read again from the catalog if one of `needed` is unknown."""
        found = (await self._load(cloud))[0]
        if any(name not in found for name in needed):
            self.forget(cloud)
            found = (await self._load(cloud))[0]
        return found

    async def allowed_for_strict(self, cloud: str, needed: Iterable[str] = ()) -> frozenset[str]:
        """The names marked allowed_for_strict; read again from the catalog if one of `needed` is unknown."""
        names, allowed = await self._load(cloud)
        if any(name not in names for name in needed):
            self.forget(cloud)
            allowed = (await self._load(cloud))[1]
        return allowed

    def forget(self, cloud: str) -> None:
        self._cache.pop(cloud)

    async def reload(self, cloud: str) -> None:
        """On a definitions message (from this process or another node)."""
        self.forget(cloud)

    async def _load(self, cloud: str) -> tuple[dict[str, Chain], frozenset[str]]:
        cached = self._cache.get(cloud)
        if cached is None:
            named = await self.catalog.named_transformations(cloud)
            cached = (
                {n.name: parse_chain(n.definition) for n in named},
                frozenset(n.name for n in named if n.allowed_for_strict),
            )
            self._cache.put(cloud, cached)
        return cached
