"""Console users and user groups, in the Provisioning API's shapes; passwords, two-factor, throttle.

Passwords are argon2id hashes (argon2-cffi), computed on a thread: hashing is deliberately
slow. A user made without a password is `pending` until one is set (`edge users
reset-password`, or a one-time password printed by `edge users create`). TOTP (pyotp) is
optional; its seed is sealed like API secrets, and ten single-use recovery codes are kept
as SHA-256 digests. Failed logins are counted per email in the catalog, so the throttle
holds across restarts and nodes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from edge.catalog.people import Group, PeopleCatalog, User
from edge.catalog.store import Catalog
from edge.errors import AlreadyExists, InvalidCredentials, InvalidParameter, RateLimited, ResourceNotFound
from edge.services.accounts_crypto import SecretBox
from edge.services.accounts_roles import check_role

MAX_FAILURES = 5  # then locked for LOCK_SECONDS
FAILURE_WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60
_HASHER = PasswordHasher()


class Users:
    def __init__(self, catalog: Catalog, box: SecretBox, clock: Any = time.time) -> None:
        self.people = PeopleCatalog(catalog.db)
        self.box = box
        self._clock = clock

    # -- users ----------------------------------------------------------------------------------
    async def list(self, params: dict[str, Any]) -> dict[str, Any]:
        users = await self.people.users()
        ids = _items(params.get("ids"))
        if ids:
            users = [u for u in users if u.id in ids]
        if params.get("sub_account_id"):
            env = str(params["sub_account_id"])
            users = [u for u in users if u.all_sub_accounts or env in u.sub_account_ids]
        if params.get("status"):
            users = [u for u in users if u.status == str(params["status"])]
        if params.get("prefix"):
            prefix = str(params["prefix"]).lower()
            users = [u for u in users if u.name.lower().startswith(prefix) or u.email.lower().startswith(prefix)]
        last_login = _bool(params.get("last_login"))
        if last_login is not None:
            since, until = str(params.get("from") or ""), str(params.get("to") or "")

            def in_range(user: User) -> bool:
                when = user.last_login or ""
                return bool(when) and (not since or when >= since) and (not until or when[: len(until)] <= until)

            users = [u for u in users if in_range(u) == last_login]
        return {"users": [describe_user(u) for u in users]}

    async def get(self, user_id: str) -> dict[str, Any]:
        return describe_user(await self._find(user_id))

    async def create(self, params: dict[str, Any], password: str | None = None) -> dict[str, Any]:
        email = str(params.get("email") or "").strip().lower()
        name = str(params.get("name") or "").strip()
        if not email or "@" not in email:
            raise InvalidParameter("Missing or invalid parameter - email")
        if not name:
            raise InvalidParameter("Missing required parameter - name")
        role = check_role(str(params.get("role") or ""))
        now = self._now()
        envs = tuple(sorted(_items(params.get("sub_account_ids"))))
        password_hash = await _hash(password) if password else ""
        user = User(
            id=secrets.token_hex(15), email=email, name=name, role=role, status="active" if password else "pending",
            password_hash=password_hash, totp_secret="", recovery_codes=(), all_sub_accounts=role == "master_admin" or not envs,
            created_at=now, updated_at=now, last_login=None, sub_account_ids=() if role == "master_admin" else envs,
        )
        if not await self.people.add_user(user):
            raise AlreadyExists(f"User with email {email} already exists")
        return describe_user(user)

    async def update(self, user_id: str, params: dict[str, Any]) -> dict[str, Any]:
        user = await self._find(user_id)
        changes: dict[str, Any] = {"updated_at": self._now()}
        if params.get("name"):
            changes["name"] = str(params["name"]).strip()
        if params.get("email"):
            changes["email"] = str(params["email"]).strip().lower()
            taken = await self.people.user_by_email(changes["email"])
            if taken is not None and taken.id != user.id:
                raise AlreadyExists(f"User with email {changes['email']} already exists")
        if params.get("role"):
            changes["role"] = check_role(str(params["role"]))
        if params.get("sub_account_ids") is not None:
            envs = tuple(sorted(_items(params["sub_account_ids"])))
            changes["sub_account_ids"], changes["all_sub_accounts"] = envs, not envs
        if changes.get("role", user.role) == "master_admin":  # the SDK: sub_account_ids ignored for master_admin
            changes["sub_account_ids"], changes["all_sub_accounts"] = (), True
        if (enabled := _bool(params.get("enabled"))) is not None:
            changes["status"] = ("active" if user.password_hash else "pending") if enabled else "disabled"
        updated = _replace(user, **changes)
        await self.people.put_user(updated)
        return describe_user(updated)

    async def delete(self, user_id: str) -> dict[str, Any]:
        if not await self.people.delete_user(user_id):
            raise ResourceNotFound(f"User {user_id} not found")
        return {"message": "ok"}

    async def by_email(self, email: str) -> User:
        user = await self.people.user_by_email(email.strip().lower())
        if user is None:
            raise ResourceNotFound(f"No user with email {email}")
        return user

    # -- passwords, two-factor, throttle --------------------------------------------------------
    async def set_password(self, user_id: str, password: str | None = None) -> str:
        """Sets `password`, or a random one-time password that is returned (shown once, never stored)."""
        user = await self._find(user_id)
        chosen = password or secrets.token_urlsafe(12)
        if len(chosen) < 8:
            raise InvalidParameter("Password too short - at least 8 characters")
        status = "disabled" if user.status == "disabled" else "active"
        await self.people.put_user(_replace(user, password_hash=await _hash(chosen), status=status, updated_at=self._now()))
        return chosen

    async def enable_totp(self, user_id: str) -> tuple[str, list[str]]:
        """(provisioning URI for an authenticator app, ten recovery codes): both shown once."""
        user = await self._find(user_id)
        seed = pyotp.random_base32()
        codes = [secrets.token_hex(5) for _ in range(10)]
        await self.people.put_user(_replace(
            user, totp_secret=self.box.seal(seed), recovery_codes=tuple(_digest(c) for c in codes), updated_at=self._now()
        ))
        return pyotp.TOTP(seed).provisioning_uri(name=user.email, issuer_name="edge"), codes

    async def login(self, email: str, password: str, second_factor: str = "") -> User:
        """The user, or InvalidCredentials (429 while locked after MAX_FAILURES)."""
        subject = email.strip().lower()
        now = self._clock()
        failures, first, locked_until = await self.people.throttle(subject)
        if locked_until > now:
            raise RateLimited(f"Too many failed logins - try again in {int(locked_until - now) + 1} s")
        user = await self.people.user_by_email(subject)
        ok = user is not None and user.status == "active" and await _verify(user.password_hash, password)
        if ok and user is not None and user.totp_secret:
            ok, user = await self._second_factor(user, second_factor)
        if not ok or user is None:
            if not failures or now - first > FAILURE_WINDOW_SECONDS:
                failures, first = 0, now
            failures += 1
            await self.people.put_throttle(subject, failures, first, now + LOCK_SECONDS if failures >= MAX_FAILURES else 0.0)
            raise InvalidCredentials("Invalid email, password or code")
        await self.people.clear_throttle(subject)
        user = _replace(user, last_login=self._now())
        await self.people.put_user(user)
        return user

    async def _second_factor(self, user: User, code: str) -> tuple[bool, User]:
        seed = self.box.open(user.totp_secret)
        if seed and code.isdigit() and pyotp.TOTP(seed).verify(code, valid_window=1):
            return True, user
        digest = _digest(code.strip())
        if code and any(hmac.compare_digest(digest, c) for c in user.recovery_codes):  # single use
            left = tuple(c for c in user.recovery_codes if c != digest)
            user = _replace(user, recovery_codes=left)
            await self.people.put_user(user)
            return True, user
        return False, user

    # -- groups ---------------------------------------------------------------------------------
    async def groups(self) -> dict[str, Any]:
        return {"user_groups": [_group(g) for g in await self.people.groups()]}

    async def group(self, group_id: str) -> dict[str, Any]:
        group = await self._group(group_id)
        return {**_group(group), "users": await self._members(group.id)}

    async def create_group(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("name") or "").strip()
        if not name:
            raise InvalidParameter("Missing required parameter - name")
        group = Group(secrets.token_hex(12), name, self._now())
        if not await self.people.add_group(group):
            raise AlreadyExists(f"User group {name} already exists")
        return _group(group)

    async def update_group(self, group_id: str, params: dict[str, Any]) -> dict[str, Any]:
        group = await self._group(group_id)
        name = str(params.get("name") or "").strip()
        if not name:
            raise InvalidParameter("Missing required parameter - name")
        if any(g.name == name and g.id != group.id for g in await self.people.groups()):
            raise AlreadyExists(f"User group {name} already exists")
        await self.people.rename_group(group.id, name)
        return _group(Group(group.id, name, group.created_at))

    async def delete_group(self, group_id: str) -> dict[str, Any]:
        if not await self.people.delete_group(group_id):
            raise ResourceNotFound(f"User group {group_id} not found")
        return {"ok": True}

    async def add_member(self, group_id: str, user_id: str) -> dict[str, Any]:
        group, _ = await self._group(group_id), await self._find(user_id)
        await self.people.add_member(group.id, user_id)
        return {"users": await self._members(group.id)}

    async def remove_member(self, group_id: str, user_id: str) -> dict[str, Any]:
        group = await self._group(group_id)
        await self.people.remove_member(group.id, user_id)
        return {"users": await self._members(group.id)}

    async def members(self, group_id: str) -> dict[str, Any]:
        return {"users": await self._members((await self._group(group_id)).id)}

    async def groups_of(self, user_id: str) -> dict[str, Any]:
        user = await self._find(user_id)
        return {"user_groups": [_group(g) for g in await self.people.groups_of(user.id)]}

    # -- helpers --------------------------------------------------------------------------------
    async def _members(self, group_id: str) -> list[dict[str, Any]]:
        found = [await self.people.user(i) for i in await self.people.member_ids(group_id)]
        return [{"id": u.id, "name": u.name, "email": u.email} for u in found if u is not None]

    async def _find(self, user_id: str) -> User:
        user = await self.people.user(user_id)
        if user is None:
            raise ResourceNotFound(f"User {user_id} not found")
        return user

    async def _group(self, group_id: str) -> Group:
        group = await self.people.group(group_id)
        if group is None:
            raise ResourceNotFound(f"User group {group_id} not found")
        return group

    def _now(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._clock()))


def describe_user(user: User) -> dict[str, Any]:
    return {
        "id": user.id, "name": user.name, "email": user.email, "role": user.role, "status": user.status,
        "pending": user.status == "pending", "enabled": user.status != "disabled", "created_at": user.created_at,
        "updated_at": user.updated_at, "last_login": user.last_login, "all_sub_accounts": user.all_sub_accounts,
        "sub_account_ids": list(user.sub_account_ids), "two_factor": bool(user.totp_secret),
    }


def _group(group: Group) -> dict[str, Any]:
    return {"id": group.id, "name": group.name, "created_at": group.created_at}


async def _hash(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(None, _HASHER.hash, password)


async def _verify(password_hash: str, password: str) -> bool:
    if not password_hash:
        return False

    def verify() -> bool:
        try:
            return _HASHER.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.get_running_loop().run_in_executor(None, verify)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _items(value: Any) -> set[str]:
    if value is None:
        return set()
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return {str(i).strip() for i in items if str(i).strip()}


def _bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes")


def _replace(user: User, **changes: Any) -> User:
    return User(**{**{n: getattr(user, n) for n in User.__slots__}, **changes})  # type: ignore[attr-defined]
