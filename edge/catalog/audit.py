"""The audit log: who changed what, when and from where (table created by ACCOUNTS_MIGRATION).

Entries are appended, never updated. Ids sort by time, so the cursor of a listing is the last
id returned and pages stay stable while entries are added.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from edge.catalog.db import Database

MAX_RESULTS = 500


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: str
    at: str  # ISO 8601, UTC
    cloud: str  # "" for account-level changes (the Provisioning API)
    actor: str  # "key:<api_key>", "provisioning:<key>", "user:<email>", "cli", "anonymous"
    action: str  # a method name: upload, delete_resources, create_sub_account, ...
    target: str
    client_ip: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditQuery:
    cloud: str | None = None  # None = every cloud and the account
    actor: str | None = None
    action: str | None = None
    since: str | None = None  # ISO 8601, inclusive
    until: str | None = None  # ISO 8601, exclusive
    max_results: int = 50
    cursor: str | None = None  # the last id of the previous page
    descending: bool = True


class AuditCatalog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, entry: AuditEntry) -> None:
        await self.db.execute(
            "INSERT INTO audit_log (id, at, cloud, actor, action, target, details, client_ip)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            entry.id, entry.at, entry.cloud, entry.actor, entry.action, entry.target, json.dumps(entry.details),
            entry.client_ip,
        )

    async def query(self, query: AuditQuery) -> tuple[list[AuditEntry], str | None]:
        where: list[str] = []
        args: list[Any] = []

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        if query.cloud is not None:
            where.append(f"cloud = {arg(query.cloud)}")
        if query.actor:
            where.append(f"actor = {arg(query.actor)}")
        if query.action:
            where.append(f"action = {arg(query.action)}")
        if query.since:
            where.append(f"at >= {arg(query.since)}")
        if query.until:
            where.append(f"at < {arg(query.until)}")
        if query.cursor:
            where.append(f"id {'<' if query.descending else '>'} {arg(query.cursor)}")
        limit = max(1, min(query.max_results, MAX_RESULTS))
        rows = await self.db.fetch(
            "SELECT id, at, cloud, actor, action, target, details, client_ip FROM audit_log"
            f"{' WHERE ' + ' AND '.join(where) if where else ''}"
            f" ORDER BY id {'DESC' if query.descending else 'ASC'} LIMIT {arg(limit + 1)}",
            *args,
        )
        entries = [
            AuditEntry(r["id"], r["at"], r["cloud"], r["actor"], r["action"], r["target"], r["client_ip"],
                       json.loads(r["details"]))
            for r in rows[:limit]
        ]
        return entries, entries[-1].id if len(rows) > limit and entries else None
