"""`/<cloud>/image/list/<tag>.json`: the resources with a tag, in Cloudinary's client-side list
shape. Off unless the cloud is enabled; each answer is kept for a short while."""

from __future__ import annotations

import datetime
import hashlib
import json
import urllib.parse
from dataclasses import dataclass

from edge.catalog.models import Asset
from edge.catalog.store import Catalog
from edge.concurrency.ttl import TTLMap
from edge.errors import InvalidUrl, NotAllowed, ResourceNotFound

MAX_LISTED = 500
_MAX_HELD = 10_000


@dataclass(frozen=True, slots=True)
class TagList:
    body: bytes
    etag: str


def parse_list_path(rest: str) -> str:
    """The tag of `[v<digits>/]<tag>.json` (percent-decoded); raises InvalidUrl."""
    parts = [p for p in rest.split("/") if p]
    if len(parts) == 2 and parts[0][:1] == "v" and parts[0][1:].isdigit():
        parts = parts[1:]
    if len(parts) != 1 or not parts[0].endswith(".json") or len(parts[0]) <= len(".json"):
        raise InvalidUrl("Invalid list URL - expected /<cloud>/image/list/<tag>.json (transformations are not supported)")
    return urllib.parse.unquote(parts[0][: -len(".json")])


class TagLists:
    def __init__(self, catalog: Catalog, clouds: frozenset[str], max_age: float) -> None:
        self.catalog = catalog
        self.clouds = clouds  # "*" = every cloud
        self.max_age = max_age
        self._held: TTLMap[TagList] = TTLMap(_MAX_HELD, max_age)

    async def get(self, cloud: str, tag: str) -> TagList:
        if cloud not in self.clouds and "*" not in self.clouds:
            raise NotAllowed("Resource lists are not enabled for this cloud")
        key = (cloud, tag)
        held = self._held.get(key)
        if held is not None:
            return held
        page = await self.catalog.list(cloud, "upload", tag=tag, max_results=MAX_LISTED)
        if not page.assets:
            raise ResourceNotFound(f"Resource not found - {tag}")
        body = json.dumps({"resources": [_resource(a) for a in page.assets], "updated_at": _now()}).encode()
        answer = TagList(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
        self._held.put(key, answer)
        return answer


def _resource(asset: Asset) -> dict[str, object]:
    entry: dict[str, object] = {
        "public_id": asset.public_id,
        "version": asset.version,
        "format": asset.format,
        "width": asset.width,
        "height": asset.height,
        "type": asset.type,
        "created_at": asset.created_at,
    }
    if asset.context:
        entry["context"] = {"custom": dict(asset.context)}
    if asset.metadata:
        entry["metadata"] = [{"external_id": k, "value": v} for k, v in asset.metadata.items()]
    return entry


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
