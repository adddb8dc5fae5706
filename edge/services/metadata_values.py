"""Structured metadata, the pure part: field definitions checked and normalised, values parsed
(the SDK's `key=value|key2=["a","b"]`) and typed against their field, and rule conditions.
Every problem is an InvalidParameter naming the field."""

from __future__ import annotations

import datetime
import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

from edge.errors import InvalidParameter

TYPES = ("string", "integer", "date", "enum", "set")
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_.-]{1,255}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FIELD_KEYS = ("type", "external_id", "label", "mandatory", "restrictions", "default_value", "default_disabled",
               "validation", "datasource", "allow_dynamic_list_values")

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


def field_error(external_id: str, problem: str) -> InvalidParameter:
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


def datasource_of(external_id: str, raw: Any, current: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    values = raw.get("values") if isinstance(raw, Mapping) else raw
    if not isinstance(values, list) or not values:
        raise field_error(external_id, "a datasource with values is required for enum and set fields")
    entries = [dict(e) for e in (current or [])]
    for item in values:
        if not isinstance(item, Mapping) or item.get("value") in (None, ""):
            raise field_error(external_id, f"invalid datasource entry - {item}")
        entry_id = str(item.get("external_id") or secrets.token_hex(8))
        if not _EXTERNAL_ID.fullmatch(entry_id):
            raise field_error(external_id, f"invalid datasource external_id - {entry_id}")
        found = next((e for e in entries if e["external_id"] == entry_id), None)
        if found is None:
            entries.append({"external_id": entry_id, "value": str(item["value"]), "state": "active"})
        else:
            found["value"] = str(item["value"])
    return {"values": entries}


def _validation(external_id: str, kind: str, rule: Any) -> dict[str, Any]:
    if not isinstance(rule, Mapping):
        raise field_error(external_id, f"invalid validation - {rule}")
    name = rule.get("type")
    if name == "and":
        rules = rule.get("rules")
        if not isinstance(rules, list) or not rules:
            raise field_error(external_id, "an 'and' validation needs rules")
        return {"type": "and", "rules": [_validation(external_id, kind, r) for r in rules]}
    if name == "strlen":
        if kind != "string":
            raise field_error(external_id, "strlen applies to string fields")
        checked: dict[str, Any] = {"type": "strlen"}
        for bound in ("min", "max"):
            if rule.get(bound) is not None:
                try:
                    checked[bound] = int(rule[bound])
                except (TypeError, ValueError):
                    raise field_error(external_id, f"invalid strlen {bound} - {rule[bound]}") from None
        if len(checked) == 1:
            raise field_error(external_id, "strlen needs min or max")
        return checked
    if name in ("greater_than", "less_than"):
        if kind not in ("integer", "date"):
            raise field_error(external_id, f"{name} applies to integer and date fields")
        bound = _typed_scalar(external_id, kind, rule.get("value"))
        return {"type": name, "value": bound, "equals": _flag(rule.get("equals"), "equals")}
    raise field_error(external_id, f"unknown validation - {name}")


def normalise_field(params: Mapping[str, Any], existing: dict[str, Any] | None = None) -> dict[str, Any]:
    """An Admin API field body (create, or update over `existing`) -> the stored definition."""
    given = {k: params[k] for k in _FIELD_KEYS if k in params and params[k] is not None}
    field: dict[str, Any] = {**(existing or {}), **given}
    if existing is not None:
        if given.get("type", existing["type"]) != existing["type"]:
            raise field_error(existing["external_id"], "the type of a field cannot change")
        field["external_id"] = existing["external_id"]
    kind = field.get("type")
    if kind not in TYPES:
        raise InvalidParameter(f"Invalid metadata field type - {kind} (one of {', '.join(TYPES)})")
    external_id = str(field.get("external_id") or secrets.token_hex(8))
    if not _EXTERNAL_ID.fullmatch(external_id):
        raise InvalidParameter(f"Invalid external_id - {external_id}")
    label = str(field.get("label") or "").strip()
    if not label:
        raise field_error(external_id, "a label is required")
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
            definition["datasource"] = datasource_of(external_id, given["datasource"])
        elif existing is not None:
            definition["datasource"] = existing["datasource"]
        else:
            definition["datasource"] = datasource_of(external_id, field.get("datasource"))
    elif field.get("datasource"):
        raise field_error(external_id, "only enum and set fields have a datasource")
    if field.get("validation"):
        if kind in ("enum", "set"):
            raise field_error(external_id, "enum and set fields take no validation")
        definition["validation"] = _validation(external_id, kind, field["validation"])
    default = field.get("default_value")
    if default is not None and default != "":
        definition["default_value"] = value_of(definition, default)
    elif definition["mandatory"]:
        raise field_error(external_id, "a mandatory field needs a default_value")
    return definition


# -- values ------------------------------------------------------------------------------------

def _typed_scalar(external_id: str, kind: str, raw: Any) -> Any:
    if kind == "integer":
        if isinstance(raw, bool):
            raise field_error(external_id, f"not an integer - {raw}")
        try:
            return int(str(raw).strip())
        except (TypeError, ValueError):
            raise field_error(external_id, f"not an integer - {raw}") from None
    if kind == "date":
        text = str(raw).strip()
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            datetime.date.fromisoformat(text)
        except ValueError:
            raise field_error(external_id, f"not a date (YYYY-MM-DD) - {raw}") from None
        return text
    return str(raw)


def _check(external_id: str, rule: dict[str, Any], value: Any) -> None:
    name = rule["type"]
    if name == "and":
        for inner in rule["rules"]:
            _check(external_id, inner, value)
    elif name == "strlen":
        if "min" in rule and len(value) < rule["min"]:
            raise field_error(external_id, f"shorter than {rule['min']} characters")
        if "max" in rule and len(value) > rule["max"]:
            raise field_error(external_id, f"longer than {rule['max']} characters")
    elif name in ("greater_than", "less_than"):
        bound, equals = rule["value"], rule.get("equals", False)
        ok = (value > bound or (equals and value == bound)) if name == "greater_than" else (
            value < bound or (equals and value == bound))
        if not ok:
            relation = ("greater than" if name == "greater_than" else "less than") + (" or equal to" if equals else "")
            raise field_error(external_id, f"{value} is not {relation} {bound}")


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
                raise field_error(external_id, f"not a list - {raw}") from None
        if not isinstance(items, list):
            items = [items]
        chosen = list(dict.fromkeys(str(i) for i in items))
        unknown = [i for i in chosen if i not in _active(field)]
        if unknown:
            raise field_error(external_id, f"not in its datasource - {', '.join(unknown)}")
        return chosen
    if isinstance(raw, list):
        raise field_error(external_id, f"a {kind} field takes one value")
    value = _typed_scalar(external_id, kind, raw)
    if kind == "enum" and value not in _active(field):
        raise field_error(external_id, f"not in its datasource - {value}")
    if field.get("validation"):
        _check(external_id, field["validation"], value)
    return value


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def condition_matches(condition: Any, values: Values) -> bool:
    if not isinstance(condition, Mapping):
        return False
    if "and" in condition:
        return all(condition_matches(c, values) for c in condition["and"])
    if "or" in condition:
        return any(condition_matches(c, values) for c in condition["or"])
    value = values.get(str(condition.get("metadata_field_id")))
    if "populated" in condition:
        return (not is_empty(value)) == bool(condition["populated"])
    if "includes" in condition:
        wanted = condition["includes"] if isinstance(condition["includes"], list) else [condition["includes"]]
        have = value if isinstance(value, list) else [value]
        return all(str(w) in [str(h) for h in have] for w in wanted)
    if "equals" in condition:
        if isinstance(value, list):
            return sorted(map(str, value)) == sorted(map(str, condition["equals"] if isinstance(condition["equals"], list) else [condition["equals"]]))
        return value is not None and str(value) == str(condition["equals"])
    return False
