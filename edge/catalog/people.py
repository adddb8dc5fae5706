"""Console users, user groups and the login throttle (tables created by ACCOUNTS_MIGRATION).

Password hashes are argon2 strings; TOTP secrets arrive encrypted; recovery codes are stored
as SHA-256 digests (they are random, so a fast digest is enough).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from edge.catalog.db import Database, Row


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    name: str
    role: str
    status: str  # "pending" (no password yet), "active", "disabled"
    password_hash: str
    totp_secret: str  # encrypted token; "" = no two-factor
    recovery_codes: tuple[str, ...]  # SHA-256 digests of unused codes
    all_sub_accounts: bool
    created_at: str
    updated_at: str
    last_login: str | None
    sub_account_ids: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, email={self.email!r}, role={self.role!r})"


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str
    created_at: str


_USER_COLUMNS = (
    "id, email, name, role, status, password_hash, totp_secret, recovery_codes, all_sub_accounts, created_at,"
    " updated_at, last_login"
)


class PeopleCatalog:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- users ----------------------------------------------------------------------------------
    async def count_users(self) -> int:
        row = await self.db.fetchrow("SELECT count(*) AS n FROM users")
        return int(row["n"]) if row else 0

    async def users(self) -> list[User]:
        rows = await self.db.fetch(f"SELECT {_USER_COLUMNS} FROM users ORDER BY created_at, id")
        links = await self.db.fetch("SELECT user_id, env_id FROM user_environments ORDER BY env_id")
        by_user: dict[str, list[str]] = {}
        for link in links:
            by_user.setdefault(link["user_id"], []).append(link["env_id"])
        return [_user(r, by_user.get(r["id"], [])) for r in rows]

    async def user(self, user_id: str) -> User | None:
        return await self._one("id", user_id)

    async def user_by_email(self, email: str) -> User | None:
        return await self._one("email", email)

    async def _one(self, column: str, value: str) -> User | None:
        row = await self.db.fetchrow(f"SELECT {_USER_COLUMNS} FROM users WHERE {column} = $1", value)
        if row is None:
            return None
        links = await self.db.fetch("SELECT env_id FROM user_environments WHERE user_id = $1 ORDER BY env_id", row["id"])
        return _user(row, [link["env_id"] for link in links])

    async def add_user(self, user: User) -> bool:
        async with self.db.transaction() as tx:
            added = await tx.execute(
                f"INSERT INTO users ({_USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                " ON CONFLICT DO NOTHING",
                *_user_values(user),
            )
            if added:
                await _link(tx, user)
            return added > 0

    async def put_user(self, user: User) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE users SET email = $2, name = $3, role = $4, status = $5, password_hash = $6, totp_secret = $7,"
                " recovery_codes = $8, all_sub_accounts = $9, created_at = $10, updated_at = $11, last_login = $12"
                " WHERE id = $1",
                *_user_values(user),
            )
            await tx.execute("DELETE FROM user_environments WHERE user_id = $1", user.id)
            await _link(tx, user)

    async def delete_user(self, user_id: str) -> bool:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM user_environments WHERE user_id = $1", user_id)
            await tx.execute("DELETE FROM user_group_members WHERE user_id = $1", user_id)
            return await tx.execute("DELETE FROM users WHERE id = $1", user_id) > 0

    # -- groups ---------------------------------------------------------------------------------
    async def groups(self) -> list[Group]:
        rows = await self.db.fetch("SELECT id, name, created_at FROM user_groups ORDER BY name")
        return [Group(r["id"], r["name"], r["created_at"]) for r in rows]

    async def group(self, group_id: str) -> Group | None:
        row = await self.db.fetchrow("SELECT id, name, created_at FROM user_groups WHERE id = $1", group_id)
        return Group(row["id"], row["name"], row["created_at"]) if row else None

    async def add_group(self, group: Group) -> bool:
        return await self.db.execute(
            "INSERT INTO user_groups (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            group.id, group.name, group.created_at,
        ) > 0

    async def rename_group(self, group_id: str, name: str) -> bool:
        return await self.db.execute("UPDATE user_groups SET name = $2 WHERE id = $1", group_id, name) > 0

    async def delete_group(self, group_id: str) -> bool:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM user_group_members WHERE group_id = $1", group_id)
            return await tx.execute("DELETE FROM user_groups WHERE id = $1", group_id) > 0

    async def add_member(self, group_id: str, user_id: str) -> None:
        await self.db.execute(
            "INSERT INTO user_group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", group_id, user_id
        )

    async def remove_member(self, group_id: str, user_id: str) -> bool:
        return await self.db.execute(
            "DELETE FROM user_group_members WHERE group_id = $1 AND user_id = $2", group_id, user_id
        ) > 0

    async def member_ids(self, group_id: str) -> list[str]:
        rows = await self.db.fetch("SELECT user_id FROM user_group_members WHERE group_id = $1 ORDER BY user_id", group_id)
        return [r["user_id"] for r in rows]

    async def groups_of(self, user_id: str) -> list[Group]:
        rows = await self.db.fetch(
            "SELECT g.id, g.name, g.created_at FROM user_groups g JOIN user_group_members m ON m.group_id = g.id"
            " WHERE m.user_id = $1 ORDER BY g.name",
            user_id,
        )
        return [Group(r["id"], r["name"], r["created_at"]) for r in rows]

    # -- login throttle -------------------------------------------------------------------------
    async def throttle(self, subject: str) -> tuple[int, float, float]:
        """(failures, first failure, locked until) as epoch seconds; zeros when none."""
        row = await self.db.fetchrow(
            "SELECT failures, first_failure, locked_until FROM login_throttle WHERE subject = $1", subject
        )
        return (int(row["failures"]), float(row["first_failure"]), float(row["locked_until"])) if row else (0, 0.0, 0.0)

    async def put_throttle(self, subject: str, failures: int, first_failure: float, locked_until: float) -> None:
        await self.db.execute(
            "INSERT INTO login_throttle (subject, failures, first_failure, locked_until) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (subject) DO UPDATE SET failures = excluded.failures,"
            " first_failure = excluded.first_failure, locked_until = excluded.locked_until",
            subject, failures, first_failure, locked_until,
        )

    async def clear_throttle(self, subject: str) -> None:
        await self.db.execute("DELETE FROM login_throttle WHERE subject = $1", subject)


async def _link(db: Database, user: User) -> None:
    for env_id in dict.fromkeys(user.sub_account_ids):
        await db.execute("INSERT INTO user_environments (user_id, env_id) VALUES ($1, $2)", user.id, env_id)


def _user_values(user: User) -> tuple[Any, ...]:
    return (
        user.id, user.email, user.name, user.role, user.status, user.password_hash, user.totp_secret,
        json.dumps(list(user.recovery_codes)), int(user.all_sub_accounts), user.created_at, user.updated_at,
        user.last_login,
    )


def _user(row: Row, env_ids: list[str]) -> User:
    return User(
        id=row["id"], email=row["email"], name=row["name"], role=row["role"], status=row["status"],
        password_hash=row["password_hash"], totp_secret=row["totp_secret"],
        recovery_codes=tuple(json.loads(row["recovery_codes"])), all_sub_accounts=bool(row["all_sub_accounts"]),
        created_at=row["created_at"], updated_at=row["updated_at"], last_login=row["last_login"],
        sub_account_ids=tuple(env_ids),
    )
