"""The Provisioning API with the official SDK's `cloudinary.provisioning` against live deployments:
two `edge serve` nodes sharing a PostgreSQL catalog (a throwaway schema) and Redis (a test
prefix); then one node with two workers on SQLite and no Redis (the version check).

Every change made through one node must take effect on the other within a second.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import cloudinary
import cloudinary.api
import cloudinary.uploader
import pytest
from cloudinary.provisioning import account as provisioning  # before call_account_api (the SDK's import cycle)
from cloudinary.api_client.call_account_api import _call_account_api
from cloudinary.exceptions import AuthorizationRequired, BadRequest, NotAllowed, NotFound

from tests.helpers.images import RED, decode, near, pixel
from tests.helpers.pg import postgres_schema
from tests.helpers.servers import EdgeNode, fetch, redis_key_prefix

ACCOUNT, PKEY, PSECRET = "acct42", "prov-key-1", "prov-secret-Zq8LmT3"
SECRET_KEY = "edge-secret-key-for-tests-4f1a9c"
ADMIN_EMAIL, ADMIN_PASSWORD = "root@example.com", "first-admin-Pw-77x"
RED_PNG: bytes


@pytest.fixture(scope="module", autouse=True)
def red_png() -> None:
    import pyvips

    global RED_PNG
    RED_PNG = (pyvips.Image.black(64, 48) + list(RED)).cast("uchar").copy(interpretation="srgb").pngsave_buffer()


class Deployment:
    def __init__(self, nodes: list[EdgeNode], database_url: str | None, secrets_seen: list[str]) -> None:
        self.nodes = nodes
        self.database_url = database_url
        self.secrets = secrets_seen  # every secret handed out: none may appear in a log or in the catalog

    def prov(self, node: EdgeNode, **extra: object) -> dict[str, object]:
        return {"upload_prefix": node.base, "account_id": ACCOUNT, "provisioning_api_key": PKEY,
                "provisioning_api_secret": PSECRET, **extra}

    def new_environment(self, node: EdgeNode, name: str, **params: object) -> dict:
        env = provisioning.create_sub_account(name, **params, **self.prov(node))
        self.secrets.extend(k["secret"] for k in env["api_access_keys"])
        return env

    def environment_with_an_upload(self, name: str, cloud: str, public_id: str) -> tuple[dict, dict]:
        """A new environment made on the first node, its key taking uploads on the second within a
        second, and `public_id` uploaded there: (the environment, its key)."""
        a, b = self.nodes
        env = self.new_environment(a, name, cloud_name=cloud)
        key = env["api_access_keys"][0]
        within(1.0, lambda: uploads(b, cloud, key["key"], key["secret"]))
        upload(b, cloud, key["key"], key["secret"], public_id)
        return env, key


def _environ(tmp: Path, **extra: str) -> dict[str, str]:
    return {
        "CLOUDINARY_ACCOUNT_URL": f"account://{PKEY}:{PSECRET}@{ACCOUNT}",
        "EDGE_SECRET_KEY": SECRET_KEY,
        "EDGE_STORAGE_URL": f"file://{tmp / 'storage'}",
        "EDGE_STORAGE_REVALIDATE_SECONDS": "0",
        "EDGE_RENDER_WORKERS": "1",
        **extra,
    }


@pytest.fixture(scope="module")
def cluster(redis_server: str, tmp_path_factory) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp("provisioning")
    with postgres_schema() as database_url, redis_key_prefix(redis_server) as prefix:
        environ = _environ(tmp, EDGE_DATABASE_URL=database_url, EDGE_REDIS_URL=redis_server,
                           EDGE_REDIS_KEY_PREFIX=prefix, EDGE_ADMIN_EMAIL=ADMIN_EMAIL, EDGE_ADMIN_PASSWORD=ADMIN_PASSWORD)
        nodes = [EdgeNode(tmp / f"node{i}", environ) for i in range(2)]
        try:
            yield Deployment([n.wait_ready() for n in nodes], database_url, [PSECRET, SECRET_KEY, ADMIN_PASSWORD])
        finally:
            for node in nodes:
                node.stop()


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> Iterator[Deployment]:
    """One node, two worker processes, SQLite, no Redis: changes travel by the version check."""
    tmp = tmp_path_factory.mktemp("provisioning-sqlite")
    environ = _environ(tmp, EDGE_DATABASE_URL=f"sqlite:///{tmp}/edge.db")
    node = EdgeNode(tmp / "node", environ, workers=2)
    try:
        yield Deployment([node.wait_ready()], None, [PSECRET, SECRET_KEY])
    finally:
        node.stop()


def within(seconds: float, check: Callable[[], bool]) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        time.sleep(0.02)
    return time.monotonic() - started


def upload(node: EdgeNode, cloud: str, key: str, secret: str, public_id: str) -> dict:
    return cloudinary.uploader.upload(RED_PNG, public_id=public_id, cloud_name=cloud, api_key=key, api_secret=secret,
                                      upload_prefix=node.base)


def uploads(node: EdgeNode, cloud: str, key: str, secret: str) -> bool:
    try:
        upload(node, cloud, key, secret, f"probe{time.monotonic_ns()}")
        return True
    except (AuthorizationRequired, NotFound, cloudinary.exceptions.Error):
        return False


def pings(node: EdgeNode, cloud: str, key: str, secret: str) -> int:
    request = urllib.request.Request(
        f"{node.base}/v1_1/{cloud}/ping",
        headers={"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


# -- the two-node deployment (PostgreSQL + Redis) ------------------------------------------------

def test_a_new_environment_takes_uploads_at_once_on_the_other_node(cluster: Deployment):
    a, b = cluster.nodes
    env = cluster.new_environment(a, "Shop Europe", cloud_name="shop_eu", custom_attributes={"team": "web"})
    assert env["cloud_name"] == "shop_eu" and env["enabled"] is True and env["custom_attributes"] == {"team": "web"}
    key = env["api_access_keys"][0]
    elapsed = within(1.0, lambda: uploads(b, "shop_eu", key["key"], key["secret"]))
    result = upload(b, "shop_eu", key["key"], key["secret"], "red")
    assert result["public_id"] == "red", elapsed
    status, _, body = a.get("/shop_eu/image/upload/w_20/red.png")
    assert status == 200 and near(pixel(decode(body), 10, 10), RED)
    listed = provisioning.sub_accounts(prefix="shop", **cluster.prov(b))["sub_accounts"]
    assert [e["id"] for e in listed] == [env["id"]]
    everything = provisioning.sub_accounts(**cluster.prov(b))["sub_accounts"]
    assert {"env-demo": "environment", env["id"]: "catalog"}.items() <= {e["id"]: e["configured_by"] for e in everything}.items()
    assert provisioning.sub_account(env["id"], **cluster.prov(b))["name"] == "Shop Europe"


def test_keys_are_created_disabled_and_deleted_on_both_nodes_within_a_second(cluster: Deployment):
    a, b = cluster.nodes
    env = cluster.new_environment(a, "Keys", cloud_name="keys_env")
    made = provisioning.generate_access_key(env["id"], name="ci", **cluster.prov(a))
    cluster.secrets.append(made["api_secret"])
    assert made["name"] == "ci" and made["enabled"] is True
    for node in (a, b):
        within(1.0, lambda node=node: pings(node, "keys_env", made["api_key"], made["api_secret"]) == 200)
    provisioning.update_access_key(env["id"], made["api_key"], enabled=False, **cluster.prov(b))
    for node in (a, b):
        within(1.0, lambda node=node: pings(node, "keys_env", made["api_key"], made["api_secret"]) == 401)
    provisioning.update_access_key(env["id"], made["api_key"], enabled=True, **cluster.prov(b))
    for node in (a, b):
        within(1.0, lambda node=node: pings(node, "keys_env", made["api_key"], made["api_secret"]) == 200)
    listed = provisioning.access_keys(env["id"], sort_by="name", sort_order="asc", **cluster.prov(a))
    assert listed["total"] == 2 and [k["name"] for k in listed["access_keys"]] == ["", "ci"]
    assert len(provisioning.access_keys(env["id"], page_size=1, page=2, **cluster.prov(a))["access_keys"]) == 1
    provisioning.delete_access_key(env["id"], name="ci", **cluster.prov(a))
    for node in (a, b):
        within(1.0, lambda node=node: pings(node, "keys_env", made["api_key"], made["api_secret"]) == 401)
    with pytest.raises(NotFound):
        provisioning.delete_access_key(env["id"], made["api_key"], **cluster.prov(a))


def test_a_key_limited_to_upload_uploads_but_may_not_delete(cluster: Deployment):
    a, b = cluster.nodes
    env = cluster.new_environment(a, "Limited", cloud_name="limited")
    # `permissions` is edge's field (docs/provisioning.md): sent as the SDK sends every parameter.
    made = _call_account_api("post", ["sub_accounts", env["id"], "access_keys"],
                             {"name": "uploader", "permissions": ["upload"]}, **cluster.prov(a))
    cluster.secrets.append(made["api_secret"])
    assert made["permissions"] == ["upload"]
    within(1.0, lambda: uploads(b, "limited", made["api_key"], made["api_secret"]))
    with pytest.raises(NotAllowed, match="delete_resources"):
        cloudinary.api.delete_resources(["red"], cloud_name="limited", api_key=made["api_key"],
                                        api_secret=made["api_secret"], upload_prefix=b.base)
    full = env["api_access_keys"][0]
    cloudinary.api.delete_resources(["red"], cloud_name="limited", api_key=full["key"], api_secret=full["secret"],
                                    upload_prefix=b.base)
    log = cloudinary.api.call_api("get", ["audit_log"], {}, cloud_name="limited", api_key=full["key"],
                                  api_secret=full["secret"], upload_prefix=a.base)["entries"]
    # Newest first: the refused call left no entry; the upload by the limited key did.
    assert [(e["action"], e["actor"]) for e in log][:1] == [("delete_resources", f"key:{full['key']}")]
    assert log[0]["details"].get("public_ids") == ["red"] and log[0]["target"] == "red", log[0]
    assert ("upload", f"key:{made['api_key']}") in {(e["action"], e["actor"]) for e in log}


def test_a_disabled_environment_is_refused_everywhere_and_deleting_needs_its_assets_gone(cluster: Deployment):
    a, b = cluster.nodes
    env, key = cluster.environment_with_an_upload("Seasonal", "seasonal", "red")
    assert a.get("/seasonal/image/upload/red.png")[0] == 200
    provisioning.update_sub_account(env["id"], enabled=False, **cluster.prov(a))
    for node in (a, b):
        within(1.0, lambda node=node: node.get("/seasonal/image/upload/w_30/red.png")[0] == 404)
        assert pings(node, "seasonal", key["key"], key["secret"]) in (401, 404)
        assert not uploads(node, "seasonal", key["key"], key["secret"])
    with pytest.raises(BadRequest, match="holds"):
        provisioning.delete_sub_account(env["id"], **cluster.prov(a))
    status, _, _ = _raw(a, "DELETE", f"sub_accounts/{env['id']}?delete_assets=true")
    assert status == 200
    with pytest.raises(NotFound):
        provisioning.sub_account(env["id"], **cluster.prov(b))


def test_a_base_environment_s_presets_named_transformations_and_metadata_fields_are_copied(cluster: Deployment):
    a, b = cluster.nodes
    base = cluster.new_environment(a, "Base", cloud_name="base_env")
    key = base["api_access_keys"][0]
    creds = {"cloud_name": "base_env", "api_key": key["key"], "api_secret": key["secret"], "upload_prefix": a.base}
    within(1.0, lambda: pings(a, "base_env", key["key"], key["secret"]) == 200)
    cloudinary.api.create_upload_preset(name="thumbs", unsigned=True, tags="t", **creds)
    cloudinary.api.create_transformation("small", "w_10", **creds)
    cloudinary.api.add_metadata_field({"type": "string", "external_id": "sku", "label": "SKU"}, **creds)
    assert [f["external_id"] for f in cloudinary.api.list_metadata_fields(**creds)["metadata_fields"]] == ["sku"]
    copy = cluster.new_environment(b, "Copy", cloud_name="copy_env", base_account=base["id"])
    ck = copy["api_access_keys"][0]
    copied = {"cloud_name": "copy_env", "api_key": ck["key"], "api_secret": ck["secret"], "upload_prefix": a.base}
    within(1.0, lambda: pings(a, "copy_env", ck["key"], ck["secret"]) == 200)
    assert [p["name"] for p in cloudinary.api.upload_presets(**copied)["presets"]] == ["thumbs"]
    assert [t["name"] for t in cloudinary.api.transformations(**copied)["transformations"]] == ["t_small"]
    assert [f["external_id"] for f in cloudinary.api.list_metadata_fields(**copied)["metadata_fields"]] == ["sku"]


def test_users_and_groups(cluster: Deployment):
    a, b = cluster.nodes
    env = cluster.new_environment(a, "People", cloud_name="people_env")
    user = provisioning.create_user("Jo Smith", "Jo@Example.com", provisioning.Role.ADMIN,
                                    sub_account_ids=[env["id"]], **cluster.prov(a))
    assert user["email"] == "jo@example.com" and user["pending"] is True and user["sub_account_ids"] == [env["id"]]
    other = provisioning.create_user("Al", "al@example.com", "media_library_user", **cluster.prov(a))
    with pytest.raises(cloudinary.exceptions.Error):  # the same email twice
        provisioning.create_user("Jo", "jo@example.com", "admin", **cluster.prov(a))
    with pytest.raises(BadRequest, match="role"):
        provisioning.create_user("X", "x@example.com", "emperor", **cluster.prov(a))
    assert [u["id"] for u in provisioning.users(prefix="jo", **cluster.prov(b))["users"]] == [user["id"]]
    # Al was given no environment: he has them all (all_sub_accounts), so he is listed too.
    in_env = {u["id"] for u in provisioning.users(sub_account_id=env["id"], **cluster.prov(b))["users"]}
    [admin] = provisioning.users(prefix="root@", **cluster.prov(b))["users"]  # EDGE_ADMIN_EMAIL's, made once
    assert in_env == {user["id"], other["id"], admin["id"]} and other["all_sub_accounts"] is True
    assert {u["id"] for u in provisioning.users(user_ids=[user["id"], other["id"]], **cluster.prov(b))["users"]} == {
        user["id"], other["id"]}
    assert provisioning.users(status="pending", last_login=True, **cluster.prov(b))["users"] == []
    updated = provisioning.update_user(user["id"], role="technical_admin", name="Jo S.", **cluster.prov(b))
    assert updated["role"] == "technical_admin" and provisioning.user(user["id"], **cluster.prov(a))["name"] == "Jo S."
    group = provisioning.create_user_group("Editors", **cluster.prov(a))
    assert provisioning.update_user_group(group["id"], "Editors EU", **cluster.prov(b))["name"] == "Editors EU"
    provisioning.add_user_to_group(group["id"], user["id"], **cluster.prov(a))
    members = provisioning.add_user_to_group(group["id"], other["id"], **cluster.prov(a))["users"]
    assert {m["id"] for m in members} == {user["id"], other["id"]}
    assert [g["name"] for g in provisioning.user_in_user_groups(user["id"], **cluster.prov(b))["user_groups"]] == ["Editors EU"]
    provisioning.remove_user_from_group(group["id"], other["id"], **cluster.prov(b))
    assert [m["id"] for m in provisioning.user_group_users(group["id"], **cluster.prov(a))["users"]] == [user["id"]]
    assert provisioning.user_group(group["id"], **cluster.prov(a))["name"] == "Editors EU"
    assert "Editors EU" in [g["name"] for g in provisioning.user_groups(**cluster.prov(a))["user_groups"]]
    provisioning.delete_user(other["id"], **cluster.prov(b))
    with pytest.raises(NotFound):
        provisioning.user(other["id"], **cluster.prov(a))
    provisioning.delete_user_group(group["id"], **cluster.prov(a))
    with pytest.raises(NotFound):
        provisioning.user_group(group["id"], **cluster.prov(b))


def test_the_first_administrator_is_made_once_by_two_nodes_starting_together(cluster: Deployment):
    admins = provisioning.users(prefix="root@", **cluster.prov(cluster.nodes[0]))["users"]
    assert [(u["email"], u["role"], u["status"]) for u in admins] == [(ADMIN_EMAIL, "master_admin", "active")]


class Receiver:
    """A webhook receiver on a free loopback port: keeps each POST's headers and body."""

    def __init__(self) -> None:
        import http.server
        import threading

        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_a_key_dedicated_for_webhooks_signs_the_notifications(cluster: Deployment):
    import hashlib

    a, b = cluster.nodes
    env = cluster.new_environment(a, "Hooks", cloud_name="hooks_env")
    caller = env["api_access_keys"][0]
    hooks = provisioning.generate_access_key(env["id"], name="webhooks", **cluster.prov(a))
    cluster.secrets.append(hooks["api_secret"])
    updated = provisioning.update_access_key(env["id"], hooks["api_key"], dedicated_for="webhooks", **cluster.prov(b))
    assert updated["dedicated_for"] == ["webhooks"]
    receiver = Receiver()
    try:
        within(1.0, lambda: uploads(b, "hooks_env", caller["key"], caller["secret"]))
        cloudinary.uploader.upload(RED_PNG, public_id="hooked", notification_url=receiver.url, cloud_name="hooks_env",
                                   api_key=caller["key"], api_secret=caller["secret"], upload_prefix=b.base)
        within(5.0, lambda: any(json.loads(body).get("public_id") == "hooked" for _, body in receiver.received))
    finally:
        receiver.server.shutdown()
    headers, body = next((h, body) for h, body in receiver.received if json.loads(body).get("public_id") == "hooked")
    expected = hashlib.sha1(body + headers["X-Cld-Timestamp"].encode() + hooks["api_secret"].encode()).hexdigest()
    assert headers["X-Cld-Signature"] == expected  # the dedicated key's secret, not the caller's


