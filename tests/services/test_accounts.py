"""Account services over a real SQLite catalog: sealed secrets, the live keyring and its version
check, permissions, users (argon2, TOTP, recovery codes, a throttle that survives a restart),
the first administrator and the provisioning credentials."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyotp
import pytest

from edge.catalog.store import Catalog, open_catalog
from edge.errors import AlreadyExists, InvalidCredentials, InvalidParameter, NotAllowed, RateLimited, SettingsError
from edge.services.accounts_crypto import SecretBox, load_secret_key
from edge.services.accounts_live import API_CALL, ApiCall
from edge.services.accounts_roles import ADMIN_READ, parse_permissions
from edge.services.accounts_setup import AccountServices, first_admin, open_accounts, sample_admin
from edge.services.credentials import Credentials
from edge.settings import AccountSettings, Secret
from edge.signing import ApiKey, Keyring, api_signature

CONFIGURED = Keyring([ApiKey("demo", "111", "configured-secret")])


@pytest.fixture
async def catalog(tmp_path: Path) -> AsyncIterator[Catalog]:
    store = await open_catalog(f"sqlite:///{tmp_path}/edge.db")
    yield store
    await store.close()


async def _open(catalog: Catalog, tmp_path: Path, **settings: object) -> AccountServices:
    values = {"secret_key": Secret("k" * 40), **settings}
    return await open_accounts(catalog, AccountSettings(**values), CONFIGURED, database_url=f"sqlite:///{tmp_path}/edge.db")


def test_secrets_are_sealed_and_only_open_under_the_same_key():
    box = SecretBox("one key")
    token = box.seal("s3cr3t-value")
    assert "s3cr3t-value" not in token and box.open(token) == "s3cr3t-value"
    assert SecretBox("another key").open(token) is None and "key" not in repr(box)


def test_a_generated_key_file_is_private_and_shared_by_concurrent_starters(tmp_path: Path):
    target = tmp_path / "var" / "secret.key"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_secret_key("", target), range(8)))
    assert len(keys) == 1 and len(keys.pop()) > 40
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert load_secret_key("configured", target) == "configured"


def test_permissions_parse_names_and_groups():
    assert parse_permissions(None) is None and parse_permissions("all") is None and parse_permissions([]) is None
    assert parse_permissions("upload, explicit") == ("explicit", "upload")
    assert set(parse_permissions(["admin_read"])) == ADMIN_READ and "delete_resources" not in ADMIN_READ
    with pytest.raises(InvalidParameter, match="Unknown permission - frobnicate"):
        parse_permissions("upload,frobnicate")


async def test_catalog_keys_join_the_configured_ones_and_follow_changes(catalog: Catalog, tmp_path: Path):
    here = await _open(catalog, tmp_path)
    there = await _open(catalog, tmp_path)  # another node on the same catalog
    env = await here.environments.create({"name": "Shop", "cloud_name": "shop"})
    key = env["api_access_keys"][0]
    assert here.keyring.find("shop", key["key"]).secret == key["secret"]
    assert there.keyring.find("shop", key["key"]) is None  # until it reads the counter
    await there.watcher.reload(force=False)
    assert there.keyring.find("shop", key["key"]) is not None and there.keyring.clouds == {"demo", "shop"}
    assert there.keyring.find("demo", "111") is not None  # configured keys keep working
    await here.environments.update(env["id"], {"enabled": "false"})
    await there.watcher.reload(force=False)
    assert "shop" not in there.keyring.clouds and there.keyring.keys("shop") == []
    with pytest.raises(InvalidParameter, match="configured by the environment"):
        await here.environments.update("env-demo", {"enabled": False})
    extra = await here.environments.generate_key("env-demo", {"name": "rotated"})  # rotation, no restart
    assert here.keyring.find("demo", extra["api_key"]) is not None


async def test_a_limited_key_is_refused_with_the_permission_named(catalog: Catalog, tmp_path: Path):
    accounts = await _open(catalog, tmp_path)
    env = await accounts.environments.create({"name": "Shop", "cloud_name": "shop"})
    limited = await accounts.environments.generate_key(env["id"], {"permissions": "upload"})
    credentials = Credentials(accounts.keyring)
    credentials.admit = accounts.keyring.admit
    auth = "Basic " + base64.b64encode(f"{limited['api_key']}:{limited['api_secret']}".encode()).decode()
    token = API_CALL.set(ApiCall("delete_resources", "10.0.0.1"))
    try:
        with pytest.raises(NotAllowed, match="lacks the delete_resources permission"):
            credentials.check_basic("shop", auth)
    finally:
        API_CALL.reset(token)
    call = ApiCall("upload", "10.0.0.1")
    token = API_CALL.set(call)
    try:
        params = {"public_id": "a", "timestamp": str(int(__import__("time").time())), "api_key": limited["api_key"]}
        params["signature"] = api_signature({k: v for k, v in params.items() if k != "api_key"}, limited["api_secret"])
        credentials.check_signed("shop", params)
    finally:
        API_CALL.reset(token)
    assert call.actor == f"key:{limited['api_key']}" and call.details == {"public_id": "a", "api_key": limited["api_key"]}


async def test_a_key_dedicated_to_webhooks_signs_notifications(catalog: Catalog, tmp_path: Path):
    accounts = await _open(catalog, tmp_path)
    env = await accounts.environments.create({"name": "Shop", "cloud_name": "shop"})
    caller = env["api_access_keys"][0]
    hooks = await accounts.environments.generate_key(env["id"], {"name": "hooks"})
    assert accounts.keyring.webhook_secret(caller["secret"]) == caller["secret"]
    await accounts.environments.update_key(env["id"], hooks["api_key"], {"dedicated_for": "webhooks"})
    assert accounts.keyring.webhook_secret(caller["secret"]) == hooks["api_secret"]
    with pytest.raises(InvalidParameter):
        await accounts.environments.update_key(env["id"], hooks["api_key"], {"dedicated_for": "email"})


async def test_deleting_an_environment_with_assets_needs_asking(catalog: Catalog, tmp_path: Path):
    from edge.catalog.models import Asset

    accounts = await _open(catalog, tmp_path)
    env = await accounts.environments.create({"name": "Shop", "cloud_name": "shop"})
    await catalog.put(Asset(cloud="shop", public_id="a", asset_id="x", version=1, version_id="v", format="png",
                            width=1, height=1, bytes=1, etag="e", created_at="2026-01-01T00:00:00Z"))
    with pytest.raises(InvalidParameter, match="holds 1 asset"):
        await accounts.environments.delete(env["id"], {})
    with pytest.raises(InvalidParameter, match="holds no assets"):  # its originals live under the old name
        await accounts.environments.update(env["id"], {"cloud_name": "renamed"})
    with pytest.raises(AlreadyExists):
        await accounts.environments.create({"name": "Again", "cloud_name": "shop"})
    with pytest.raises(InvalidParameter, match="cloud_name"):
        await accounts.environments.create({"name": "Bad", "cloud_name": "v1_1"})


async def test_users_passwords_two_factor_and_a_throttle_that_survives_a_restart(catalog: Catalog, tmp_path: Path):
    accounts = await _open(catalog, tmp_path)
    users = accounts.users
    made = await users.create({"email": "Ann@Example.com", "name": "Ann", "role": "admin"})
    assert made["pending"] is True
    with pytest.raises(InvalidCredentials):
        await users.login("ann@example.com", "anything")  # pending: no password yet
    await users.set_password(made["id"], "correct horse battery")
    stored = await users.by_email("ann@example.com")
    assert stored.password_hash.startswith("$argon2") and "correct horse" not in stored.password_hash
    assert (await users.login("ann@example.com", "correct horse battery")).last_login
    uri, codes = await users.enable_totp(made["id"])
    seed = pyotp.parse_uri(uri).secret
    with pytest.raises(InvalidCredentials):
        await users.login("ann@example.com", "correct horse battery")  # the code is missing
    await users.login("ann@example.com", "correct horse battery", pyotp.TOTP(seed).now())
    await users.login("ann@example.com", "correct horse battery", codes[0])
    with pytest.raises(InvalidCredentials):
        await users.login("ann@example.com", "correct horse battery", codes[0])  # single use
    sealed = (await users.by_email("ann@example.com")).totp_secret
    assert seed not in sealed and accounts.box.open(sealed) == seed
    for _ in range(4):  # with the failed reuse above: five in a row (a success clears the count)
        with pytest.raises(InvalidCredentials):
            await users.login("ann@example.com", "wrong")
    restarted = await _open(catalog, tmp_path)  # a new process: the count is in the catalog
    with pytest.raises(RateLimited):
        await restarted.users.login("ann@example.com", "correct horse battery", pyotp.TOTP(seed).now())


async def test_taken_emails_and_group_names_are_409_not_500(catalog: Catalog, tmp_path: Path):
    users = (await _open(catalog, tmp_path)).users
    await users.create({"email": "a@example.com", "name": "A", "role": "admin"})
    b = await users.create({"email": "b@example.com", "name": "B", "role": "reports"})
    with pytest.raises(AlreadyExists):
        await users.update(b["id"], {"email": "A@example.com"})
    await users.create_group({"name": "One"})
    two = await users.create_group({"name": "Two"})
    with pytest.raises(AlreadyExists):
        await users.update_group(two["id"], {"name": "One"})
    with pytest.raises(InvalidParameter, match="role"):
        await users.update(b["id"], {"role": "owner"})


async def test_the_first_administrator(catalog: Catalog, tmp_path: Path):
    settings = AccountSettings(secret_key=Secret("k" * 40), admin_email="root@example.com",
                               admin_password=Secret("first-admin-pass"))
    accounts = await open_accounts(catalog, settings, CONFIGURED)
    await first_admin(accounts.users, settings)
    await first_admin(accounts.users, settings)  # a second worker: nothing more
    [admin] = (await accounts.users.list({}))["users"]
    assert admin["role"] == "master_admin" and admin["status"] == "active"
    await accounts.users.login("root@example.com", "first-admin-pass")
    assert await sample_admin(accounts.users) is None  # a user exists: no sample administrator


async def test_the_sample_administrator_gets_a_random_one_time_password(tmp_path: Path):
    passwords = []
    for run in range(2):
        store = await open_catalog(f"sqlite:///{tmp_path}/run{run}.db")
        accounts = await _open(store, tmp_path)
        passwords.append(await sample_admin(accounts.users))
        assert await sample_admin(accounts.users) is None  # printed once
        await accounts.users.login("admin@localhost", passwords[-1])
        await store.close()
    assert passwords[0] != passwords[1] and len(passwords[0]) >= 12


async def test_provisioning_credentials(catalog: Catalog, tmp_path: Path):
    accounts = await _open(catalog, tmp_path, url=Secret("account://pk:ps@acct9"))
    good = "Basic " + base64.b64encode(b"pk:ps").decode()
    assert accounts.provisioning.check("acct9", good) == "provisioning:pk"
    for account, auth in (("acct9", None), ("acct9", "Basic " + base64.b64encode(b"pk:no").decode()),
                          ("other", good), ("acct9", "Basic " + base64.b64encode(b"111:configured-secret").decode())):
        with pytest.raises(InvalidCredentials):
            accounts.provisioning.check(account, auth)
    assert "ps" not in repr(accounts.provisioning).replace("provisioning", "")
    with pytest.raises(SettingsError, match="belongs to acct9"):  # the catalog is another account's
        await _open(catalog, tmp_path, url=Secret("account://pk:ps@intruder"))
    off = await _open(catalog, tmp_path)
    with pytest.raises(InvalidCredentials):
        off.provisioning.check("acct9", good)  # no CLOUDINARY_ACCOUNT_URL: the API is off


async def test_with_redis_a_change_arrives_by_message_not_by_the_counter(catalog: Catalog, tmp_path: Path,
                                                                        redis_server: str, redis_prefix: str):
    import asyncio
    import time

    from edge.cache.redis import RedisTier, open_client
    from edge.metrics import Metrics
    from edge.settings import RedisSettings

    settings = RedisSettings(url=Secret(redis_server), key_prefix=redis_prefix)
    async with open_client(settings) as client:
        tier = RedisTier(client, settings, Metrics())
        here = await _open(catalog, tmp_path, refresh_seconds=30.0)  # the counter alone would take 30 s
        there = await _open(catalog, tmp_path, refresh_seconds=30.0)
        here.watcher.redis = there.watcher.redis = tier
        listening = asyncio.get_running_loop().create_task(there.watcher.run())
        try:
            while not there.watcher.subscribed:
                await asyncio.sleep(0.01)
            env = await here.environments.create({"name": "Shop", "cloud_name": "shop"})
            started = time.monotonic()
            while there.keyring.find("shop", env["api_access_keys"][0]["key"]) is None:
                assert time.monotonic() - started < 1.0
                await asyncio.sleep(0.01)
        finally:
            listening.cancel()


def test_edge_serve_samples_prints_the_one_time_password_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from edge.__main__ import _sample_admin
    from edge.settings import Settings

    settings = Settings.load({"EDGE_DATABASE_URL": f"sqlite:///{tmp_path}/edge.db"})
    _sample_admin(settings)
    first = capsys.readouterr().out
    assert "admin@localhost" in first and "one-time password" in first
    _sample_admin(settings)  # the next start: nothing printed, the password is not kept anywhere
    assert capsys.readouterr().out == ""
    password = first.rsplit(":", 1)[1].strip()
    assert password not in (tmp_path / "edge.db").read_bytes().decode("latin-1")
    assert stat.S_IMODE(os.stat(tmp_path / "secret.key").st_mode) == 0o600
