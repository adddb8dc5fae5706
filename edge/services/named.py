"""Named transformation definitions per cloud, from the catalog, cached briefly.

Delivery expands `t_<name>` on the hot path, so the definitions live in memory; a change made
through this process's Admin API is seen at once (`forget`), one made by another process or
node within `ttl` seconds.
"""

from __future__ import annotations

from collections.abc import Mapping

from edge.catalog.store import Catalog
from edge.concurrency.ttl import TTLMap
from edge.grammar.chain import Chain, parse_chain

_MAX_CLOUDS = 10_000


class NamedTransformations:
    def __init__(self, catalog: Catalog, ttl: float = 5.0) -> None:
        self.catalog = catalog
        self.ttl = ttl
        # cloud -> ({name: Chain}, names allowed for strict)
        self._cache: TTLMap[tuple[dict[str, Chain], frozenset[str]]] = TTLMap(_MAX_CLOUDS, ttl)

    async def lookup(self, cloud: str) -> Mapping[str, Chain]:
        return (await self._load(cloud))[0]

    async def allowed_for_strict(self, cloud: str) -> frozenset[str]:
        return (await self._load(cloud))[1]

    def forget(self, cloud: str) -> None:
        self._cache.pop(cloud)

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
