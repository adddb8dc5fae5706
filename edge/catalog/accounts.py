"""Account records: product environments (sub-accounts), API keys, the change counter.

Secrets arrive here already encrypted (`secret_box`, see edge/services/accounts_crypto.py):
the catalog stores and returns opaque tokens. Every change bumps `account_state.version` in
the same transaction, so a node that polls the counter sees that something changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from edge.catalog.db import Database, Row

# Appended to the catalog's MIGRATIONS (edge/catalog/store.py): one migration, both engines.
ACCOUNTS_MIGRATION: list[str] = [
    "CREATE TABLE account_state (id INTEGER PRIMARY KEY, version BIGINT NOT NULL, account_id TEXT NOT NULL)",
    "INSERT INTO account_state (id, version, account_id) VALUES (1, 0, '')",
    "CREATE TABLE environments (id TEXT PRIMARY KEY, cloud_name TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    " enabled INTEGER NOT NULL, custom_attributes TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
    # kind: "cloud" (an environment's key: env_id set) or "provisioning" (the account's own).
    # permissions: NULL = every method; else a JSON list of Upload/Admin method names.
    "CREATE TABLE api_keys (api_key TEXT PRIMARY KEY, kind TEXT NOT NULL, env_id TEXT NOT NULL, cloud TEXT NOT NULL,"
    " name TEXT NOT NULL, secret TEXT NOT NULL, enabled INTEGER NOT NULL, dedicated_for TEXT NOT NULL,"
    " permissions TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE INDEX api_keys_env ON api_keys (env_id)",
    "CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,"
    " status TEXT NOT NULL, password_hash TEXT NOT NULL, totp_secret TEXT NOT NULL, recovery_codes TEXT NOT NULL,"
    " all_sub_accounts INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, last_login TEXT)",
    "CREATE TABLE user_environments (user_id TEXT NOT NULL, env_id TEXT NOT NULL, PRIMARY KEY (user_id, env_id))",
    "CREATE TABLE user_groups (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)",
    "CREATE TABLE user_group_members (group_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (group_id, user_id))",
    # Failed logins per subject (an email): survives restarts, shared by nodes.
    "CREATE TABLE login_throttle (subject TEXT PRIMARY KEY, failures INTEGER NOT NULL, first_failure REAL NOT NULL,"
    " locked_until REAL NOT NULL)",
    # id sorts by time (zero-padded nanoseconds + random tail): the cursor is the last id.
    "CREATE TABLE audit_log (id TEXT PRIMARY KEY, at TEXT NOT NULL, cloud TEXT NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, target TEXT NOT NULL, details TEXT NOT NULL, client_ip TEXT NOT NULL)",
    "CREATE INDEX audit_log_cloud ON audit_log (cloud, id)",
]


@dataclass(frozen=True, slots=True)
class Environment:
    id: str
    cloud_name: str
    name: str
    enabled: bool
    created_at: str
    updated_at: str
    custom_attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredKey:
    api_key: str
    kind: str  # "cloud" or "provisioning"
    env_id: str
    cloud: str
    name: str
    secret: str  # encrypted token, never the secret itself
    enabled: bool
    dedicated_for: str
    permissions: tuple[str, ...] | None
    created_at: str
    updated_at: str

    def __repr__(self) -> str:
        return f"StoredKey(api_key={self.api_key!r}, cloud={self.cloud!r}, enabled={self.enabled})"


_ENV_COLUMNS = "id, cloud_name, name, enabled, custom_attributes, created_at, updated_at"
_KEY_COLUMNS = "api_key, kind, env_id, cloud, name, secret, enabled, dedicated_for, permissions, created_at, updated_at"


class AccountsCatalog:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the change counter and the account id ------------------------------------------------
    async def version(self) -> int:
        row = await self.db.fetchrow("SELECT version FROM account_state WHERE id = 1")
        return int(row["version"]) if row else 0

    async def bump(self, db: Database | None = None) -> None:
        await (db or self.db).execute("UPDATE account_state SET version = version + 1 WHERE id = 1")

    async def account_id(self) -> str:
        row = await self.db.fetchrow("SELECT account_id FROM account_state WHERE id = 1")
        return str(row["account_id"]) if row else ""

    async def claim_account_id(self, candidate: str) -> str:
        """The stored id, or `candidate` when none is stored yet (the first starter wins)."""
        await self.db.execute("UPDATE account_state SET account_id = $1 WHERE id = 1 AND account_id = ''", candidate)
        return await self.account_id()

    # -- environments ---------------------------------------------------------------------------
    async def environments(self) -> list[Environment]:
        rows = await self.db.fetch(f"SELECT {_ENV_COLUMNS} FROM environments ORDER BY created_at, id")
        return [_env(r) for r in rows]

    async def environment(self, env_id: str) -> Environment | None:
        row = await self.db.fetchrow(f"SELECT {_ENV_COLUMNS} FROM environments WHERE id = $1", env_id)
        return _env(row) if row else None

    async def environment_by_cloud(self, cloud: str) -> Environment | None:
        row = await self.db.fetchrow(f"SELECT {_ENV_COLUMNS} FROM environments WHERE cloud_name = $1", cloud)
        return _env(row) if row else None

    async def add_environment(self, env: Environment, first_key: StoredKey | None) -> bool:
        async with self.db.transaction() as tx:
            added = await tx.execute(
                f"INSERT INTO environments ({_ENV_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT DO NOTHING",
                env.id, env.cloud_name, env.name, int(env.enabled), json.dumps(env.custom_attributes),
                env.created_at, env.updated_at,
            )
            if not added:
                return False
            if first_key is not None:
                await self._insert_key(tx, first_key)
            await self.bump(tx)
            return True

    async def update_environment(self, env: Environment) -> bool:
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE environments SET cloud_name = $2, name = $3, enabled = $4, custom_attributes = $5,"
                " updated_at = $6 WHERE id = $1",
                env.id, env.cloud_name, env.name, int(env.enabled), json.dumps(env.custom_attributes), env.updated_at,
            )
            await tx.execute("UPDATE api_keys SET cloud = $2 WHERE env_id = $1", env.id, env.cloud_name)
            await self.bump(tx)
            return changed > 0

    async def delete_environment(self, env_id: str) -> bool:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM api_keys WHERE env_id = $1", env_id)
            await tx.execute("DELETE FROM user_environments WHERE env_id = $1", env_id)
            deleted = await tx.execute("DELETE FROM environments WHERE id = $1", env_id)
            await self.bump(tx)
            return deleted > 0

    # -- keys -----------------------------------------------------------------------------------
    async def keys(self, env_id: str | None = None, kind: str = "cloud") -> list[StoredKey]:
        if env_id is None:
            rows = await self.db.fetch(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE kind = $1 ORDER BY created_at", kind)
        else:
            rows = await self.db.fetch(
                f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE kind = $1 AND env_id = $2 ORDER BY created_at", kind, env_id
            )
        return [_key(r) for r in rows]

    async def key(self, api_key: str) -> StoredKey | None:
        row = await self.db.fetchrow(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE api_key = $1", api_key)
        return _key(row) if row else None

    async def add_key(self, key: StoredKey) -> None:
        async with self.db.transaction() as tx:
            await self._insert_key(tx, key)
            await self.bump(tx)

    async def _insert_key(self, db: Database, key: StoredKey) -> None:
        await db.execute(
            f"INSERT INTO api_keys ({_KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            key.api_key, key.kind, key.env_id, key.cloud, key.name, key.secret, int(key.enabled), key.dedicated_for,
            _permissions_json(key.permissions), key.created_at, key.updated_at,
        )

    async def update_key(self, key: StoredKey) -> None:
        async with self.db.transaction() as tx:
            if key.dedicated_for:  # one key per purpose: this one replaces any previous
                await tx.execute(
                    "UPDATE api_keys SET dedicated_for = '' WHERE env_id = $1 AND dedicated_for = $2 AND api_key <> $3",
                    key.env_id, key.dedicated_for, key.api_key,
                )
            await tx.execute(
                "UPDATE api_keys SET name = $2, enabled = $3, dedicated_for = $4, permissions = $5, updated_at = $6"
                " WHERE api_key = $1",
                key.api_key, key.name, int(key.enabled), key.dedicated_for, _permissions_json(key.permissions),
                key.updated_at,
            )
            await self.bump(tx)

    async def delete_keys(self, api_keys: list[str]) -> int:
        async with self.db.transaction() as tx:
            deleted = 0
            for api_key in api_keys:
                deleted += await tx.execute("DELETE FROM api_keys WHERE api_key = $1", api_key)
            await self.bump(tx)
            return deleted


def _permissions_json(permissions: tuple[str, ...] | None) -> str | None:
    return None if permissions is None else json.dumps(sorted(permissions))


def _env(row: Row) -> Environment:
    return Environment(
        id=row["id"], cloud_name=row["cloud_name"], name=row["name"], enabled=bool(row["enabled"]),
        created_at=row["created_at"], updated_at=row["updated_at"], custom_attributes=json.loads(row["custom_attributes"]),
    )


def _key(row: Row) -> StoredKey:
    permissions = row["permissions"]
    return StoredKey(
        api_key=row["api_key"], kind=row["kind"], env_id=row["env_id"], cloud=row["cloud"], name=row["name"],
        secret=row["secret"], enabled=bool(row["enabled"]), dedicated_for=row["dedicated_for"],
        permissions=None if permissions is None else tuple(json.loads(permissions)),
        created_at=row["created_at"], updated_at=row["updated_at"],
    )
