"""Catalog-held environments and keys, live on every node.

`LiveKeyring` is the Keyring that Credentials checks: the environments and keys configured by
the environment (CLOUDINARY_URL, EDGE_API_KEYS) plus the enabled ones in the catalog, rebuilt
whole and swapped in one assignment, so a check never sees half a change.

`AccountsWatcher` keeps it current. Every change in the catalog bumps a counter in the same
transaction; each node reads the counter every `interval` seconds (one tiny SELECT) and
reloads when it moved. With Redis, the node that made the change also publishes on
`<prefix>accounts`, and every node reloads as soon as the message arrives (the counter is
then still read, less often, in case a message was lost).

`API_CALL` carries, for one request, the method being called (set by the HTTP layer) and the
caller once Credentials accepted it: permissions are enforced in `LiveKeyring.admit`, called
by Credentials, the one place credentials are checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from edge.cache.redis import RedisTier
from edge.catalog.accounts import AccountsCatalog, Environment, StoredKey
from edge.errors import NotAllowed
from edge.services.accounts_audit import SAFE_FIELDS
from edge.services.accounts_crypto import SecretBox
from edge.services.webhooks import Notifier
from edge.signing import ApiKey, Keyring

log = logging.getLogger(__name__)

_SAFETY_POLL_SECONDS = 5.0  # with Redis: the counter is still read this often, for lost messages


@dataclass(slots=True)
class ApiCall:
    method: str  # the permission this call needs: upload, delete_resources, create_sub_account, ...
    client_ip: str
    actor: str = ""  # who, once accepted: "key:<api_key>", "provisioning:<key>"
    cloud: str = ""
    details: dict[str, object] = field(default_factory=dict)


API_CALL: ContextVar[ApiCall | None] = ContextVar("edge_api_call", default=None)


def note_call_params(params: Mapping[str, object]) -> None:
    """The current API call's parameters that the audit log may record (SAFE_FIELDS only)."""
    if (call := API_CALL.get()) is not None:
        call.details.update({k: v for k, v in params.items() if k in SAFE_FIELDS})


def configured_env_id(cloud: str) -> str:
    """The id of an environment configured by the environment (never stored)."""
    return f"env-{cloud}"


class LiveKeyring(Keyring):
    def __init__(self, configured: Keyring) -> None:
        super().__init__(())
        self.configured = configured
        self._by_cloud = {cloud: configured.keys(cloud) for cloud in configured.clouds}
        self._permissions: dict[tuple[str, str], frozenset[str]] = {}
        self._webhooks: dict[str, str] = {}  # cloud -> secret of its key dedicated_for webhooks
        self.disabled: frozenset[str] = frozenset()  # catalog environments switched off
        self.provisioning: dict[str, str] = {}  # enabled account-level keys made through the API: key -> secret
        self.on_change: list[Callable[[frozenset[str]], None]] = []

    def rebuild(
        self, environments: list[Environment], keys: list[StoredKey], box: SecretBox, account_keys: list[StoredKey] = (),
    ) -> None:
        by_cloud = {cloud: self.configured.keys(cloud) for cloud in self.configured.clouds}
        enabled = {e.id: e.cloud_name for e in environments if e.enabled}
        enabled.update({configured_env_id(c): c for c in self.configured.clouds})
        permissions: dict[tuple[str, str], frozenset[str]] = {}
        webhooks: dict[str, str] = {}
        for stored in keys:
            cloud = enabled.get(stored.env_id)
            if cloud is None or not stored.enabled:
                continue
            secret = box.open(stored.secret)
            if secret is None:
                log.error("API key %s of %s cannot be decrypted (another EDGE_SECRET_KEY?): ignored", stored.api_key, cloud)
                continue
            by_cloud.setdefault(cloud, []).append(ApiKey(cloud, stored.api_key, secret))
            if stored.permissions is not None:
                permissions[(cloud, stored.api_key)] = frozenset(stored.permissions)
            if stored.dedicated_for == "webhooks":
                webhooks[cloud] = secret
        for cloud in set(enabled.values()):
            by_cloud.setdefault(cloud, [])
        # One assignment each: readers see the old state or the new one.
        self._by_cloud, self._permissions, self._webhooks = by_cloud, permissions, webhooks
        self.disabled = frozenset(e.cloud_name for e in environments if not e.enabled)
        opened = ((k.api_key, box.open(k.secret)) for k in account_keys if k.enabled)
        self.provisioning = {key: secret for key, secret in opened if secret is not None}
        clouds = self.clouds
        for notify in self.on_change:
            notify(clouds)

    def primary(self, cloud: str) -> ApiKey:
        keys = self._by_cloud.get(cloud) or []
        if not keys:  # an environment without an enabled key signs nothing
            raise KeyError(cloud)
        return keys[0]

    def permissions(self, cloud: str, api_key: str) -> frozenset[str] | None:
        return self._permissions.get((cloud, api_key))

    def webhook_secret(self, secret: str) -> str:
        """The secret that signs a notification: the cloud's key dedicated_for webhooks, if any."""
        for cloud, keys in self._by_cloud.items():
            if any(k.secret == secret for k in keys):
                return self._webhooks.get(cloud, secret)
        return secret

    def admit(self, api_key: ApiKey, params: Mapping[str, object]) -> None:
        """Called by Credentials for every accepted key: the key's permissions, and who called
        (with the names the call's signed parameters give, for the audit log)."""
        call = API_CALL.get()
        if call is None:
            return
        call.actor, call.cloud = f"key:{api_key.key}", api_key.cloud
        call.details.update({k: v for k, v in params.items() if k in SAFE_FIELDS})
        allowed = self._permissions.get((api_key.cloud, api_key.key))
        if allowed is not None and call.method not in allowed:
            raise NotAllowed(f"Permission denied - this API key lacks the {call.method} permission")


