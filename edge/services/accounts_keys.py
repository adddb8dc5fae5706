"""Account-level (provisioning) keys made through the Provisioning API, beside the bootstrap key of
CLOUDINARY_ACCOUNT_URL (which is configured by the environment and cannot be changed here).

edge's own routes, in the shapes of a sub-account's access keys: `access_keys` directly under
the account. Secrets are sealed like every other; changes are live on every node within a second.
"""

from __future__ import annotations

import time
from typing import Any

from edge.catalog.accounts import AccountsCatalog, StoredKey
from edge.errors import InvalidParameter, ResourceNotFound
from edge.services.accounts_crypto import SecretBox
from edge.services.accounts_live import AccountsWatcher
from edge.signing import new_key_pair


class AccountKeys:
    def __init__(self, accounts: AccountsCatalog, box: SecretBox, watcher: AccountsWatcher) -> None:
        self.accounts = accounts
        self.box = box
        self.watcher = watcher

    async def list(self) -> dict[str, Any]:
        keys = [self._describe(k) for k in await self.accounts.keys(kind="provisioning")]
        return {"access_keys": keys, "total": len(keys)}

    async def generate(self, params: dict[str, Any]) -> dict[str, Any]:
        api_key, secret = new_key_pair()
        now = _now()
        enabled = str(params.get("enabled", "true")).lower() not in ("false", "0", "no")
        stored = StoredKey(api_key, "provisioning", "", "", str(params.get("name") or ""), self.box.seal(secret),
                           enabled, "", None, now, now)
        await self.accounts.add_key(stored)
        await self.watcher.changed()
        return self._describe(stored)

    async def update(self, api_key: str, params: dict[str, Any]) -> dict[str, Any]:
        stored = await self._find(api_key)
        name = str(params["name"]) if params.get("name") is not None else stored.name
        enabled = stored.enabled
        if params.get("enabled") not in (None, ""):
            enabled = str(params["enabled"]).lower() in ("true", "1", "yes")
        updated = StoredKey(stored.api_key, stored.kind, "", "", name, stored.secret, enabled, "", None,
                            stored.created_at, _now())
        await self.accounts.update_key(updated)
        await self.watcher.changed()
        return self._describe(updated)

    async def delete(self, api_key: str | None, params: dict[str, Any]) -> dict[str, Any]:
        if api_key:
            doomed = [(await self._find(api_key)).api_key]
        elif params.get("name"):
            doomed = [k.api_key for k in await self.accounts.keys(kind="provisioning") if k.name == str(params["name"])]
            if not doomed:
                raise ResourceNotFound(f"No provisioning key named {params['name']}")
        else:
            raise InvalidParameter("Missing required parameter - api_key or name")
        await self.accounts.delete_keys(doomed)
        await self.watcher.changed()
        return {"message": "ok"}

    async def _find(self, api_key: str) -> StoredKey:
        stored = await self.accounts.key(api_key)
        if stored is None or stored.kind != "provisioning":
            raise ResourceNotFound(f"Provisioning key {api_key} not found")
        return stored

    def _describe(self, stored: StoredKey) -> dict[str, Any]:
        return {
            "name": stored.name, "api_key": stored.api_key, "api_secret": self.box.open(stored.secret) or "",
            "enabled": stored.enabled, "created_at": stored.created_at, "updated_at": stored.updated_at,
        }


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
