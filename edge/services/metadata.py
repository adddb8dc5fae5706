"""Structured metadata: field definitions (types, validations, datasources), rules, and the
values written on assets through upload, explicit, update and update_metadata.

Values are checked against their fields before anything is written: an invalid value is a 400
naming the field (or, with `clear_invalid`, that field is cleared), so a call that fails
changes nothing. Typed values are stored: `integer` as a number, `set` as a list of datasource
external_ids, `string`, `date` (YYYY-MM-DD) and `enum` as strings.
"""

from __future__ import annotations

import datetime
import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

from edge.catalog import metadata as store
from edge.catalog.db import Database
from edge.errors import AlreadyExists, InvalidParameter, ResourceNotFound

TYPES = ("string", "integer", "date", "enum", "set")
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_.-]{1,255}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FIELD_KEYS = ("type", "external_id", "label", "mandatory", "restrictions", "default_value", "default_disabled",
               "validation", "datasource", "allow_dynamic_list_values")
_RULE_PASSES = 4  # rules that enable or fill fields may feed each other; a few passes settle them

Values = dict[str, Any]


def parse_encoded(raw: Any) -> dict[str, Any]:
    """The SDK's `key=value|key2=["a","b"]` (with `\\|` and `\\=` escapes), or a mapping, -> raw values."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    pairs, current, escaped = [], [], False
    for char in str(raw):
        if escaped:
            current.append(("lit", char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            pairs.append(current)
            current = []
        else:
            current.append(("sep" if char == "=" else "lit", char))
    pairs.append(current)
    values: dict[str, Any] = {}
    for pair in pairs:
        if not pair:
            continue
        cut = next((i for i, (kind, _) in enumerate(pair) if kind == "sep"), None)
        if cut is None:
            raise InvalidParameter(f"Invalid metadata - {''.join(c for _, c in pair)} (expected key=value)")
        key = "".join(c for _, c in pair[:cut]).strip()
        values[key] = "".join(c for _, c in pair[cut + 1:])
    return values


def _error(external_id: str, problem: str) -> InvalidParameter:
    return InvalidParameter(f"Metadata field {external_id}: {problem}")


# -- field definitions --------------------------------------------------------------------------

def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0", ""):
        return False
    raise InvalidParameter(f"Invalid {name} - {value}")


def _datasource(external_id: str, raw: Any, current: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    values = raw.get("values") if isinstance(raw, Mapping) else raw
    if not isinstance(values, list) or not values:
        raise _error(external_id, "a datasource with values is required for enum and set fields")
    entries = [dict(e) for e in (current or [])]
    for item in values:
        if not isinstance(item, Mapping) or item.get("value") in (None, ""):
            raise _error(external_id, f"invalid datasource entry - {item}")
        entry_id = str(item.get("external_id") or secrets.token_hex(8))
        if not _EXTERNAL_ID.fullmatch(entry_id):
            raise _error(external_id, f"invalid datasource external_id - {entry_id}")
        found = next((e for e in entries if e["external_id"] == entry_id), None)
        if found is None:
            entries.append({"external_id": entry_id, "value": str(item["value"]), "state": "active"})
        else:
            found["value"] = str(item["value"])
    return {"values": entries}


def _validation(external_id: str, kind: str, rule: Any) -> dict[str, Any]:
    if not isinstance(rule, Mapping):
        raise _error(external_id, f"invalid validation - {rule}")
    name = rule.get("type")
    if name == "and":
        rules = rule.get("rules")
        if not isinstance(rules, list) or not rules:
            raise _error(external_id, "an 'and' validation needs rules")
        return {"type": "and", "rules": [_validation(external_id, kind, r) for r in rules]}
    if name == "strlen":
        if kind != "string":
            raise _error(external_id, "strlen applies to string fields")
        checked: dict[str, Any] = {"type": "strlen"}
        for bound in ("min", "max"):
            if rule.get(bound) is not None:
                try:
                    checked[bound] = int(rule[bound])
                except (TypeError, ValueError):
                    raise _error(external_id, f"invalid strlen {bound} - {rule[bound]}") from None
        if len(checked) == 1:
            raise _error(external_id, "strlen needs min or max")
        return checked
    if name in ("greater_than", "less_than"):
        if kind not in ("integer", "date"):
            raise _error(external_id, f"{name} applies to integer and date fields")
        bound = _typed_scalar(external_id, kind, rule.get("value"))
        return {"type": name, "value": bound, "equals": _flag(rule.get("equals"), "equals")}
    raise _error(external_id, f"unknown validation - {name}")


def normalise_field(params: Mapping[str, Any], existing: dict[str, Any] | None = None) -> dict[str, Any]:
    """An Admin API field body (create, or update over `existing`) -> the stored definition."""
    given = {k: params[k] for k in _FIELD_KEYS if k in params and params[k] is not None}
    field: dict[str, Any] = {**(existing or {}), **given}
    if existing is not None:
        if given.get("type", existing["type"]) != existing["type"]:
            raise _error(existing["external_id"], "the type of a field cannot change")
        field["external_id"] = existing["external_id"]
    kind = field.get("type")
    if kind not in TYPES:
        raise InvalidParameter(f"Invalid metadata field type - {kind} (one of {', '.join(TYPES)})")
    external_id = str(field.get("external_id") or secrets.token_hex(8))
    if not _EXTERNAL_ID.fullmatch(external_id):
        raise InvalidParameter(f"Invalid external_id - {external_id}")
    label = str(field.get("label") or "").strip()
    if not label:
        raise _error(external_id, "a label is required")
    definition: dict[str, Any] = {
        "type": kind, "external_id": external_id, "label": label,
        "mandatory": _flag(field.get("mandatory"), "mandatory"),
        "default_disabled": _flag(field.get("default_disabled"), "default_disabled"),
    }
    for passthrough in ("restrictions", "allow_dynamic_list_values"):
        if passthrough in field:
            definition[passthrough] = field[passthrough]
    if kind in ("enum", "set"):
        if existing is not None and "datasource" in given:
            definition["datasource"] = _datasource(external_id, given["datasource"])
        elif existing is not None:
            definition["datasource"] = existing["datasource"]
        else:
            definition["datasource"] = _datasource(external_id, field.get("datasource"))
    elif field.get("datasource"):
        raise _error(external_id, "only enum and set fields have a datasource")
    if field.get("validation"):
        if kind in ("enum", "set"):
            raise _error(external_id, "enum and set fields take no validation")
        definition["validation"] = _validation(external_id, kind, field["validation"])
    default = field.get("default_value")
    if default is not None and default != "":
        definition["default_value"] = value_of(definition, default)
    elif definition["mandatory"]:
        raise _error(external_id, "a mandatory field needs a default_value")
    return definition


# -- values ------------------------------------------------------------------------------------

def _typed_scalar(external_id: str, kind: str, raw: Any) -> Any:
    if kind == "integer":
        if isinstance(raw, bool):
            raise _error(external_id, f"not an integer - {raw}")
        try:
            return int(str(raw).strip())
        except (TypeError, ValueError):
            raise _error(external_id, f"not an integer - {raw}") from None
    if kind == "date":
        text = str(raw).strip()
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            datetime.date.fromisoformat(text)
        except ValueError:
            raise _error(external_id, f"not a date (YYYY-MM-DD) - {raw}") from None
        return text
    return str(raw)


def _check(external_id: str, rule: dict[str, Any], value: Any) -> None:
    name = rule["type"]
    if name == "and":
        for inner in rule["rules"]:
            _check(external_id, inner, value)
    elif name == "strlen":
        if "min" in rule and len(value) < rule["min"]:
            raise _error(external_id, f"shorter than {rule['min']} characters")
        if "max" in rule and len(value) > rule["max"]:
            raise _error(external_id, f"longer than {rule['max']} characters")
    elif name in ("greater_than", "less_than"):
        bound, equals = rule["value"], rule.get("equals", False)
        ok = (value > bound or (equals and value == bound)) if name == "greater_than" else (
            value < bound or (equals and value == bound))
        if not ok:
            relation = ("greater than" if name == "greater_than" else "less than") + (" or equal to" if equals else "")
            raise _error(external_id, f"{value} is not {relation} {bound}")


def _active(field: dict[str, Any]) -> set[str]:
    return {e["external_id"] for e in field.get("datasource", {}).get("values", []) if e.get("state") == "active"}


def value_of(field: dict[str, Any], raw: Any) -> Any:
    """A raw value (string from the SDK encoding, or JSON) -> the typed value; raises naming the field."""
    external_id, kind = field["external_id"], field["type"]
    if kind == "set":
        items = raw
        if isinstance(raw, str):
            text = raw.strip()
            try:
                items = json.loads(text) if text.startswith("[") else [text]
            except ValueError:
                raise _error(external_id, f"not a list - {raw}") from None
        if not isinstance(items, list):
            items = [items]
        chosen = list(dict.fromkeys(str(i) for i in items))
        unknown = [i for i in chosen if i not in _active(field)]
        if unknown:
            raise _error(external_id, f"not in its datasource - {', '.join(unknown)}")
        return chosen
    if isinstance(raw, list):
        raise _error(external_id, f"a {kind} field takes one value")
    value = _typed_scalar(external_id, kind, raw)
    if kind == "enum" and value not in _active(field):
        raise _error(external_id, f"not in its datasource - {value}")
    if field.get("validation"):
        _check(external_id, field["validation"], value)
    return value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _matches(condition: Any, values: Values) -> bool:
    if not isinstance(condition, Mapping):
        return False
    if "and" in condition:
        return all(_matches(c, values) for c in condition["and"])
    if "or" in condition:
        return any(_matches(c, values) for c in condition["or"])
    value = values.get(str(condition.get("metadata_field_id")))
    if "populated" in condition:
        return (not _empty(value)) == bool(condition["populated"])
    if "includes" in condition:
        wanted = condition["includes"] if isinstance(condition["includes"], list) else [condition["includes"]]
        have = value if isinstance(value, list) else [value]
        return all(str(w) in [str(h) for h in have] for w in wanted)
    if "equals" in condition:
        if isinstance(value, list):
            return sorted(map(str, value)) == sorted(map(str, condition["equals"] if isinstance(condition["equals"], list) else [condition["equals"]]))
        return value is not None and str(value) == str(condition["equals"])
    return False


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
            raise _error(external_id, "only enum and set fields have a datasource")
        return found

    async def update_datasource(self, cloud: str, external_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        async with self.db.transaction() as tx:
            found = await self._list_field(tx, cloud, external_id)
            found["datasource"] = _datasource(external_id, params.get("values"), found["datasource"]["values"])
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
                raise _error(external_id, f"no such datasource entries - {', '.join(unknown) or '(none given)'}")
            for entry in entries:
                if entry["external_id"] in ids:
                    entry["state"] = state
            if state == "inactive" and found.get("default_value") is not None:
                default = found["default_value"]
                if set(default if isinstance(default, list) else [default]) & set(ids):
                    raise _error(external_id, "the default value cannot be deleted from the datasource")
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
                if _empty(raw_value):
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
                    raise _error(key, "is disabled (no metadata rule enables it)")
        for key, ids in allowed.items():
            value = values.get(key)
            chosen = value if isinstance(value, list) else [value] if value is not None else []
            if key in written and any(v not in ids for v in chosen):
                if not clear_invalid:
                    raise _error(key, f"value not active for this asset - {', '.join(v for v in chosen if v not in ids)}")
                values.pop(key, None)
        for key, field in fields.items():
            required = field["mandatory"] or key in mandatory
            if required and _empty(values.get(key)) and (key in written or new_asset or key in mandatory):
                raise _error(key, "is mandatory")
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
                if field is None or not _matches(rule["condition"], values):
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
                    elif _empty(values.get(target)) and target not in written:
                        values[target], changed = value, True
            if not changed:
                break
        return enabled, mandatory, allowed


def _descending(params: Mapping[str, Any]) -> bool:
    direction = str(params.get("direction") or "asc").lower()
    if direction not in ("asc", "desc"):
        raise InvalidParameter(f"Invalid direction - {direction} (asc or desc)")
    return direction == "desc"
