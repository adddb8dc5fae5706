"""What an API call tells others after a change: invalidation (this node's memo, the CDN purge hook)
and notifications (the call's notification_url, the cloud's triggers, the configured URL). One
home for the Upload and Admin APIs.

Notifications go through the durable outbox: written in the change's own transaction when the
caller passes it (`db`), delivered by whichever node is up, so a crash loses none. Without an
outbox (a bare services test) they are sent at once by the in-process notifier.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from edge.catalog import triggers
from edge.catalog.db import Database
from edge.catalog.models import Asset
from edge.services.assets import Params, truthy
from edge.services.outbox import Outbox
from edge.services.purge import PurgeHook
from edge.services.webhooks import Notifier
from edge.signing import ApiKey

AssetKey = tuple[str, str, str]  # (resource_type, type, public_id)
# notification_type -> the trigger event type it fires (Cloudinary's names, as create_trigger takes them)
EVENT_TYPES = {
    "upload": "upload", "delete": "delete", "rename": "rename", "eager": "eager", "explicit": "explicit",
    "resource_tags_changed": "resource_tags_changed", "resource_context_changed": "resource_context_changed",
    "resource_metadata_changed": "resource_metadata_changed",
    "resource_display_name_changed": "resource_display_name_changed",
    "restore_asset_version": "restore_asset_version", "move_or_rename_asset_folder": "move_or_rename_asset_folder",
    "access_control_changed": "access_control_changed", "generate_archive": "generate_archive",
    "delete_folder": "delete_folder", "create_folder": "create_folder",
}
HOLD_SECONDS = 120.0  # a held notification (finished after the transaction) is sent as written after this


def keys_of(assets: Iterable[Asset]) -> list[AssetKey]:
    return [(a.resource_type, a.type, a.public_id) for a in assets]


class Notices:
    def __init__(
        self,
        forget_recent: Callable[[], None],
        purge: PurgeHook,
        notifier: Notifier,
        notification_urls: Mapping[str, str] | None = None,  # cloud (or "*") -> URL
        outbox: Outbox | None = None,
    ) -> None:
        self._forget_recent = forget_recent
        self.purge = purge
        self.notifier = notifier
        self.notification_urls = dict(notification_urls or {})
        self.outbox = outbox

    def invalidate(self, params: Params, cloud: str, keys: list[AssetKey], reason: str, secret: str) -> None:
        """invalidate=true: forget what this node remembers, and ask the CDN (purge hook) to drop
        every derivative of these assets. Our own tiers need no purge: a new version changes
        every derivative key, and a destroyed original answers 404 before any cache lookup."""
        if not truthy(params.get("invalidate")):
            return
        self._forget_recent()
        self.purge.purge(cloud, keys, reason, secret)

    async def notify(self, params: Params, body: dict[str, Any], api_key: ApiKey, kind: str,
                     db: Database | None = None) -> None:
        """To the call's notification_url, the cloud's triggers for this event and its configured
        URL (once each). `db`: the change's transaction (the rows commit with it)."""
        await self.hold(params, body, api_key, kind, db, hold_seconds=0)
        if db is None and self.outbox is not None:
            self.outbox.wake()

    async def hold(self, params: Params, body: dict[str, Any], api_key: ApiKey, kind: str, db: Database | None,
                   *, hold_seconds: float = HOLD_SECONDS) -> list[str]:
        """Rows this process finishes with `release` (the body grows after the transaction, e.g.
        eager results); if it dies first they are sent as written once the hold expires."""
        payload = self._payload(body, kind)
        urls = await self._urls(params, api_key.cloud, kind, db)
        if self.outbox is None:
            for url in urls:
                self.notifier.send(url, payload, api_key.secret)
            return []
        return [await self.outbox.add(db or self.outbox.db, api_key.cloud, api_key.key, "webhook", url, payload,
                                      hold_seconds=hold_seconds) for url in urls]

    async def release(self, ids: list[str], body: dict[str, Any], kind: str) -> None:
        if self.outbox is not None and ids:
            await self.outbox.release(ids, self._payload(body, kind))

    def _payload(self, body: dict[str, Any], kind: str) -> dict[str, Any]:
        return {"notification_type": kind, "timestamp": datetime.datetime.now(datetime.UTC).isoformat(), **body}

    async def _urls(self, params: Params, cloud: str, kind: str, db: Database | None) -> list[str]:
        configured = [str(params.get("notification_url") or ""), self._configured(cloud)]
        if self.outbox is not None:
            configured += await triggers.uris_for(db or self.outbox.db, cloud, EVENT_TYPES.get(kind, kind))
        return [url for url in dict.fromkeys(configured) if url]

    def _configured(self, cloud: str) -> str:
        return self.notification_urls.get(cloud) or self.notification_urls.get("*", "")
