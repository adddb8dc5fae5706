"""The Search service: any body the SDK (or anyone) sends is a query or a 400, and signed search
URLs verify exactly as the SDK's `Search.to_url()` signs them (a real SQLite catalog)."""

from __future__ import annotations

import datetime
from pathlib import Path
from urllib.parse import urlparse

import cloudinary
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.catalog.models import Asset
from edge.catalog.store import open_catalog
from edge.errors import InvalidParameter, ResourceNotFound, SignatureMismatch
from edge.services.credentials import Credentials
from edge.services.search import Search, parse_query
from edge.signing import parse_keyring

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
keys = st.sampled_from(["expression", "sort_by", "max_results", "next_cursor", "with_field", "fields", "aggregate"])


@given(st.dictionaries(keys, json_values))
@settings(max_examples=300)
def test_any_body_is_a_query_or_a_400(body):
    try:
        parse_query("c", body, NOW)
    except InvalidParameter as exc:
        assert exc.status == 400


def test_the_sdk_body():
    body = (cloudinary.Search().expression("tags:a").sort_by("bytes", "asc").sort_by("public_id").max_results("7")
            .aggregate("format").aggregate({"type": "bytes", "ranges": [{"key": "s", "to": 10}]}).with_field("tags")
            .as_dict())
    query = parse_query("c", body, NOW)
    assert [(k.field, k.descending) for k in query.sort] == [("bytes", False), ("public_id", True)]
    assert query.max_results == 7 and query.facets == ("format",)
    assert query.ranges[0].field == "bytes" and query.ranges[0].buckets[0].key == "s"
    for bad, message in [({"max_results": 0}, "max_results"), ({"max_results": "many"}, "max_results"),
                         ({"sort_by": [{"colour": "asc"}]}, "sort_by field"), ({"sort_by": [{"bytes": "up"}]}, "direction"),
                         ({"aggregate": ["colour"]}, "aggregate"), ({"with_field": ["x"]}, "with_field"),
                         ({"aggregate": [{"type": "bytes", "ranges": [{"from": "x"}]}]}, "range")]:
        with pytest.raises(InvalidParameter, match=message):
            parse_query("c", bad, NOW)


async def test_signed_urls_verify_as_the_sdk_signs(tmp_path: Path):
    catalog = await open_catalog(f"sqlite:///{tmp_path}/edge.db")
    await catalog.put(Asset(cloud="shop", public_id="a", asset_id="i", version=1, version_id="v", format="png", width=1,
                            height=1, bytes=1, etag="e", created_at="2026-01-01T00:00:00Z", tags=("t",)))
    keyring = parse_keyring("cloudinary://1:first-secret@shop", "cloudinary://2:second-secret@shop")
    search = Search(catalog, Credentials(keyring), clock=lambda: NOW)
    cloudinary.reset_config()
    cloudinary.config(cloud_name="shop", api_key="1", api_secret="first-secret", secure=False, cname="edge.test")
    try:
        for secret in ("first-secret", "second-secret"):
            url = cloudinary.Search().expression("tags=t").with_field("tags").to_url(ttl=120, api_secret=secret)
            _, cloud, _, signature, ttl, encoded = urlparse(url).path.split("/")
            body, max_age = await search.signed(cloud, signature, ttl, encoded, None, "http://edge.test")
            assert max_age == 120 and body["resources"][0]["tags"] == ["t"] and body["total_count"] == 1
        with pytest.raises(SignatureMismatch):
            await search.signed(cloud, signature, "121", encoded, None, "")
        with pytest.raises(SignatureMismatch):
            await search.signed(cloud, "0" * 64, ttl, encoded, None, "")
        with pytest.raises(InvalidParameter, match="ttl"):
            await search.signed(cloud, signature, "-1", encoded, None, "")
        with pytest.raises(ResourceNotFound):
            await search.signed("elsewhere", signature, ttl, encoded, None, "")
    finally:
        cloudinary.reset_config()
        await catalog.close()
