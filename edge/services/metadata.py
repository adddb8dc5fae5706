"""Structured metadata: field definitions (types, validations, datasources), rules, and the
values written on assets through upload, explicit, update and update_metadata.

Values are checked against their fields before anything is written: an invalid value is a 400
naming the field (or, with `clear_invalid`, that field is cleared), so a call that fails
changes nothing. Typed values are stored: `integer` as a number, `set` as a list of datasource
external_ids, `string`, `date` (YYYY-MM-DD) and `enum` as strings.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping
from typing import Any

from edge.catalog import metadata as store
from edge.catalog.db import Database
from edge.errors import AlreadyExists, InvalidParameter, ResourceNotFound
from edge.services.metadata_values import (  # noqa: F401  (normalise_field, parse_encoded: the package's API)
    Values, condition_matches, datasource_of, field_error, is_empty, normalise_field, parse_encoded, value_of,
)

_RULE_PASSES = 4  # rules that enable or fill fields may feed each other; a few passes settle them


class StructuredMetadata:
    """Definitions in the catalog, checked here: the Admin API's metadata calls and the values of every write."""

    def __init__(self, db: Database, clock: Any = None) -> None:
        self.db = db
        self._clock = clock or (lambda: datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    # -- fields ----------------------------------------------------------------------------------

    async def fields(self, cloud: str) -> dict[str, Any]:
        return {"metadata_fields": await store.fields(self.db, cloud)}

    async def field(self, cloud: str, external_id: str) -> dict[str, Any]:
        found = await store.field(self.db, cloud, external_id)
        if found is None:
            raise ResourceNotFound(f"Metadata field {external_id} not found")
        return found

    async def add_field(self, cloud: str, params: Mapping[str, Any]) -> dict[str, Any]:
        definition = normalise_field(params)
        if not await store.add_field(self.db, cloud, definition, self._clock()):
            raise AlreadyExists(f"Metadata field {definition['external_id']} already exists")
        return definition

    async def update_field(self, cloud: str, external_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        definition = normalise_field(params, await self.field(cloud, external_id))
        await store.replace_field(self.db, cloud, definition)
        return definition

    async def delete_field(self, cloud: str, external_id: str) -> dict[str, Any]:
        async with self.db.transaction() as tx:
            if not await store.delete_field(tx, cloud, external_id):
                raise ResourceNotFound(f"Metadata field {external_id} not found")
            await store.drop_values(tx, cloud, external_id)
        return {"message": "ok"}

    async def order_fields(self, cloud: str, params: Mapping[str, Any]) -> dict[str, Any]:
        order_by, descending = str(params.get("order_by") or ""), _descending(params)
        if order_by not in ("label", "external_id", "created_at"):
            raise InvalidParameter(f"Invalid order_by - {order_by} (label, external_id or created_at)")
        async with self.db.transaction() as tx:
            fields = await store.fields(tx, cloud)
            dates = await store.field_dates(tx, cloud)
            key = (lambda f: dates.get(f["external_id"], "")) if order_by == "created_at" else (lambda f: str(f[order_by]).lower())
            ordered = sorted(fields, key=key, reverse=descending)
            await store.set_field_positions(tx, cloud, [f["external_id"] for f in ordered])
        return {"metadata_fields": ordered}

    # -- datasources -----------------------------------------------------------------------------

    async def _list_field(self, tx: Database, cloud: str, external_id: str) -> dict[str, Any]:
        found = await store.field(tx, cloud, external_id)
        if found is None:
            raise ResourceNotFound(f"Metadata field {external_id} not found")
        if found["type"] not in ("enum", "set"):
            raise field_error(external_id, "only enum and set fields have a datasource")
        return found

    async def update_datasource(self, cloud: str, external_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        async with self.db.transaction() as tx:
            found = await self._list_field(tx, cloud, external_id)
            found["datasource"] = datasource_of(external_id, params.get("values"), found["datasource"]["values"])
            await store.replace_field(tx, cloud, found)
        return found["datasource"]

    async def set_entries_state(self, cloud: str, external_id: str, params: Mapping[str, Any], state: str) -> dict[str, Any]:
        """DELETE .../datasource (inactive: kept on assets, refused for new values) and datasource_restore."""
        ids = params.get("external_ids") or []
        ids = [ids] if isinstance(ids, str) else [str(i) for i in ids]
        async with self.db.transaction() as tx:
            found = await self._list_field(tx, cloud, external_id)
            entries = found["datasource"]["values"]
            unknown = [i for i in ids if i not in {e["external_id"] for e in entries}]
            if unknown or not ids:
                raise field_error(external_id, f"no such datasource entries - {', '.join(unknown) or '(none given)'}")
            for entry in entries:
                if entry["external_id"] in ids:
                    entry["state"] = state
            if state == "inactive" and found.get("default_value") is not None:
                default = found["default_value"]
                if set(default if isinstance(default, list) else [default]) & set(ids):
                    raise field_error(external_id, "the default value cannot be deleted from the datasource")
            await store.replace_field(tx, cloud, found)
        return found["datasource"]

    async def order_datasource(self, cloud: str, external_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        if str(params.get("order_by") or "") != "value":
            raise InvalidParameter(f"Invalid order_by - {params.get('order_by')} (value)")
        async with self.db.transaction() as tx:
            found = await self._list_field(tx, cloud, external_id)
            found["datasource"]["values"].sort(key=lambda e: e["value"].lower(), reverse=_descending(params))
            await store.replace_field(tx, cloud, found)
        return found["datasource"]

    # -- rules -----------------------------------------------------------------------------------

    async def rules(self, cloud: str) -> dict[str, Any]:
        return {"metadata_rules": await store.rules(self.db, cloud)}

    async def put_rule(self, cloud: str, params: Mapping[str, Any], external_id: str | None = None) -> dict[str, Any]:
        current = None
        if external_id is not None:
            current = next((r for r in await store.rules(self.db, cloud) if r["external_id"] == external_id), None)
            if current is None:
                raise ResourceNotFound(f"Metadata rule {external_id} not found")
        rule = {**(current or {}), **{k: v for k, v in params.items() if k in
                ("external_id", "metadata_field_id", "condition", "result", "name", "state") and v is not None}}
        rule["external_id"] = external_id or str(rule.get("external_id") or secrets.token_hex(8))
        target = await store.field(self.db, cloud, str(rule.get("metadata_field_id") or ""))
        if target is None:
            raise InvalidParameter(f"Metadata rule: unknown metadata_field_id - {rule.get('metadata_field_id')}")
        if not isinstance(rule.get("condition"), Mapping) or not isinstance(rule.get("result"), Mapping):
            raise InvalidParameter("Metadata rule: condition and result are required objects")
        apply = rule["result"].get("apply_value")
        if apply is not None:
            if not isinstance(apply, Mapping) or "value" not in apply:
                raise InvalidParameter("Metadata rule: apply_value needs a value")
            value_of(target, apply["value"])  # a value the field would refuse fails now, not at every write
        unknown = set(rule["result"]) - {"enable", "activate_values", "apply_value", "set_mandatory"}
        if unknown:
            raise InvalidParameter(f"Metadata rule: unknown result - {', '.join(sorted(unknown))}")
        rule["state"] = str(rule.get("state") or "active")
        if rule["state"] not in ("active", "inactive"):
            raise InvalidParameter(f"Metadata rule: invalid state - {rule['state']}")
        rule.setdefault("name", rule["external_id"])
        if not await store.put_rule(self.db, cloud, rule, create=external_id is None):
            raise AlreadyExists(f"Metadata rule {rule['external_id']} already exists")
        return rule

    async def delete_rule(self, cloud: str, external_id: str) -> dict[str, Any]:
        if not await store.delete_rule(self.db, cloud, external_id):
            raise ResourceNotFound(f"Metadata rule {external_id} not found")
        return {"success": True}

    # -- values ----------------------------------------------------------------------------------

    async def resolve(self, cloud: str, current: Mapping[str, Any], raw: Any, *, new_asset: bool = False,
                      clear_invalid: bool = False) -> Values:
        """The asset's metadata after writing `raw` over `current`; raises (naming the field) when
        a value, a mandatory field or a rule says no. Nothing is read when nothing is written."""
        incoming = parse_encoded(raw)
        if not incoming and not new_asset:
            return dict(current)
        fields = {f["external_id"]: f for f in await store.fields(self.db, cloud)}
        if not fields and not incoming:
            return dict(current)
        rules = [r for r in await store.rules(self.db, cloud) if r.get("state", "active") == "active"]
        values: Values = {k: v for k, v in current.items() if k in fields}
        written: set[str] = set()
        for key, raw_value in incoming.items():
            field = fields.get(key)
            try:
                if field is None:
                    raise InvalidParameter(f"Metadata field {key} not found")
                if is_empty(raw_value):
                    values.pop(key, None)
                else:
                    values[key] = value_of(field, raw_value)
                written.add(key)
            except InvalidParameter:
                if not clear_invalid:
                    raise
                values.pop(key, None)
        if new_asset:
            for key, field in fields.items():
                if key not in values and key not in written and not field["default_disabled"] and "default_value" in field:
                    values[key] = field["default_value"]
        enabled, mandatory, allowed = self._apply_rules(rules, fields, values, written)
        for key in written:
            if key in values and fields[key]["default_disabled"] and key not in enabled:
                if clear_invalid:
                    values.pop(key)
                else:
                    raise field_error(key, "is disabled (no metadata rule enables it)")
        for key, ids in allowed.items():
            value = values.get(key)
            chosen = value if isinstance(value, list) else [value] if value is not None else []
            if key in written and any(v not in ids for v in chosen):
                if not clear_invalid:
                    raise field_error(key, f"value not active for this asset - {', '.join(v for v in chosen if v not in ids)}")
                values.pop(key, None)
        for key, field in fields.items():
            required = field["mandatory"] or key in mandatory
            if required and is_empty(values.get(key)) and (key in written or new_asset or key in mandatory):
                raise field_error(key, "is mandatory")
        return values

    def _apply_rules(self, rules: list[dict[str, Any]], fields: dict[str, dict[str, Any]], values: Values,
                     written: set[str]) -> tuple[set[str], set[str], dict[str, set[str]]]:
        enabled: set[str] = set()
        mandatory: set[str] = set()
        allowed: dict[str, set[str]] = {}
        for _ in range(_RULE_PASSES):
            changed = False
            for rule in rules:
                target = rule["metadata_field_id"]
                field = fields.get(target)
                if field is None or not condition_matches(rule["condition"], values):
                    continue
                result = rule["result"]
                if result.get("enable"):
                    enabled.add(target)
                if result.get("set_mandatory"):
                    mandatory.add(target)
                activate = result.get("activate_values")
                if isinstance(activate, Mapping) and isinstance(activate.get("external_ids"), list):
                    allowed[target] = allowed.get(target, set()) | {str(i) for i in activate["external_ids"]}
                apply = result.get("apply_value")
                if isinstance(apply, Mapping) and "value" in apply:
                    value = value_of(field, apply["value"])
                    if str(apply.get("mode") or "default") == "append" and isinstance(value, list):
                        merged = list(dict.fromkeys([*(values.get(target) or []), *value]))
                        if merged != values.get(target):
                            values[target], changed = merged, True
                    elif is_empty(values.get(target)) and target not in written:
                        values[target], changed = value, True
            if not changed:
                break
        return enabled, mandatory, allowed


def _descending(params: Mapping[str, Any]) -> bool:
    direction = str(params.get("direction") or "asc").lower()
    if direction not in ("asc", "desc"):
        raise InvalidParameter(f"Invalid direction - {direction} (asc or desc)")
    return direction == "desc"
