"""What an API call tells others after a change: invalidation (this node's memo, the CDN purge hook)
and notifications (notification_url webhooks). One home for the Upload and Admin APIs."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from edge.catalog.models import Asset
from edge.services.assets import Params, truthy
from edge.services.purge import PurgeHook
from edge.services.webhooks import Notifier
from edge.signing import ApiKey

AssetKey = tuple[str, str, str]  # (resource_type, type, public_id)


def keys_of(assets: Iterable[Asset]) -> list[AssetKey]:
    return [(a.resource_type, a.type, a.public_id) for a in assets]


class Notices:
    def __init__(
        self,
        forget_recent: Callable[[], None],
        purge: PurgeHook,
        notifier: Notifier,
        notification_urls: Mapping[str, str] | None = None,  # cloud (or "*") -> URL
    ) -> None:
        self._forget_recent = forget_recent
        self.purge = purge
        self.notifier = notifier
        self.notification_urls = dict(notification_urls or {})

    def invalidate(self, params: Params, cloud: str, keys: list[AssetKey], reason: str, secret: str) -> None:
        """invalidate=true: forget what this node remembers, and ask the CDN (purge hook) to drop
        every derivative of these assets. Our own tiers need no purge: a new version changes
        every derivative key, and a destroyed original answers 404 before any cache lookup."""
        if not truthy(params.get("invalidate")):
            return
        self._forget_recent()
        self.purge.purge(cloud, keys, reason, secret)

    def notify(self, params: Params, body: dict[str, Any], api_key: ApiKey, kind: str) -> None:
        """To the call's notification_url and the cloud's configured one (once each)."""
        payload = {"notification_type": kind, "timestamp": datetime.datetime.now(datetime.UTC).isoformat(), **body}
        for url in dict.fromkeys((str(params.get("notification_url") or ""), self._configured(api_key.cloud))):
            if url:
                self.notifier.send(url, payload, api_key.secret)

    def _configured(self, cloud: str) -> str:
        return self.notification_urls.get(cloud) or self.notification_urls.get("*", "")
