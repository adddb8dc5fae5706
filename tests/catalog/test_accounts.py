"""Account tables on both engines: environments, keys, the change counter, users, groups, throttle, audit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edge.catalog.accounts import AccountsCatalog, Environment, StoredKey
from edge.catalog.audit import AuditCatalog, AuditEntry, AuditQuery
from edge.catalog.people import Group, PeopleCatalog, User
from edge.catalog.store import Catalog
from tests.helpers.catalogs import ENGINES, engine_catalog

NOW = "2026-11-30T12:00:00Z"


@pytest.fixture(params=ENGINES)
async def catalog(request, tmp_path: Path) -> AsyncIterator[Catalog]:
    async with engine_catalog(request.param, tmp_path) as store:
        yield store


def key(api_key: str, env_id: str = "e1", cloud: str = "shop", **changes) -> StoredKey:
    values = dict(api_key=api_key, kind="cloud", env_id=env_id, cloud=cloud, name="k", secret="sealed", enabled=True,
                  dedicated_for="", permissions=None, created_at=NOW, updated_at=NOW)
    values.update(changes)
    return StoredKey(**values)


async def test_environments_and_keys_bump_the_counter(catalog: Catalog):
    accounts = AccountsCatalog(catalog.db)
    start = await accounts.version()
    env = Environment("e1", "shop", "Shop", True, NOW, NOW, {"team": "web"})
    assert await accounts.add_environment(env, key("111"))
    assert not await accounts.add_environment(env, None)  # same id: refused, nothing written
    assert await accounts.version() == start + 1
    await accounts.add_key(key("222", permissions=("upload",)))
    await accounts.update_key(key("222", permissions=("upload", "explicit"), dedicated_for="webhooks"))
    await accounts.update_key(key("111", dedicated_for="webhooks"))  # replaces the previous one
    stored = {k.api_key: k for k in await accounts.keys("e1")}
    assert stored["222"].permissions == ("explicit", "upload") and stored["222"].dedicated_for == ""
    assert stored["111"].dedicated_for == "webhooks" and stored["111"].permissions is None
    assert await accounts.version() == start + 4
    await accounts.update_environment(Environment("e1", "shop2", "Shop", False, NOW, NOW))
    assert (await accounts.environment_by_cloud("shop2")).enabled is False
    assert {k.cloud for k in await accounts.keys("e1")} == {"shop2"}
    assert await accounts.delete_keys(["111"]) == 1
    assert await accounts.delete_environment("e1")
    assert await accounts.keys() == [] and await accounts.environments() == []


async def test_account_id_is_claimed_once(catalog: Catalog):
    accounts = AccountsCatalog(catalog.db)
    assert await accounts.claim_account_id("first") == "first"
    assert await accounts.claim_account_id("second") == "first"


async def test_users_groups_and_throttle(catalog: Catalog):
    people = PeopleCatalog(catalog.db)
    user = User("u1", "a@example.com", "Ann", "admin", "pending", "", "", (), False, NOW, NOW, None, ("e1", "e2"))
    assert await people.add_user(user)
    assert not await people.add_user(User(**{**_fields(user), "id": "u2"}))  # the email is unique
    assert (await people.user_by_email("a@example.com")).sub_account_ids == ("e1", "e2")
    await people.put_user(User(**{**_fields(user), "role": "billing", "sub_account_ids": ("e3",)}))
    assert (await people.user("u1")).role == "billing" and (await people.users())[0].sub_account_ids == ("e3",)
    assert await people.add_group(Group("g1", "Editors", NOW))
    await people.add_member("g1", "u1")
    await people.add_member("g1", "u1")  # twice: once
    assert await people.member_ids("g1") == ["u1"] and [g.name for g in await people.groups_of("u1")] == ["Editors"]
    assert await people.delete_user("u1") and await people.member_ids("g1") == []
    await people.put_throttle("a@example.com", 3, 10.0, 20.0)
    await people.put_throttle("a@example.com", 4, 10.0, 30.0)
    assert await people.throttle("a@example.com") == (4, 10.0, 30.0)
    await people.clear_throttle("a@example.com")
    assert await people.throttle("a@example.com") == (0, 0.0, 0.0)


async def test_audit_log_filters_and_pages(catalog: Catalog):
    audit = AuditCatalog(catalog.db)
    for i in range(5):
        await audit.add(AuditEntry(f"{i:020d}", f"2026-11-30T12:00:0{i}Z", "shop" if i % 2 else "other",
                                   "key:1", "upload" if i < 4 else "destroy", f"p{i}", "127.0.0.1", {"public_id": f"p{i}"}))
    page, cursor = await audit.query(AuditQuery(cloud="shop", max_results=1))
    assert [e.target for e in page] == ["p3"] and cursor
    page, cursor = await audit.query(AuditQuery(cloud="shop", max_results=1, cursor=cursor))
    assert [e.target for e in page] == ["p1"] and cursor is None
    page, _ = await audit.query(AuditQuery(action="destroy"))
    assert [e.details for e in page] == [{"public_id": "p4"}]
    page, _ = await audit.query(AuditQuery(since="2026-11-30T12:00:01Z", until="2026-11-30T12:00:03Z", descending=False))
    assert [e.target for e in page] == ["p1", "p2"]


def _fields(user: User) -> dict:
    return {name: getattr(user, name) for name in User.__slots__}  # type: ignore[attr-defined]