def _raw(node: EdgeNode, method: str, path: str, key: str = PKEY, secret: str = PSECRET,
         account: str = ACCOUNT) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(f"{node.base}/v1_1/provisioning/accounts/{account}/{path}", method=method)
    if key:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.parametrize("path", ["sub_accounts", "users", "user_groups", "sub_accounts/env-demo/access_keys"])
def test_every_call_is_refused_without_provisioning_credentials(cluster: Deployment, path: str):
    a, _ = cluster.nodes
    assert _raw(a, "GET", path)[0] == 200
    demo_key = ("key", "secret")  # an environment's ordinary key (CLOUDINARY_URL of tests/servers.py)
    for status, headers, _ in (_raw(a, "GET", path, key=""), _raw(a, "GET", path, secret="wrong"),
                               _raw(a, "GET", path, account="someone-else"), _raw(a, "GET", path, *demo_key),
                               _raw(a, "POST", path, *demo_key)):
        assert status == 401 and headers["X-Cld-Error"]
    with pytest.raises(AuthorizationRequired):
        provisioning.sub_accounts(**cluster.prov(a, account_id="wrong"))


def test_more_provisioning_keys_are_made_through_the_api_and_live_on_both_nodes(cluster: Deployment):
    a, b = cluster.nodes
    made = _call_account_api("post", ["access_keys"], {"name": "automation"}, **cluster.prov(a))
    cluster.secrets.append(made["api_secret"])
    theirs = {"provisioning_api_key": made["api_key"], "provisioning_api_secret": made["api_secret"]}
    for node in (a, b):
        within(1.0, lambda node=node: _raw(node, "GET", "users", made["api_key"], made["api_secret"])[0] == 200)
    env = provisioning.create_sub_account("Made by automation", cloud_name="automated", **cluster.prov(b, **theirs))
    cluster.secrets.extend(k["secret"] for k in env["api_access_keys"])
    listed = _call_account_api("get", ["access_keys"], {}, **cluster.prov(b))
    assert [k["name"] for k in listed["access_keys"]] == ["automation"]
    _call_account_api("put", ["access_keys", made["api_key"]], {"enabled": False}, **cluster.prov(b))
    for node in (a, b):
        within(1.0, lambda node=node: _raw(node, "GET", "users", made["api_key"], made["api_secret"])[0] == 401)
    _call_account_api("delete", ["access_keys"], {"name": "automation"}, **cluster.prov(a))
    assert _call_account_api("get", ["access_keys"], {}, **cluster.prov(b))["access_keys"] == []
    env_key = env["api_access_keys"][0]  # an environment's key is no provisioning key
    assert _raw(a, "GET", "users", env_key["key"], env_key["secret"])[0] == 401


