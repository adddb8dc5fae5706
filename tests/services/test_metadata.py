"""Structured metadata, called directly: field definitions, datasources, rules, and the values
written by upload, explicit/update and update_metadata (checked first: a failure writes nothing)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.errors import AlreadyExists, InvalidParameter, ResourceNotFound
from edge.services.edits import apply_edits, present
from edge.services.intake import FileInput
from edge.services.metadata import normalise_field, parse_encoded, value_of
from tests.helpers.api import BASE, signed
from tests.helpers.images import RED, solid_png

COLOURS = {"values": [{"external_id": "red", "value": "Red"}, {"external_id": "blue", "value": "Blue"},
                      {"external_id": "green", "value": "Green"}]}


async def _upload(services, public_id: str, **params) -> dict:
    return await services.uploads.upload("demo", signed({"public_id": public_id, **params}), FileInput(data=solid_png(RED, 8, 8)), BASE)


@pytest.mark.parametrize(("raw", "expected"), [
    ("a=1|b=two", {"a": "1", "b": "two"}),
    ('tags=["x","y"]', {"tags": '["x","y"]'}),
    (r"k=a\|b\=c|e=", {"k": "a|b=c", "e": ""}),
    ({"k": ["x"]}, {"k": ["x"]}),
    ("", {}),
])
def test_the_sdk_encoding_is_parsed(raw, expected):
    assert parse_encoded(raw) == expected


@pytest.mark.parametrize(("field", "message"), [
    ({"type": "colour", "label": "x"}, "Invalid metadata field type"),
    ({"type": "string"}, "a label is required"),
    ({"type": "string", "label": "x", "external_id": "bad id"}, "Invalid external_id"),
    ({"type": "string", "label": "x", "external_id": "f", "mandatory": True}, "f: a mandatory field needs a default_value"),
    ({"type": "enum", "label": "x", "external_id": "f"}, "f: a datasource with values is required"),
    ({"type": "integer", "label": "x", "external_id": "f", "validation": {"type": "strlen", "max": 3}}, "strlen applies"),
    ({"type": "integer", "label": "x", "external_id": "f", "default_value": 3,
      "validation": {"type": "greater_than", "value": 5}}, "f: 3 is not greater than 5"),
    ({"type": "string", "label": "x", "external_id": "f", "default_value": "toolong",
      "validation": {"type": "and", "rules": [{"type": "strlen", "min": 1, "max": 3}]}}, "longer than 3"),
    ({"type": "date", "label": "x", "external_id": "f", "default_value": "2024-02-30"}, "not a date"),
    ({"type": "enum", "label": "x", "external_id": "f", "datasource": COLOURS, "default_value": "pink"}, "not in its datasource"),
])
def test_bad_definitions_are_refused_naming_the_problem(field, message):
    with pytest.raises(InvalidParameter, match=message):
        normalise_field(field)


def test_a_good_definition_is_typed():
    field = normalise_field({"type": "integer", "label": "Size", "external_id": "size", "mandatory": "true", "default_value": "10",
                             "validation": {"type": "and", "rules": [{"type": "greater_than", "value": 0},
                                                                      {"type": "less_than", "value": 10, "equals": True}]}})
    assert field["default_value"] == 10 and field["mandatory"] is True
    assert field["validation"]["rules"][1] == {"type": "less_than", "value": 10, "equals": True}


async def test_fields_datasources_and_order(services):
    meta = services.store.metadata
    await meta.add_field("demo", {"type": "set", "external_id": "colours", "label": "Colours", "datasource": COLOURS})
    await meta.add_field("demo", {"type": "string", "external_id": "alpha", "label": "Alpha"})
    with pytest.raises(AlreadyExists):
        await meta.add_field("demo", {"type": "string", "external_id": "alpha", "label": "Again"})
    assert [f["external_id"] for f in (await meta.fields("demo"))["metadata_fields"]] == ["colours", "alpha"]
    await meta.order_fields("demo", {"order_by": "label", "direction": "asc"})
    assert [f["external_id"] for f in (await meta.fields("demo"))["metadata_fields"]] == ["alpha", "colours"]
    source = await meta.update_datasource("demo", "colours", {"values": [{"external_id": "red", "value": "Crimson"},
                                                                         {"external_id": "amber", "value": "Amber"}]})
    assert [(e["external_id"], e["value"]) for e in source["values"]] == [
        ("red", "Crimson"), ("blue", "Blue"), ("green", "Green"), ("amber", "Amber")]
    source = await meta.set_entries_state("demo", "colours", {"external_ids": ["blue"]}, "inactive")
    assert {e["external_id"]: e["state"] for e in source["values"]}["blue"] == "inactive"
    with pytest.raises(InvalidParameter, match="colours: not in its datasource - blue"):
        await meta.resolve("demo", {}, 'colours=["blue"]')
    await meta.set_entries_state("demo", "colours", {"external_ids": ["blue"]}, "active")
    assert await meta.resolve("demo", {}, 'colours=["blue","red"]') == {"colours": ["blue", "red"]}
    ordered = await meta.order_datasource("demo", "colours", {"order_by": "value", "direction": "desc"})
    assert [e["value"] for e in ordered["values"]] == ["Green", "Crimson", "Blue", "Amber"]
    with pytest.raises(InvalidParameter, match="type of a field cannot change"):
        await meta.update_field("demo", "alpha", {"type": "integer"})
    assert (await meta.update_field("demo", "alpha", {"label": "A"}))["label"] == "A"
    await meta.delete_field("demo", "alpha")
    with pytest.raises(ResourceNotFound):
        await meta.field("demo", "alpha")


async def test_upload_types_values_applies_defaults_and_refuses_bad_values_writing_nothing(services):
    meta = services.store.metadata
    await meta.add_field("demo", {"type": "integer", "external_id": "stock", "label": "Stock",
                                  "validation": {"type": "greater_than", "value": 0, "equals": True}})
    await meta.add_field("demo", {"type": "enum", "external_id": "colour", "label": "Colour", "datasource": COLOURS,
                                  "mandatory": True, "default_value": "red"})
    await meta.add_field("demo", {"type": "date", "external_id": "launch", "label": "Launch"})
    result = await _upload(services, "m/one", metadata="stock=5|launch=2025-01-31")
    assert result["metadata"] == {"stock": 5, "launch": "2025-01-31", "colour": "red"}
    for bad, message in (("stock=-1", "stock: -1 is not greater than or equal to 0"), ("stock=many", "stock: not an integer"),
                         ("launch=31/01/2025", "launch: not a date"), ("colour=pink", "colour: not in its datasource"),
                         ("nosuch=1", "nosuch not found"), ("colour=", "colour: is mandatory")):
        with pytest.raises(InvalidParameter, match=message):
            await _upload(services, "m/bad", metadata=bad)
        assert await services.catalog.get("demo", "upload", "m/bad") is None
    asset = await services.store.existing("demo", "upload", "m/one")
    with pytest.raises(InvalidParameter, match="stock"):
        await apply_edits(services.store, asset, {"metadata": "launch=2026-01-01|stock=-4"}, present)
    assert (await services.store.existing("demo", "upload", "m/one")).metadata["launch"] == "2025-01-31"
    cleared = await apply_edits(services.store, asset, {"metadata": "launch=2026-01-01|stock=-4", "clear_invalid": "true"}, present)
    assert cleared.metadata == {"launch": "2026-01-01", "colour": "red"}


async def test_update_metadata_checks_every_asset_before_writing_any(services):
    await services.store.metadata.add_field("demo", {"type": "string", "external_id": "code", "label": "Code",
                                                     "validation": {"type": "strlen", "max": 4}})
    await _upload(services, "u/1")
    await _upload(services, "u/2")
    with pytest.raises(InvalidParameter, match="code: longer than 4"):
        await services.edits.metadata("demo", signed({"metadata": "code=ABCDE", "public_ids": ["u/1", "u/2"]}))
    assert [a.metadata for a in await services.catalog.get_many("demo", "upload", ["u/1", "u/2"])] == [{}, {}]
    done = await services.edits.metadata("demo", signed({"metadata": "code=AB", "public_ids": ["u/1", "u/2"]}))
    assert done["public_ids"] == ["u/1", "u/2"]
    assert [a.metadata for a in await services.catalog.get_many("demo", "upload", ["u/1", "u/2"])] == [{"code": "AB"}] * 2


async def test_rules_enable_apply_values_and_set_mandatory(services):
    meta = services.store.metadata
    await meta.add_field("demo", {"type": "enum", "external_id": "kind", "label": "Kind",
                                  "datasource": {"values": [{"external_id": "shoe", "value": "Shoe"},
                                                            {"external_id": "hat", "value": "Hat"}]}})
    await meta.add_field("demo", {"type": "integer", "external_id": "size", "label": "Size", "default_disabled": True})
    await meta.add_field("demo", {"type": "string", "external_id": "care", "label": "Care"})
    await meta.add_field("demo", {"type": "string", "external_id": "brand", "label": "Brand"})
    with pytest.raises(InvalidParameter, match="size: is disabled"):
        await meta.resolve("demo", {}, "size=42")
    shoe = {"metadata_field_id": "kind", "equals": "shoe"}
    await meta.put_rule("demo", {"external_id": "r1", "metadata_field_id": "size", "condition": shoe, "result": {"enable": True}})
    await meta.put_rule("demo", {"external_id": "r2", "metadata_field_id": "care", "condition": shoe,
                                 "result": {"apply_value": {"value": "wipe", "mode": "default"}}})
    await meta.put_rule("demo", {"external_id": "r3", "metadata_field_id": "brand", "condition": shoe,
                                 "result": {"set_mandatory": True}})
    assert [r["external_id"] for r in (await meta.rules("demo"))["metadata_rules"]] == ["r1", "r2", "r3"]
    with pytest.raises(InvalidParameter, match="brand: is mandatory"):
        await meta.resolve("demo", {}, "kind=shoe|size=42")
    assert await meta.resolve("demo", {}, "kind=shoe|size=42|brand=Acme") == {
        "kind": "shoe", "size": 42, "brand": "Acme", "care": "wipe"}
    with pytest.raises(InvalidParameter, match="size: is disabled"):
        await meta.resolve("demo", {}, "kind=hat|size=42")
    await meta.put_rule("demo", {"state": "inactive"}, "r3")
    assert "brand" not in await meta.resolve("demo", {}, "kind=shoe|size=42")
    with pytest.raises(InvalidParameter, match="unknown metadata_field_id"):
        await meta.put_rule("demo", {"metadata_field_id": "nope", "condition": shoe, "result": {"enable": True}})
    assert await meta.delete_rule("demo", "r1") == {"success": True}
    with pytest.raises(ResourceNotFound):
        await meta.delete_rule("demo", "r1")


async def test_an_overwrite_clears_metadata_unless_the_cloud_keeps_it(services):
    await services.store.metadata.add_field("demo", {"type": "string", "external_id": "note", "label": "Note"})
    await _upload(services, "o/1", metadata="note=hi", tags="t", context="k=v")
    again = await _upload(services, "o/1", overwrite="true")
    assert "metadata" not in again and again["tags"] == [] and "context" not in again
    services.uploads.options = services.uploads.options.__class__(
        **{**{f: getattr(services.uploads.options, f) for f in services.uploads.options.__dataclass_fields__},
           "keep_metadata_clouds": frozenset({"demo"})})
    await _upload(services, "o/2", metadata="note=kept", tags="t", context="k=v")
    kept = await _upload(services, "o/2", overwrite="true", tags="new")
    assert kept["metadata"] == {"note": "kept"} and kept["tags"] == ["new"] and kept["context"] == {"custom": {"k": "v"}}


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_field_body = st.fixed_dictionaries({}, optional={
    k: _json | st.sampled_from(["string", "integer", "date", "enum", "set", "and", "strlen", "greater_than"])
    for k in ("type", "external_id", "label", "mandatory", "default_value", "validation", "datasource", "default_disabled")
})


@settings(max_examples=300, deadline=None)
@given(_field_body)
def test_any_field_body_is_a_definition_or_a_400(body):
    try:
        normalise_field(body)
    except InvalidParameter:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), _json)
def test_any_value_is_typed_or_a_400(raw, other):
    fields = [normalise_field({"type": "integer", "external_id": "i", "label": "I",
                               "validation": {"type": "less_than", "value": 5}}),
              normalise_field({"type": "set", "external_id": "s", "label": "S", "datasource": COLOURS}),
              normalise_field({"type": "date", "external_id": "d", "label": "D"})]
    for field in fields:
        for value in (raw, other):
            try:
                value_of(field, value)
            except InvalidParameter:
                pass
    try:
        parse_encoded(raw)
    except InvalidParameter:
        pass
