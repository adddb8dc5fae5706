"""Product environments (sub-accounts) and their API keys, in the Provisioning API's shapes.

Environments configured by the environment (CLOUDINARY_URL, EDGE_API_KEYS) are listed with
`"configured_by": "environment"`; they cannot be renamed, disabled or deleted here, but they
may be given more keys (rotation without a restart). Every change goes through the catalog
and then `AccountsWatcher.changed`, which applies it here at once and on the other nodes
within a second.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

from edge.catalog import metadata as metadata_fields
from edge.catalog.accounts import AccountsCatalog, Environment, StoredKey
from edge.catalog.store import Catalog
from edge.errors import AlreadyExists, InvalidParameter, ResourceNotFound
from edge.services.accounts_crypto import SecretBox
from edge.services.accounts_live import AccountsWatcher, LiveKeyring, configured_env_id
from edge.services.accounts_roles import parse_permissions
from edge.services.assets import AssetStore, now_iso
from edge.signing import new_key_pair

Params = dict[str, Any]

_CLOUD_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# First path segments that are edge's own: a cloud with one of these names could not be served.
RESERVED_CLOUDS = frozenset({"v1_1", "provisioning", "healthz", "readyz", "metrics", "console", "widgets", "static"})
_SORTS = {"api_key", "created_at", "name", "enabled"}


class Environments:
    def __init__(
        self, catalog: Catalog, box: SecretBox, keyring: LiveKeyring, watcher: AccountsWatcher,
        store: AssetStore | None = None, clock: Any = time.time,
    ) -> None:
        self.catalog = catalog
        self.accounts = AccountsCatalog(catalog.db)
        self.box = box
        self.keyring = keyring
        self.watcher = watcher
        self.store = store
        self._clock = clock

    # -- environments -------------------------------------------------------------------------
    async def list(self, params: Params) -> dict[str, Any]:
        environments = await self._all()
        ids = _list_param(params.get("ids"))
        if ids:  # "when provided, other filters are ignored"
            environments = [e for e in environments if e.id in ids]
        else:
            enabled = _optional_bool(params.get("enabled"))
            prefix = str(params.get("prefix") or "").lower()
            environments = [
                e for e in environments
                if (enabled is None or e.enabled == enabled) and e.name.lower().startswith(prefix)
            ]
        return {"sub_accounts": [await self._describe(e) for e in environments]}

    async def get(self, env_id: str) -> dict[str, Any]:
        return await self._describe(await self._find(env_id))

    async def create(self, params: Params) -> dict[str, Any]:
        name = str(params.get("name") or "").strip()
        if not name:
            raise InvalidParameter("Missing required parameter - name")
        cloud = str(params.get("cloud_name") or "").strip().lower() or _cloud_from(name)
        await self._check_cloud_name(cloud)
        base = await self._find(str(params["base_sub_account_id"])) if params.get("base_sub_account_id") else None
        now = self._now()
        env = Environment(
            id=secrets.token_hex(8), cloud_name=cloud, name=name, enabled=_optional_bool(params.get("enabled")) is not False,
            created_at=now, updated_at=now, custom_attributes=_attributes(params.get("custom_attributes")),
        )
        api_key, secret = new_key_pair()
        first = self._stored_key(env.id, cloud, api_key, secret, "", None)
        if base is not None:  # settings first: the environment is usable with them as soon as it exists
            await self._copy_settings(base.cloud_name, cloud)
        if not await self.accounts.add_environment(env, first):
            raise AlreadyExists(f"Cloud name already taken - {cloud}")
        await self.watcher.changed()
        return await self._describe(env)

    async def update(self, env_id: str, params: Params) -> dict[str, Any]:
        env = await self._find(env_id, writable=True)
        changes: dict[str, Any] = {}
        if params.get("name"):
            changes["name"] = str(params["name"]).strip()
        if params.get("cloud_name") and str(params["cloud_name"]).lower() != env.cloud_name:
            changes["cloud_name"] = str(params["cloud_name"]).strip().lower()
            await self._check_cloud_name(changes["cloud_name"])
            if (await self.catalog.usage(env.cloud_name))[0]:  # its originals live under the old name
                raise InvalidParameter("cloud_name can only change while the product environment holds no assets")
        if (enabled := _optional_bool(params.get("enabled"))) is not None:
            changes["enabled"] = enabled
        if params.get("custom_attributes") is not None:
            changes["custom_attributes"] = _attributes(params["custom_attributes"])
        updated = Environment(**{**_fields(env), **changes, "updated_at": self._now()})
        await self.accounts.update_environment(updated)
        await self.watcher.changed()
        return await self._describe(updated)

    async def delete(self, env_id: str, params: Params) -> dict[str, Any]:
        env = await self._find(env_id, writable=True)
        count, _, _ = await self.catalog.usage(env.cloud_name)
        if count:
            if not _optional_bool(params.get("delete_assets")) or self.store is None:
                raise InvalidParameter(
                    f"Product environment {env.cloud_name} holds {count} asset(s) - delete them first"
                    " or pass delete_assets=true"
                )
            await self._delete_assets(env.cloud_name)
        await self.accounts.delete_environment(env.id)
        await self.watcher.changed()
        return {"message": "ok"}

    async def by_cloud(self, cloud: str) -> Environment:
        """An environment by cloud name, catalog-held or configured (for the CLI)."""
        for env in await self._all():
            if env.cloud_name == cloud:
                return env
        raise ResourceNotFound(f"Unknown product environment - {cloud}")

    # -- access keys --------------------------------------------------------------------------
    async def keys(self, env_id: str, params: Params) -> dict[str, Any]:
        env = await self._find(env_id)
        stored = await self.accounts.keys(env.id)
        sort_by = str(params.get("sort_by") or "created_at")
        if sort_by not in _SORTS:
            raise InvalidParameter(f"Invalid sort_by - {sort_by} (api_key, created_at, name or enabled)")
        descending = str(params.get("sort_order") or "desc").lower() != "asc"
        described = [*self._configured_keys(env), *(self._describe_key(k) for k in stored)]
        described.sort(key=lambda k: (str(k.get(sort_by)), k["api_key"]), reverse=descending)
        total = len(described)
        if params.get("page_size") or params.get("page"):
            size = max(1, min(_int(params.get("page_size"), 10), 100))
            page = max(1, _int(params.get("page"), 1))
            described = described[(page - 1) * size: page * size]
        return {"access_keys": described, "total": total}

    async def generate_key(self, env_id: str, params: Params) -> dict[str, Any]:
        env = await self._find(env_id)
        api_key, secret = new_key_pair()
        stored = self._stored_key(
            env.id, env.cloud_name, api_key, secret, str(params.get("name") or ""),
            parse_permissions(params.get("permissions")), enabled=_optional_bool(params.get("enabled")) is not False,
        )
        await self.accounts.add_key(stored)
        await self.watcher.changed()
        return self._describe_key(stored)

    async def update_key(self, env_id: str, api_key: str, params: Params) -> dict[str, Any]:
        stored = await self._find_key(env_id, api_key)
        changes: dict[str, Any] = {"updated_at": self._now()}
        if params.get("name") is not None:
            changes["name"] = str(params["name"])
        if (enabled := _optional_bool(params.get("enabled"))) is not None:
            changes["enabled"] = enabled
        if params.get("dedicated_for") is not None:
            purpose = str(params["dedicated_for"]).strip()
            if purpose not in ("webhooks", ""):
                raise InvalidParameter(f"Invalid dedicated_for - {purpose} (webhooks)")
            changes["dedicated_for"] = purpose
        if "permissions" in params:
            changes["permissions"] = parse_permissions(params["permissions"])
        updated = StoredKey(**{**_fields(stored), **changes})
        await self.accounts.update_key(updated)
        await self.watcher.changed()
        return self._describe_key(updated)

    async def delete_key(self, env_id: str, api_key: str | None, params: Params) -> dict[str, Any]:
        env = await self._find(env_id)
        if api_key:
            doomed = [(await self._find_key(env_id, api_key)).api_key]
        elif params.get("name"):
            doomed = [k.api_key for k in await self.accounts.keys(env.id) if k.name == str(params["name"])]
            if not doomed:
                raise ResourceNotFound(f"No access key named {params['name']}")
        else:
            raise InvalidParameter("Missing required parameter - api_key or name")
        await self.accounts.delete_keys(doomed)
        await self.watcher.changed()
        return {"message": "ok"}

    # -- helpers ------------------------------------------------------------------------------
    async def _all(self) -> list[Environment]:
        configured = [
            Environment(configured_env_id(c), c, c, True, "", "") for c in sorted(self.keyring.configured.clouds)
        ]
        return [*configured, *await self.accounts.environments()]

    async def _find(self, env_id: str, writable: bool = False) -> Environment:
        if env_id in {configured_env_id(c) for c in self.keyring.configured.clouds}:
            if writable:
                raise InvalidParameter("This product environment is configured by the environment (CLOUDINARY_URL)")
            return Environment(env_id, env_id.removeprefix("env-"), env_id.removeprefix("env-"), True, "", "")
        env = await self.accounts.environment(env_id)
        if env is None:
            raise ResourceNotFound(f"Sub account {env_id} not found")
        return env

    async def _find_key(self, env_id: str, api_key: str) -> StoredKey:
        env = await self._find(env_id)
        stored = await self.accounts.key(api_key)
        if stored is None or stored.env_id != env.id or stored.kind != "cloud":
            if any(k.key == api_key for k in self.keyring.configured.keys(env.cloud_name)):
                raise InvalidParameter("This key is configured by the environment (CLOUDINARY_URL, EDGE_API_KEYS)")
            raise ResourceNotFound(f"Access key {api_key} not found")
        return stored

    async def _check_cloud_name(self, cloud: str) -> None:
        if not _CLOUD_NAME.match(cloud) or cloud in RESERVED_CLOUDS:
            raise InvalidParameter(f"Invalid cloud_name - {cloud} (lowercase letters, digits, _ and -)")
        if cloud in self.keyring.configured.clouds or await self.accounts.environment_by_cloud(cloud):
            raise AlreadyExists(f"Cloud name already taken - {cloud}")

    async def _copy_settings(self, source: str, target: str) -> None:
        """Upload presets, named transformations and structured metadata fields (in their order)."""
        for preset in await self.catalog.presets(source):
            await self.catalog.put_preset(target, preset, create=True)
        for named in await self.catalog.named_transformations(source):
            await self.catalog.put_named_transformation(target, named, create=True)
        for definition in await metadata_fields.fields(self.catalog.db, source):
            await metadata_fields.add_field(self.catalog.db, target, definition, now_iso())

    async def _delete_assets(self, cloud: str) -> None:
        assert self.store is not None
        while page := (await self.catalog.list(cloud, max_results=500)).assets:
            for asset in page:
                await self.store.destroy(cloud, asset.type, asset.public_id, backup=False)

    async def _describe(self, env: Environment) -> dict[str, Any]:
        configured = env.id == configured_env_id(env.cloud_name) and env.cloud_name in self.keyring.configured.clouds
        if configured:
            keys = [{"key": k.key, "enabled": True} for k in self.keyring.configured.keys(env.cloud_name)]
        else:
            keys = [
                {"key": k.api_key, "secret": self.box.open(k.secret) or "", "enabled": k.enabled}
                for k in await self.accounts.keys(env.id)
            ]
        return {
            "id": env.id, "name": env.name, "cloud_name": env.cloud_name, "enabled": env.enabled,
            "created_at": env.created_at, "updated_at": env.updated_at, "custom_attributes": env.custom_attributes,
            "api_access_keys": keys, "configured_by": "environment" if configured else "catalog",
        }

    def _configured_keys(self, env: Environment) -> list[dict[str, Any]]:
        if env.cloud_name not in self.keyring.configured.clouds:
            return []
        return [
            {"name": "", "api_key": k.key, "enabled": True, "created_at": "", "updated_at": "", "dedicated_for": [],
             "permissions": None, "configured_by": "environment"}
            for k in self.keyring.configured.keys(env.cloud_name)
        ]

    def _describe_key(self, stored: StoredKey) -> dict[str, Any]:
        return {
            "name": stored.name, "api_key": stored.api_key, "api_secret": self.box.open(stored.secret) or "",
            "enabled": stored.enabled, "created_at": stored.created_at, "updated_at": stored.updated_at,
            "dedicated_for": [stored.dedicated_for] if stored.dedicated_for else [],
            "permissions": list(stored.permissions) if stored.permissions is not None else None,
            "configured_by": "catalog",
        }

    def _stored_key(
        self, env_id: str, cloud: str, api_key: str, secret: str, name: str, permissions: tuple[str, ...] | None,
        enabled: bool = True,
    ) -> StoredKey:
        now = self._now()
        return StoredKey(api_key, "cloud", env_id, cloud, name, self.box.seal(secret), enabled, "", permissions, now, now)

    def _now(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._clock()))


def _cloud_from(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "env"
    return f"{slug}-{secrets.token_hex(3)}"


def _attributes(value: Any) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidParameter("Invalid custom_attributes - expected a JSON object") from None
    if not isinstance(value, dict):
        raise InvalidParameter("Invalid custom_attributes - expected a JSON object")
    return value


def _optional_bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise InvalidParameter(f"Invalid boolean - {value}")


def _list_param(value: Any) -> set[str]:
    if value is None:
        return set()
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return {str(i).strip() for i in items if str(i).strip()}


def _int(value: Any, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        raise InvalidParameter(f"Invalid integer - {value}") from None


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}