def test_audit_log_records_who_what_and_from_where_without_secrets(cluster: Deployment):
    a, b = cluster.nodes
    env, key = cluster.environment_with_an_upload("Audited", "audited", "logged")
    cloudinary.api.create_upload_preset(name="audited_preset", cloud_name="audited", api_key=key["key"],
                                        api_secret=key["secret"], upload_prefix=b.base)
    cloudinary.uploader.destroy("logged", cloud_name="audited", api_key=key["key"], api_secret=key["secret"],
                                upload_prefix=a.base)
    log = cloudinary.api.call_api("get", ["audit_log"], {"action": "destroy"}, cloud_name="audited", api_key=key["key"],
                                  api_secret=key["secret"], upload_prefix=a.base)
    [entry] = log["entries"]
    assert entry["actor"] == f"key:{key['key']}" and entry["target"] == "logged" and entry["client_ip"] == "127.0.0.1"
    presets = cloudinary.api.call_api("get", ["audit_log"], {"action": "create_upload_preset"}, cloud_name="audited",
                                      api_key=key["key"], api_secret=key["secret"], upload_prefix=b.base)["entries"]
    assert [(e["target"], e["actor"]) for e in presets] == [("audited_preset", f"key:{key['key']}")]
    everything = json.loads(_raw(b, "GET", "audit_log?max_results=500")[2])["entries"]
    actions = {(e["action"], e["actor"]) for e in everything}
    assert ("create_sub_account", f"provisioning:{PKEY}") in actions and ("upload", f"key:{key['key']}") in actions
    text = json.dumps(everything)
    assert not [s for s in cluster.secrets if s in text]


