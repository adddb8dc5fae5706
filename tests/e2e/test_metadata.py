"""Structured metadata through the official SDK against a live `edge serve`, on SQLite and
PostgreSQL: fields, datasources, rules, values on upload/explicit/update/update_metadata,
listings, and `md:!key!` in URL conditions."""

from __future__ import annotations

from collections.abc import Iterator

import cloudinary
import cloudinary.search
import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import cloudinary.utils
import pytest

from tests.helpers.images import BLUE, RED, decode, near, pixel, solid_png
from tests.helpers.live import live_node
from tests.helpers.sdk import sdk_configured
from tests.helpers.servers import EdgeNode, fetch

CLOUD, KEY, SECRET = "meta", "111122223333444", "meta-secret"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, tmp_path_factory) -> Iterator[EdgeNode]:
    with live_node(request, tmp_path_factory, "metadata", f"cloudinary://{KEY}:{SECRET}@{CLOUD}", extra={"EDGE_API_KEEP_METADATA_CLOUDS": ""}) as node:
        yield node


@pytest.fixture
def sdk(live) -> Iterator[EdgeNode]:
    with sdk_configured(live, CLOUD, KEY, SECRET) as node:
        yield node


def test_fields_datasources_and_rules_through_the_sdk(sdk):
    api = cloudinary.api
    created = api.add_metadata_field({"type": "set", "external_id": "colours", "label": "Colours",
                                      "datasource": {"values": [{"external_id": "red", "value": "Red"},
                                                                {"external_id": "blue", "value": "Blue"}]}})
    assert created["external_id"] == "colours" and created["datasource"]["values"][0]["state"] == "active"
    api.add_metadata_field({"type": "integer", "external_id": "stock", "label": "Stock", "mandatory": True,
                            "default_value": 1, "validation": {"type": "greater_than", "value": 0}})
    with pytest.raises(cloudinary.exceptions.BadRequest, match="mandatory field needs a default_value"):
        api.add_metadata_field({"type": "string", "external_id": "x", "label": "X", "mandatory": True})
    with pytest.raises(cloudinary.exceptions.BadRequest, match="stock2: 0 is not greater than 0"):
        api.add_metadata_field({"type": "integer", "external_id": "stock2", "label": "S", "default_value": 0,
                                "validation": {"type": "greater_than", "value": 0}})
    with pytest.raises(cloudinary.exceptions.AlreadyExists):
        api.add_metadata_field({"type": "string", "external_id": "stock", "label": "Again"})
    assert [f["external_id"] for f in api.list_metadata_fields()["metadata_fields"]] == ["colours", "stock"]
    api.reorder_metadata_fields("external_id", "desc")
    assert [f["external_id"] for f in api.list_metadata_fields()["metadata_fields"]] == ["stock", "colours"]
    assert api.metadata_field_by_field_id("stock")["default_value"] == 1
    assert api.update_metadata_field("stock", {"label": "In stock"})["label"] == "In stock"
    source = api.update_metadata_field_datasource("colours", [{"external_id": "green", "value": "Green"}])
    assert [e["external_id"] for e in source["values"]] == ["red", "blue", "green"]
    source = api.delete_datasource_entries("colours", ["blue"])
    assert [e["state"] for e in source["values"]] == ["active", "inactive", "active"]
    api.restore_metadata_field_datasource("colours", ["blue"])
    ordered = api.reorder_metadata_field_datasource("colours", "value", "desc")
    assert [e["value"] for e in ordered["values"]] == ["Red", "Green", "Blue"]
    with pytest.raises(cloudinary.exceptions.NotFound):
        api.metadata_field_by_field_id("nope")
    rule = api.add_metadata_rule({"metadata_field_id": "stock", "condition": {"metadata_field_id": "colours", "populated": True},
                                  "result": {"set_mandatory": True}, "name": "stock when coloured"})
    assert api.list_metadata_rules()["metadata_rules"][0]["external_id"] == rule["external_id"]
    assert api.update_metadata_rule(rule["external_id"], {"state": "inactive"})["state"] == "inactive"
    assert api.delete_metadata_rule(rule["external_id"]) == {"success": True}
    api.add_metadata_field({"type": "date", "external_id": "gone", "label": "Gone"})
    assert api.delete_metadata_field("gone") == {"message": "ok"}


