"""Triggers: webhooks configured per cloud and event type (`GET/POST /triggers`,
`PUT/DELETE /triggers/<id>`). Notices reads them for every notification; they add to the
environment's EDGE_API_NOTIFICATION_URL, which keeps working."""

from __future__ import annotations

import secrets
import urllib.parse
from collections.abc import Mapping
from typing import Any

from edge.catalog import triggers as store
from edge.catalog.db import Database
from edge.errors import InvalidParameter, ResourceNotFound
from edge.services.notices import EVENT_TYPES
from edge.services.assets import now_iso

# Cloudinary's event types that edge fires (docs/api.md lists which call fires which), and `all`.
TRIGGER_EVENTS = frozenset(EVENT_TYPES.values()) | {"all"}


def _uri(value: Any) -> str:
    uri = str(value or "").strip()
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidParameter(f"Invalid uri - {uri or '(empty)'} (an http or https URL)")
    return uri


def _answer(cloud: str, row: Mapping[str, Any]) -> dict[str, Any]:
    return {**row, "product_environment_id": cloud}


class Triggers:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def list(self, cloud: str, params: Mapping[str, Any]) -> dict[str, Any]:
        found = await store.list_(self.db, cloud, str(params.get("event_type") or "") or None)
        return {"triggers": [_answer(cloud, t) for t in found], "total_count": len(found)}

    async def create(self, cloud: str, params: Mapping[str, Any]) -> dict[str, Any]:
        event_type = str(params.get("event_type") or "")
        if event_type not in TRIGGER_EVENTS:
            raise InvalidParameter(f"Invalid event_type - {event_type or '(empty)'} (one of {', '.join(sorted(TRIGGER_EVENTS))})")
        uri_type = str(params.get("uri_type") or "webhook")
        if uri_type != "webhook":
            raise InvalidParameter(f"Unsupported uri_type - {uri_type} (webhook only)")
        now = now_iso()
        trigger = {"id": secrets.token_hex(16), "uri": _uri(params.get("uri")), "uri_type": uri_type,
                   "event_type": event_type, "created_at": now, "updated_at": now}
        await store.add(self.db, cloud, trigger)
        return _answer(cloud, trigger)

    async def update(self, cloud: str, id_: str, params: Mapping[str, Any]) -> dict[str, Any]:
        if not await store.update(self.db, cloud, id_, _uri(params.get("new_uri") or params.get("uri")), now_iso()):
            raise ResourceNotFound(f"Trigger {id_} not found")
        found = await store.get(self.db, cloud, id_)
        assert found is not None
        return _answer(cloud, found)

    async def delete(self, cloud: str, id_: str) -> dict[str, Any]:
        if not await store.delete(self.db, cloud, id_):
            raise ResourceNotFound(f"Trigger {id_} not found")
        return {"message": "ok"}