def test_secrets_are_never_in_the_logs_nor_in_the_catalog_in_clear(cluster: Deployment):
    assert len(cluster.secrets) > 5  # the tests above ran first and handed out keys
    for node in cluster.nodes:
        text = node.logfile.read_text()
        assert not [s for s in cluster.secrets if s in text]

    async def dump() -> str:
        base, _, schema = cluster.database_url.partition("?search_path=")
        connection = await asyncpg.connect(base, server_settings={"search_path": schema})
        try:
            rows = [*await connection.fetch("SELECT * FROM api_keys"), *await connection.fetch("SELECT * FROM users"),
                    *await connection.fetch("SELECT * FROM audit_log")]
        finally:
            await connection.close()
        return json.dumps([dict(r) for r in rows], default=str)

    stored = asyncio.run(dump())
    assert "api_key" not in stored or stored  # the rows were read
    assert not [s for s in cluster.secrets if s in stored]


# -- one node, two workers, SQLite, no Redis ------------------------------------------------------

def test_without_redis_every_worker_sees_changes_within_a_second(single: Deployment):
    [node] = single.nodes
    env = single.new_environment(node, "Solo", cloud_name="solo")
    key = env["api_access_keys"][0]
    # Requests are spread over both workers by the kernel: several in a row must all succeed.
    within(1.0, lambda: all(pings(node, "solo", key["key"], key["secret"]) == 200 for _ in range(8)))
    assert uploads(node, "solo", key["key"], key["secret"])
    made = provisioning.generate_access_key(env["id"], name="second", **single.prov(node))
    single.secrets.append(made["api_secret"])
    within(1.0, lambda: all(pings(node, "solo", made["api_key"], made["api_secret"]) == 200 for _ in range(8)))
    provisioning.update_access_key(env["id"], made["api_key"], enabled=False, **single.prov(node))
    within(1.0, lambda: all(pings(node, "solo", made["api_key"], made["api_secret"]) == 401 for _ in range(8)))
    provisioning.delete_access_key(env["id"], made["api_key"], **single.prov(node))
    provisioning.update_sub_account(env["id"], enabled=False, **single.prov(node))
    within(1.0, lambda: all(node.get("/solo/image/upload/w_5/red.png")[0] == 404 for _ in range(8)))
    text = node.logfile.read_text()
    assert not [s for s in single.secrets if s in text]
    assert fetch(node.base + "/readyz")[0] == 200


