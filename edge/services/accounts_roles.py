"""Roles of console users and the method names that API key permissions are made of.

Pure tables (docs/roles.md shows both): the console, the CLI and the APIs read them here.
"""

from __future__ import annotations

from edge.errors import InvalidParameter

# role -> what a user with it may do (the console enforces these; docs/roles.md).
CAPABILITIES = (
    "manage_users", "manage_environments", "manage_keys", "view_keys", "settings", "upload",
    "manage_assets", "view_assets", "view_reports", "billing", "audit_log",
)
ROLES: dict[str, frozenset[str]] = {
    "master_admin": frozenset(CAPABILITIES),
    "admin": frozenset(CAPABILITIES) - {"manage_environments", "billing"},
    "technical_admin": frozenset({"view_keys", "settings", "upload", "manage_assets", "view_assets", "view_reports",
                                  "audit_log"}),
    "billing": frozenset({"billing", "view_reports"}),
    "reports": frozenset({"view_reports"}),
    "media_library_admin": frozenset({"upload", "manage_assets", "view_assets"}),
    "media_library_user": frozenset({"upload", "view_assets"}),
}

# Upload API actions (POST /v1_1/<cloud>/<resource_type>/<action>).
UPLOAD_METHODS = frozenset({"upload", "destroy", "rename", "explicit", "tags", "context", "metadata"})

# Admin API: (HTTP method, route under /v1_1/<cloud>/) -> the SDK's method name.
ADMIN_METHODS: dict[tuple[str, str], str] = {
    ("GET", "ping"): "ping",
    ("GET", "usage"): "usage",
    ("GET", "resources"): "resource_types",
    ("GET", "resources/image"): "resources",
    ("GET", "resources/by_asset_ids"): "resources_by_asset_ids",
    ("POST", "resources/restore"): "restore",
    ("DELETE", "resources"): "delete_resources_by_asset_ids",
    ("GET", "resources/image/tags/{tag}"): "resources_by_tag",
    ("DELETE", "resources/image/tags/{tag}"): "delete_resources_by_tag",
    ("GET", "resources/image/context"): "resources_by_context",
    ("POST", "resources/image/{type}/restore"): "restore",
    ("GET", "resources/image/{type}"): "resources",
    ("DELETE", "resources/image/{type}"): "delete_resources",
    ("GET", "resources/image/{type}/{public_id}"): "resource",
    ("POST", "resources/image/{type}/{public_id}"): "update",
    ("GET", "resources/{asset_id}"): "resource_by_asset_id",
    ("GET", "tags/image"): "tags",
    ("GET", "transformations"): "transformations",
    ("POST", "transformations"): "create_transformation",
    ("PUT", "transformations"): "update_transformation",
    ("DELETE", "transformations"): "delete_transformation",
    ("GET", "upload_presets"): "upload_presets",
    ("POST", "upload_presets"): "create_upload_preset",
    ("GET", "upload_presets/{name}"): "upload_preset",
    ("PUT", "upload_presets/{name}"): "update_upload_preset",
    ("DELETE", "upload_presets/{name}"): "delete_upload_preset",
    ("GET", "folders"): "root_folders",
    ("GET", "folders/{path}"): "subfolders",
    ("POST", "folders/{path}"): "create_folder",
    ("DELETE", "folders/{path}"): "delete_folder",
    ("GET", "audit_log"): "audit_log",
}
ADMIN_READ = frozenset(name for (verb, _), name in ADMIN_METHODS.items() if verb == "GET")
ADMIN_WRITE = frozenset(ADMIN_METHODS.values()) - ADMIN_READ
# Shorthands a key's permissions may name instead of listing methods.
GROUPS: dict[str, frozenset[str]] = {
    "upload_api": UPLOAD_METHODS,
    "admin_read": ADMIN_READ,
    "admin_write": ADMIN_WRITE,
}
METHODS = UPLOAD_METHODS | ADMIN_READ | ADMIN_WRITE


def admin_method(verb: str, route: str) -> str:
    """The method name of an Admin route (`route` as registered, `{name:.+}` patterns included)."""
    plain = route.replace(":.+}", "}")
    return ADMIN_METHODS.get((verb, plain), f"{verb.lower()} {plain}")


def parse_permissions(value: object) -> tuple[str, ...] | None:
    """A list or comma-separated text of method names and groups -> sorted names; empty or "all" -> None
    (every method). Unknown names are a 400 naming them."""
    if value is None:
        return None
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    names = [str(i).strip() for i in items if str(i).strip()]
    if not names or names == ["all"]:
        return None
    unknown = sorted(n for n in names if n not in METHODS and n not in GROUPS)
    if unknown:
        raise InvalidParameter(f"Unknown permission - {', '.join(unknown)}")
    expanded: set[str] = set()
    for name in names:
        expanded |= GROUPS.get(name, frozenset({name}))
    return tuple(sorted(expanded))


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidParameter(f"Invalid role - {role} (one of {', '.join(ROLES)})")
    return role
