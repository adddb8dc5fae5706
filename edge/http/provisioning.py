"""The Provisioning API under /v1_1/provisioning/accounts/<account_id>/ as `cloudinary.provisioning`
calls it: HTTP Basic with the provisioning key of CLOUDINARY_ACCOUNT_URL; JSON bodies.
docs/provisioning.md lists the routes and edge's own fields."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from edge.http.api_body import read_params
from edge.http.keys import SETTINGS
from edge.services.accounts_live import API_CALL
from edge.services.accounts_setup import AccountServices

ACCOUNTS = web.AppKey("accounts", AccountServices)
PREFIX = "/v1_1/provisioning/accounts/{account_id}/"

Call = Callable[[AccountServices, dict[str, Any], web.Request], Awaitable[dict[str, Any]]]


def _route(call: Call) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        services = request.app[ACCOUNTS]
        actor = services.provisioning.check(request.match_info["account_id"], request.headers.get("Authorization"))
        if (current := API_CALL.get()) is not None:
            current.actor = actor
        params, _ = await read_params(request, request.app[SETTINGS].api.max_upload_bytes)
        return web.json_response(await call(services, params, request))

    return handle


def _m(request: web.Request, name: str) -> str:
    return request.match_info[name]


ROUTES: list[tuple[str, str, str, Call]] = [
    ("GET", "sub_accounts", "sub_accounts", lambda s, p, r: s.environments.list(p)),
    ("POST", "sub_accounts", "create_sub_account", lambda s, p, r: s.environments.create(p)),
    ("GET", "sub_accounts/{sub_account_id}", "sub_account", lambda s, p, r: s.environments.get(_m(r, "sub_account_id"))),
    ("PUT", "sub_accounts/{sub_account_id}", "update_sub_account",
     lambda s, p, r: s.environments.update(_m(r, "sub_account_id"), p)),
    ("DELETE", "sub_accounts/{sub_account_id}", "delete_sub_account",
     lambda s, p, r: s.environments.delete(_m(r, "sub_account_id"), p)),
    ("GET", "sub_accounts/{sub_account_id}/access_keys", "access_keys",
     lambda s, p, r: s.environments.keys(_m(r, "sub_account_id"), p)),
    ("POST", "sub_accounts/{sub_account_id}/access_keys", "generate_access_key",
     lambda s, p, r: s.environments.generate_key(_m(r, "sub_account_id"), p)),
    ("PUT", "sub_accounts/{sub_account_id}/access_keys/{api_key}", "update_access_key",
     lambda s, p, r: s.environments.update_key(_m(r, "sub_account_id"), _m(r, "api_key"), p)),
    ("DELETE", "sub_accounts/{sub_account_id}/access_keys/{api_key}", "delete_access_key",
     lambda s, p, r: s.environments.delete_key(_m(r, "sub_account_id"), _m(r, "api_key"), p)),
    ("DELETE", "sub_accounts/{sub_account_id}/access_keys", "delete_access_key",
     lambda s, p, r: s.environments.delete_key(_m(r, "sub_account_id"), None, p)),
    ("GET", "users", "users", lambda s, p, r: s.users.list(p)),
    ("POST", "users", "create_user", lambda s, p, r: s.users.create(p)),
    ("GET", "users/{user_id}", "user", lambda s, p, r: s.users.get(_m(r, "user_id"))),
    ("PUT", "users/{user_id}", "update_user", lambda s, p, r: s.users.update(_m(r, "user_id"), p)),
    ("DELETE", "users/{user_id}", "delete_user", lambda s, p, r: s.users.delete(_m(r, "user_id"))),
    ("GET", "users/{user_id}/groups", "user_in_user_groups", lambda s, p, r: s.users.groups_of(_m(r, "user_id"))),
    ("GET", "user_groups", "user_groups", lambda s, p, r: s.users.groups()),
    ("POST", "user_groups", "create_user_group", lambda s, p, r: s.users.create_group(p)),
    ("GET", "user_groups/{group_id}", "user_group", lambda s, p, r: s.users.group(_m(r, "group_id"))),
    ("PUT", "user_groups/{group_id}", "update_user_group", lambda s, p, r: s.users.update_group(_m(r, "group_id"), p)),
    ("DELETE", "user_groups/{group_id}", "delete_user_group", lambda s, p, r: s.users.delete_group(_m(r, "group_id"))),
    ("GET", "user_groups/{group_id}/users", "user_group_users", lambda s, p, r: s.users.members(_m(r, "group_id"))),
    ("POST", "user_groups/{group_id}/users/{user_id}", "add_user_to_group",
     lambda s, p, r: s.users.add_member(_m(r, "group_id"), _m(r, "user_id"))),
    ("DELETE", "user_groups/{group_id}/users/{user_id}", "remove_user_from_group",
     lambda s, p, r: s.users.remove_member(_m(r, "group_id"), _m(r, "user_id"))),
    # edge's own: the whole account's audit log (every cloud and the account level) and more
    # account-level (provisioning) keys, beside CLOUDINARY_ACCOUNT_URL's.
    ("GET", "audit_log", "audit_log", lambda s, p, r: s.audit.query(None, p)),
    ("GET", "access_keys", "provisioning_access_keys", lambda s, p, r: s.account_keys.list()),
    ("POST", "access_keys", "generate_provisioning_access_key", lambda s, p, r: s.account_keys.generate(p)),
    ("PUT", "access_keys/{api_key}", "update_provisioning_access_key",
     lambda s, p, r: s.account_keys.update(_m(r, "api_key"), p)),
    ("DELETE", "access_keys/{api_key}", "delete_provisioning_access_key",
     lambda s, p, r: s.account_keys.delete(_m(r, "api_key"), p)),
    ("DELETE", "access_keys", "delete_provisioning_access_key", lambda s, p, r: s.account_keys.delete(None, p)),
]


def add_routes(app: web.Application) -> None:
    for verb, path, method, call in ROUTES:
        # The route's name holds the SDK's method name (third part): the audit log reads it.
        by_name = path.endswith("access_keys") and verb == "DELETE"
        name = f"provisioning.{verb.lower()}.{method}" + (".by_name" if by_name else "")
        app.router.add_route(verb, PREFIX + path, _route(call), name=name)