def _cli(deployment_dir: Path, *args: str, stdin: str = "") -> str:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGE_") and k != "CLOUDINARY_URL"}
    env.update(CLOUDINARY_URL="cloudinary://key:secret@demo", EDGE_SECRET_KEY=SECRET_KEY,
               EDGE_DATABASE_URL=f"sqlite:///{deployment_dir}/edge.db")
    done = subprocess.run([sys.executable, "-m", "edge", *args], env=env, capture_output=True, text=True, input=stdin,
                          timeout=60, cwd=deployment_dir)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_cli_changes_the_catalog_and_running_workers_follow_within_a_second(single: Deployment):
    [node] = single.nodes
    where = node.logfile.parent.parent  # the deployment's folder holds edge.db
    created = _cli(where, "envs", "create", "cli_env", "--name", "From the CLI").splitlines()
    url = created[-1]
    key, secret = url.removeprefix("cloudinary://").split("@")[0].split(":")
    single.secrets.append(secret)
    within(1.0, lambda: all(pings(node, "cli_env", key, secret) == 200 for _ in range(8)))
    limited_url = _cli(where, "keys", "new", "--cloud", "cli_env", "--name", "ci", "--permissions", "upload").strip()
    limited_key, limited_secret = limited_url.removeprefix("cloudinary://").split("@")[0].split(":")
    single.secrets.append(limited_secret)
    # Known on both workers (a ping is refused for lacking the permission, not as unknown)...
    within(1.0, lambda: all(pings(node, "cli_env", limited_key, limited_secret) == 403 for _ in range(8)))
    assert all(uploads(node, "cli_env", limited_key, limited_secret) for _ in range(2))  # ...and uploads
    assert limited_key in _cli(where, "keys", "list", "--cloud", "cli_env")
    _cli(where, "keys", "disable", limited_key, "--cloud", "cli_env")
    within(1.0, lambda: all(pings(node, "cli_env", limited_key, limited_secret) == 401 for _ in range(8)))
    _cli(where, "keys", "delete", limited_key, "--cloud", "cli_env")
    _cli(where, "users", "create", "--email", "ops@example.com", "--name", "Ops", "--role", "technical_admin",
         "--password-stdin", stdin="a-long-password\n")
    _cli(where, "users", "set-role", "ops@example.com", "reports")
    assert "ops@example.com" in _cli(where, "users", "list") and "reports" in _cli(where, "users", "list")
    printed = _cli(where, "users", "reset-password", "ops@example.com")
    assert "one-time password" in printed
    _cli(where, "envs", "disable", "cli_env")
    within(1.0, lambda: all(pings(node, "cli_env", key, secret) == 404 for _ in range(8)))
    assert "disabled" in _cli(where, "envs", "list")
    import sqlite3

    with sqlite3.connect(where / "edge.db") as db:  # the catalog, read as it is stored
        stored = json.dumps([db.execute(f"SELECT * FROM {t}").fetchall() for t in ("api_keys", "users", "audit_log")])
    assert secret[:6] and not [s for s in single.secrets if s in stored]
    assert "a-long-password" not in stored