class AccountsWatcher:
    def __init__(
        self, catalog: AccountsCatalog, keyring: LiveKeyring, box: SecretBox, interval: float,
        redis: RedisTier | None = None,
    ) -> None:
        self.catalog = catalog
        self.keyring = keyring
        self.box = box
        self.interval = interval
        self.redis = redis
        self.version = -1
        self.subscribed = False  # listening on Redis: the counter may be read less often
        self._lock = asyncio.Lock()

    @property
    def channel(self) -> str:
        return f"{self.redis.prefix}accounts" if self.redis is not None else ""

    async def reload(self, force: bool = True) -> None:
        async with self._lock:
            version = await self.catalog.version()  # before the data: a change made meanwhile moves it again
            if not force and version == self.version:
                return
            environments = await self.catalog.environments()
            keys = await self.catalog.keys()
            account_keys = await self.catalog.keys(kind="provisioning")
            self.keyring.rebuild(environments, keys, self.box, account_keys)
            self.version = version

    async def changed(self) -> None:
        """After a change made here: at once on this node, and on the others through Redis."""
        await self.reload()
        if self.redis is not None and self.redis.healthy:
            with contextlib.suppress(Exception):  # the counter still carries the change
                await self.redis.client.publish(self.channel, str(self.version))

    async def run(self) -> None:
        """Forever (a task owned by the app)."""
        tasks = [asyncio.ensure_future(self._poll())]
        if self.redis is not None:
            tasks.append(asyncio.ensure_future(self._listen()))
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

    async def _poll(self) -> None:
        waited = 0.0
        while True:
            await asyncio.sleep(self.interval)
            waited += self.interval
            if self.subscribed and waited < _SAFETY_POLL_SECONDS:
                continue
            waited = 0.0
            try:
                await self.reload(force=False)
            except Exception:  # noqa: BLE001  (a catalog hiccup: keep the last good state, try again)
                log.warning("accounts: reading the change counter failed", exc_info=True)

    async def _listen(self) -> None:
        assert self.redis is not None
        while True:
            try:
                async with self.redis.client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.subscribed = True
                    await self.reload(force=False)  # messages sent while disconnected are lost
                    while True:
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                        if message is not None and message.get("type") == "message":
                            await self.reload(force=False)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001  (Redis down: the counter is read every interval; retry)
                self.subscribed = False
                await asyncio.sleep(1.0)


class DedicatedKeyNotifier(Notifier):
    """Signs each notification with the cloud's key dedicated_for webhooks, when it has one."""

    def __init__(self, *args: Any, keyring: LiveKeyring, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keyring = keyring

    def send(self, url: str, payload: dict[str, Any], secret: str) -> None:
        super().send(url, payload, self.keyring.webhook_secret(secret))