def test_values_on_upload_update_and_update_metadata_and_in_listings(sdk):
    api, up = cloudinary.api, cloudinary.uploader
    api.add_metadata_field({"type": "string", "external_id": "sku", "label": "SKU", "validation": {"type": "strlen", "max": 6}})
    api.add_metadata_field({"type": "date", "external_id": "launch", "label": "Launch"})
    result = up.upload(solid_png(RED, 8, 8), public_id="m/one", metadata={"sku": "A|B=1", "colours": ["red", "blue"]})
    assert result["metadata"] == {"sku": "A|B=1", "colours": ["red", "blue"], "stock": 1}
    with pytest.raises(cloudinary.exceptions.BadRequest, match="sku: longer than 6"):
        up.upload(solid_png(RED, 8, 8), public_id="m/bad", metadata={"sku": "TOOLONG1"})
    with pytest.raises(cloudinary.exceptions.NotFound):
        api.resource("m/bad")
    up.upload(solid_png(BLUE, 8, 8), public_id="m/two")
    with pytest.raises(cloudinary.exceptions.BadRequest, match="launch: not a date"):
        up.update_metadata({"launch": "tomorrow", "sku": "OK"}, ["m/one", "m/two"])
    assert api.resource("m/two").get("metadata", {}).get("sku") is None
    assert up.update_metadata({"launch": "tomorrow", "sku": "OK"}, ["m/one", "m/two"], clear_invalid=True)["public_ids"] == ["m/one", "m/two"]
    assert api.resource("m/two")["metadata"] == {"sku": "OK", "stock": 1}
    api.update("m/two", metadata={"launch": "2025-06-01", "stock": 7})
    assert api.resource("m/two")["metadata"] == {"sku": "OK", "stock": 7, "launch": "2025-06-01"}
    with pytest.raises(cloudinary.exceptions.BadRequest, match="stock: not an integer"):
        up.explicit("m/two", type="upload", metadata={"stock": "lots"})
    listed = api.resources(prefix="m/", metadata=True)["resources"]
    assert [r["metadata"]["sku"] for r in listed] == ["OK", "OK"]
    assert "metadata" not in api.resources(prefix="m/")["resources"][0]
    found = cloudinary.Search().expression("metadata.sku=OK AND metadata.launch=2025-06-01").with_field("metadata").execute()
    assert [(r["public_id"], r["metadata"]["stock"]) for r in found["resources"]] == [("m/two", 7)]
    coloured = cloudinary.Search().expression("metadata.colours:blue").execute()
    assert [r["public_id"] for r in coloured["resources"]] == ["m/one"]
    overwritten = up.upload(solid_png(BLUE, 8, 8), public_id="m/one", overwrite=True)
    assert overwritten["metadata"] == {"stock": 1}  # cleared but for the mandatory default


def test_md_in_a_url_condition_reads_the_assets_metadata(sdk):
    cloudinary.api.add_metadata_field({"type": "enum", "external_id": "tone", "label": "Tone",
                                       "datasource": {"values": [{"external_id": "warm", "value": "Warm"},
                                                                 {"external_id": "cool", "value": "Cool"}]}})
    cloudinary.uploader.upload(solid_png(RED, 40, 40), public_id="cond", metadata={"tone": "warm"})
    url = f"{sdk.base}/{CLOUD}/image/upload/if_md:!tone!_eq_!warm!/e_colorize:100,co_blue/if_end/cond.png"
    assert not near(pixel(decode(fetch(url)[2]), 5, 5), RED)  # the condition held: colourised
    cloudinary.uploader.update_metadata({"tone": "cool"}, ["cond"])
    plain = f"{sdk.base}/{CLOUD}/image/upload/if_md:!tone!_eq_!warm!/e_colorize:100,co_blue/if_end/w_40/cond.png"
    assert near(pixel(decode(fetch(plain)[2]), 5, 5), RED)
