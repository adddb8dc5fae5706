"""CDN integration: surrogate keys naming the assets a derivative was made from, and the
purge hook called when an asset changes (overwrite, destroy, rename with invalidate=true)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, Protocol


def surrogate_key(cloud: str, resource_type: str, delivery_type: str, public_id: str) -> str:
    """One short, header-safe key per asset (public_ids may hold spaces, commas, any Unicode;
    Surrogate-Key is space-separated and Cache-Tag comma-separated)."""
    material = "\0".join((cloud, resource_type, delivery_type, public_id))
    return "a-" + hashlib.sha256(material.encode()).hexdigest()[:20]


def cloud_key(cloud: str) -> str:
    """Every derivative of a cloud: purge them all at once."""
    return "c-" + hashlib.sha256(cloud.encode()).hexdigest()[:20]


class Sender(Protocol):
    def send(self, url: str, payload: dict[str, Any], secret: str) -> None: ...


class PurgeHook:
    """POSTs `{"surrogate_keys": [...], "assets": [...], "reason": ...}` to the configured URL,
    signed like a notification (X-Cld-Timestamp, X-Cld-Signature with the cloud's API secret),
    retried in the background. No URL: nothing is sent."""

    def __init__(self, url: str, sender: Sender) -> None:
        self.url = url
        self.sender = sender

    def purge(self, cloud: str, assets: Iterable[tuple[str, str, str]], reason: str, secret: str) -> None:
        """assets: (resource_type, type, public_id) triples."""
        assets = list(assets)
        if not self.url or not assets:
            return
        payload = {
            "cloud": cloud,
            "reason": reason,
            "surrogate_keys": [surrogate_key(cloud, *a) for a in assets],
            "assets": [{"resource_type": r, "type": t, "public_id": p} for r, t, p in assets],
        }
        self.sender.send(self.url, payload, secret)
