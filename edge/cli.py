"""`edge upload`, `edge import`: a small client of a running edge's Upload API; `edge envs|keys|users`:
the account, straight in the catalog (for bootstrapping and recovery).

Requests are signed exactly as the SDK signs them, with the CLOUDINARY_URL credentials.
`import` is concurrent and resumable: it first lists what the server already has and skips
every file whose MD5 equals the stored etag, so a rerun after an interruption only sends
what is missing or changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from edge.signing import ApiKey, api_signature, new_key_pair, parse_cloudinary_url

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".heic", ".tif", ".tiff"}


@dataclass(frozen=True, slots=True)
class Target:
    base_url: str
    key: ApiKey


def keys_new(cloud: str) -> str:
    key, secret = new_key_pair()
    return f"cloudinary://{key}:{secret}@{cloud}"


def target(base_url: str, cloudinary_url: str) -> Target:
    return Target(base_url.rstrip("/"), parse_cloudinary_url(cloudinary_url))


async def upload_one(session: aiohttp.ClientSession, to: Target, path: Path, params: dict[str, str]) -> dict[str, Any]:
    params = {k: v for k, v in params.items() if v} | {"timestamp": str(int(time.time()))}
    params["signature"] = api_signature(params, to.key.secret)
    params["api_key"] = to.key.key
    form = aiohttp.FormData(params)
    form.add_field("file", path.read_bytes(), filename=path.name)
    async with session.post(f"{to.base_url}/v1_1/{to.key.cloud}/image/upload", data=form) as response:
        body = await response.json(content_type=None)
        if "error" in body:
            raise RuntimeError(f"{path}: {response.status} {body['error']['message']}")
        return body


async def existing_etags(session: aiohttp.ClientSession, to: Target, prefix: str) -> dict[str, str]:
    auth = aiohttp.BasicAuth(to.key.key, to.key.secret)
    found: dict[str, str] = {}
    cursor = ""
    while True:
        query = {"prefix": prefix, "max_results": "500", **({"next_cursor": cursor} if cursor else {})}
        async with session.get(f"{to.base_url}/v1_1/{to.key.cloud}/resources/image/upload", params=query, auth=auth) as response:
            body = await response.json(content_type=None)
            if "error" in body:
                raise RuntimeError(f"listing: {response.status} {body['error']['message']}")
        found.update({r["public_id"]: r["etag"] for r in body["resources"]})
        cursor = body.get("next_cursor", "")
        if not cursor:
            return found


def public_id_for(root: Path, path: Path, folder: str) -> str:
    relative = path.relative_to(root).with_suffix("").as_posix()
    return f"{folder.strip('/')}/{relative}" if folder.strip("/") else relative


def _images(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                  and not any(part.startswith(".") for part in p.relative_to(root).parts))


class Progress:
    def __init__(self, total: int, out: Any = sys.stderr) -> None:
        self.total, self.done, self.out = total, 0, out

    def step(self) -> None:
        self.done += 1
        width = 30
        filled = width * self.done // max(self.total, 1)
        self.out.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {self.done}/{self.total}")
        if self.done == self.total:
            self.out.write("\n")
        self.out.flush()


async def upload_files(to: Target, paths: Iterable[Path], folder: str, tags: str) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as session:
        return [
            await upload_one(session, to, path, {"public_id": path.stem, "folder": folder, "tags": tags, "overwrite": "1"})
            for path in paths
        ]


async def import_dir(to: Target, root: Path, folder: str = "", tags: str = "", concurrency: int = 8) -> tuple[int, int]:
    """(uploaded, skipped). Public ids mirror the folder layout."""
    files = _images(root)
    async with aiohttp.ClientSession() as session:
        have = await existing_etags(session, to, folder.strip("/") + "/" if folder.strip("/") else "")
        todo = []
        for path in files:
            public_id = public_id_for(root, path, folder)
            if have.get(public_id) != hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest():
                todo.append((path, public_id))
        progress = Progress(len(todo))
        gate = asyncio.Semaphore(concurrency)

        async def one(path: Path, public_id: str) -> None:
            async with gate:
                await upload_one(session, to, path, {"public_id": public_id, "tags": tags, "overwrite": "1"})
            progress.step()

        await asyncio.gather(*(one(p, i) for p, i in todo))
    return len(todo), len(files) - len(todo)


# -- `edge envs|keys|users`: the account, straight in the catalog (bootstrap and recovery) -----------

def add_account_commands(sub: Any) -> None:
    envs = sub.add_parser("envs", help="product environments (in the catalog)")
    envs.add_argument("action", choices=["list", "create", "disable", "enable"])
    envs.add_argument("cloud", nargs="?", help="cloud name (create: the new one's; default: made from --name)")
    envs.add_argument("--name", help="display name (create)")
    envs.add_argument("--base", help="cloud whose upload presets and named transformations are copied (create)")
    keys = sub.add_parser("keys", help="API keys of a product environment")
    keys.add_argument("action", choices=["list", "new", "disable", "enable", "delete"])
    keys.add_argument("api_key", nargs="?", help="the key (disable, enable, delete)")
    keys.add_argument("--cloud", help="cloud name (default: the CLOUDINARY_URL's)")
    keys.add_argument("--name", default="", help="the new key's name")
    keys.add_argument("--permissions", help="methods the new key may call, comma-separated (default: all)")
    users = sub.add_parser("users", help="console users")
    users.add_argument("action", choices=["list", "create", "set-role", "reset-password"])
    users.add_argument("email_arg", nargs="?", metavar="EMAIL", help="the user (set-role, reset-password)")
    users.add_argument("role_arg", nargs="?", metavar="ROLE", help="the new role (set-role)")
    users.add_argument("--email")
    users.add_argument("--name")
    users.add_argument("--role")
    users.add_argument("--password-stdin", action="store_true", help="read the password from stdin (else one is made)")
    for parser in (envs, keys, users):
        parser.add_argument("--config", type=Path)


def run_account_command(args: Any, settings: Any) -> int:
    from edge.errors import EdgeError

    try:
        for line in asyncio.run(_account_command(args, settings)):
            print(line)
    except EdgeError as exc:
        print(f"edge {args.command}: {exc.public_message}", file=sys.stderr)
        return 1
    return 0


async def _account_command(args: Any, settings: Any) -> list[str]:
    from edge.catalog.store import open_catalog
    from edge.services.accounts_setup import open_accounts

    catalog = await open_catalog(settings.database.url.reveal())
    try:
        configured = _configured(settings)
        accounts = await open_accounts(catalog, settings.accounts, configured, database_url=settings.database.url.reveal())
        handler = {"envs": _envs, "keys": _keys, "users": _users}[args.command]
        lines, changed = await handler(accounts, args, settings)
        if changed:
            who = f"cli:{os.environ.get('USER', '?')}"
            await accounts.audit.record(changed[0], who, changed[1], "local", changed[2])
            await _announce(settings)
        return lines
    finally:
        await catalog.close()


def _configured(settings: Any) -> Any:
    """The keyring of CLOUDINARY_URL and EDGE_API_KEYS (listed, never changed, by these commands)."""
    from edge.signing import Keyring, parse_cloudinary_url

    return Keyring(parse_cloudinary_url(url.reveal()) for url in (settings.cloud.url, *settings.api.keys))


async def _envs(accounts: Any, args: Any, settings: Any) -> tuple[list[str], tuple | None]:
    envs = accounts.environments
    if args.action == "list":
        rows = (await envs.list({}))["sub_accounts"]
        return [f"{e['id']:<18} {e['cloud_name']:<24} {'enabled' if e['enabled'] else 'disabled':<9} "
                f"{e['configured_by']:<12} {e['name']}" for e in rows], None
    if args.action == "create":
        params = {"name": args.name or args.cloud, "cloud_name": args.cloud}
        if args.base:
            params["base_sub_account_id"] = (await envs.by_cloud(args.base)).id
        env = await envs.create(params)
        key = env["api_access_keys"][0]
        url = f"cloudinary://{key['key']}:{key['secret']}@{env['cloud_name']}"
        return [f"created {env['cloud_name']} ({env['id']})", url], ("", "create_sub_account", {"id": env["id"], "cloud_name": env["cloud_name"]})
    env = await envs.by_cloud(args.cloud or "")
    await envs.update(env.id, {"enabled": args.action == "enable"})
    return [f"{env.cloud_name}: {args.action}d"], ("", "update_sub_account", {"id": env.id, "enabled": args.action == "enable"})


async def _keys(accounts: Any, args: Any, settings: Any) -> tuple[list[str], tuple | None]:
    cloud = args.cloud or settings.cloud.name
    env = await accounts.environments.by_cloud(cloud)
    envs = accounts.environments
    if args.action == "list":
        rows = (await envs.keys(env.id, {"sort_order": "asc"}))["access_keys"]
        return [f"{k['api_key']:<18} {'enabled' if k['enabled'] else 'disabled':<9} {k['configured_by']:<12} "
                f"{','.join(k['permissions']) if k['permissions'] else 'all'} {k['name']}" for k in rows], None
    if args.action == "new":
        made = await envs.generate_key(env.id, {"name": args.name, "permissions": args.permissions})
        return [f"cloudinary://{made['api_key']}:{made['api_secret']}@{cloud}"], (
            cloud, "generate_access_key", {"api_key": made["api_key"], "name": args.name})
    if not args.api_key:
        raise_usage("edge keys: name the API key")
    if args.action == "delete":
        await envs.delete_key(env.id, args.api_key, {})
        return [f"deleted {args.api_key}"], (cloud, "delete_access_key", {"api_key": args.api_key})
    await envs.update_key(env.id, args.api_key, {"enabled": args.action == "enable"})
    return [f"{args.api_key}: {args.action}d"], (cloud, "update_access_key", {"api_key": args.api_key})


async def _users(accounts: Any, args: Any, settings: Any) -> tuple[list[str], tuple | None]:
    users = accounts.users
    if args.action == "list":
        rows = (await users.list({}))["users"]
        return [f"{u['email']:<32} {u['role']:<20} {u['status']:<9} {u['last_login'] or '-':<21} {u['name']}"
                for u in rows], None
    if args.action == "create":
        password = _stdin_password() if args.password_stdin else None
        made = await users.create({"email": args.email, "name": args.name, "role": args.role})
        chosen = await users.set_password(made["id"], password)
        lines = [f"created {made['email']} ({made['role']})"]
        if password is None:
            lines.append(f"one-time password (shown once): {chosen}")
        return lines, ("", "create_user", {"id": made["id"], "email": made["email"], "role": made["role"]})
    user = await users.by_email(args.email_arg or args.email or "")
    if args.action == "set-role":
        updated = await users.update(user.id, {"role": args.role_arg or args.role})
        return [f"{updated['email']}: {updated['role']}"], ("", "update_user", {"id": user.id, "role": updated["role"]})
    password = _stdin_password() if args.password_stdin else None
    chosen = await users.set_password(user.id, password)
    lines = [f"{user.email}: password set"] + ([f"one-time password (shown once): {chosen}"] if password is None else [])
    return lines, ("", "reset_password", {"id": user.id, "email": user.email})


def _stdin_password() -> str:
    return sys.stdin.readline().rstrip("\n")


def raise_usage(message: str) -> None:
    from edge.errors import InvalidParameter

    raise InvalidParameter(message)


async def _announce(settings: Any) -> None:
    """Running nodes reload at once through Redis (else within EDGE_ACCOUNTS_REFRESH_SECONDS)."""
    url = settings.redis.url.reveal()
    if not url:
        return
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url, socket_timeout=settings.redis.socket_timeout_seconds)
    try:
        await client.publish(f"{settings.redis.key_prefix}accounts", "cli")
    except (OSError, aioredis.RedisError):
        pass  # the change counter still carries it
    finally:
        await client.aclose()


async def sample_admin(settings: Any) -> str | None:
    """`edge serve --samples` with no user and no EDGE_ADMIN_*: (email, one-time password) to print once."""
    from edge.catalog.store import open_catalog
    from edge.services.accounts_setup import open_accounts
    from edge.services.accounts_setup import sample_admin as make

    if settings.accounts.admin_email:
        return None
    catalog = await open_catalog(settings.database.url.reveal())
    try:
        configured = _configured(settings)
        accounts = await open_accounts(catalog, settings.accounts, configured, database_url=settings.database.url.reveal())
        return await make(accounts.users)
    finally:
        await catalog.close()
