"""The audit log: every change through the Provisioning, Admin and Upload APIs (and the CLI).

Only names and identifiers are recorded: `details` is built from an allow-list of fields,
so a secret (an API secret, a password, a signature) can never be written.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from edge.catalog.audit import AuditCatalog, AuditEntry, AuditQuery
from edge.catalog.store import Catalog
from edge.errors import InvalidParameter

# The only fields an entry's details may hold.
SAFE_FIELDS = (
    "public_id", "public_ids", "prefix", "from_public_id", "to_public_id", "asset_id", "type", "resource_type", "tag", "name", "path", "id", "cloud_name", "api_key",
    "email", "role", "enabled", "user_id", "group_id", "sub_account_id", "dedicated_for", "permissions",
)


class Audit:
    def __init__(self, catalog: Catalog, clock: Any = time.time) -> None:
        self.entries = AuditCatalog(catalog.db)
        self._clock = clock

    async def record(
        self, cloud: str, actor: str, action: str, client_ip: str, details: dict[str, Any] | None = None
    ) -> None:
        now = self._clock()
        safe = {k: _scalar(v) for k, v in (details or {}).items() if k in SAFE_FIELDS and v not in (None, "")}
        public_ids = safe.get("public_ids")
        first = ",".join(public_ids) if isinstance(public_ids, list) else public_ids
        target = str(safe.get("public_id") or first or safe.get("name") or safe.get("api_key") or safe.get("id")
                     or safe.get("email") or safe.get("cloud_name") or "")
        entry = AuditEntry(
            id=f"{int(now * 1e9):020d}{secrets.token_hex(4)}", at=_iso(now), cloud=cloud, actor=actor or "anonymous",
            action=action, target=target[:500], client_ip=client_ip or "", details=safe,
        )
        await self.entries.add(entry)

    async def query(self, cloud: str | None, params: dict[str, Any]) -> dict[str, Any]:
        try:
            max_results = int(params.get("max_results") or 50)
        except ValueError:
            raise InvalidParameter(f"Invalid max_results - {params.get('max_results')}") from None
        order = str(params.get("direction") or "desc").lower()
        if order not in ("asc", "desc"):
            raise InvalidParameter(f"Invalid direction - {order} (asc or desc)")
        entries, cursor = await self.entries.query(AuditQuery(
            cloud=cloud, actor=_text(params.get("actor")), action=_text(params.get("action")),
            since=_text(params.get("from")), until=_text(params.get("to")), max_results=max_results,
            cursor=_text(params.get("next_cursor")), descending=order == "desc",
        ))
        body: dict[str, Any] = {"entries": [
            {"id": e.id, "at": e.at, "cloud": e.cloud, "actor": e.actor, "action": e.action, "target": e.target,
             "client_ip": e.client_ip, "details": e.details}
            for e in entries
        ]}
        if cursor:
            body["next_cursor"] = cursor
        return body


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"


def _scalar(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [str(v) for v in value][:100]
    return value if isinstance(value, bool | int | float) else str(value)[:500]


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
