"""The Search API driven by the official SDK against a live `edge serve`, in both profiles
(the e2e server; the product environment `finder`):
`cloudinary.Search()` (expression, sort_by, max_results, with_field, fields, aggregate, next_cursor),
`cloudinary.SearchFolders()`, the folder calls, and signed search URLs (`Search.to_url()`)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import cloudinary
import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import pyvips
import pytest

from tests.helpers.servers import (
    FINDER, FINDER_KEY, FINDER_OTHER_KEY, FINDER_OTHER_SECRET, FINDER_SECRET, Deployment, fetch,
)

CLOUD, KEY, SECRET = FINDER, FINDER_KEY, FINDER_SECRET
OTHER_KEY, OTHER_SECRET = FINDER_OTHER_KEY, FINDER_OTHER_SECRET


def png(width: int, height: int, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    return (pyvips.Image.black(width, height) + list(colour)).cast("uchar").copy(interpretation="srgb").pngsave_buffer()


@pytest.fixture(scope="module")
def finder(server: Deployment) -> Iterator[Deployment]:
    """The e2e server (both profiles) with the assets of the product environment `finder`."""
    configure(server)
    try:
        uploads = [
            ("catalog/shoes/red_sneaker", png(160, 90), ["summer sale", "shoes"], {"color": "red"}),
            ("catalog/shoes/blue_boot", png(40, 80, (20, 20, 200)), ["winter"], {"color": "blue"}),
            ("catalog/hats/cap", png(30, 30), ["summer"], {}),
            ("logo", png(16, 9), [], {"alt": "the red logo"}),
        ]
        for public_id, data, tags, ctx in uploads:
            cloudinary.uploader.upload(data, public_id=public_id, tags=tags, context=ctx)
        cloudinary.api.create_folder("empty/inside")
        yield server
    finally:
        cloudinary.reset_config()


def configure(server: Deployment) -> None:
    cloudinary.reset_config()
    cloudinary.config(cloud_name=CLOUD, api_key=KEY, api_secret=SECRET, secure=False,
                      cname=f"127.0.0.1:{server.port}", upload_prefix=server.base)


@pytest.fixture
def sdk(finder: Deployment) -> Iterator[Deployment]:
    configure(finder)
    yield finder
    cloudinary.reset_config()


def public_ids(result: dict) -> list[str]:
    return [r["public_id"] for r in result["resources"]]


def test_expression_sort_and_fields(sdk):
    result = cloudinary.Search().expression("tags:summer AND bytes>0").sort_by("public_id", "asc").execute()
    assert public_ids(result) == ["catalog/hats/cap", "catalog/shoes/red_sneaker"]
    assert result["total_count"] == 2 and isinstance(result["time"], int) and "next_cursor" not in result
    resource = result["resources"][1]
    for name in ("asset_id", "public_id", "folder", "asset_folder", "filename", "format", "version", "resource_type",
                 "type", "created_at", "uploaded_at", "bytes", "width", "height", "aspect_ratio", "pixels", "url",
                 "secure_url", "status", "access_mode", "etag"):
        assert name in resource, name
    assert resource["folder"] == "catalog/shoes" and resource["filename"] == "red_sneaker"
    assert (resource["width"], resource["height"], resource["pixels"]) == (160, 90, 14400)
    assert "tags" not in resource and "context" not in resource
    status, _, body = fetch(resource["secure_url"])
    assert status == 200 and pyvips.Image.new_from_buffer(body, "").width == 160

    result = (cloudinary.Search().expression("folder:catalog/*").with_field("tags").with_field("context")
              .sort_by("public_id", "desc").execute())
    assert public_ids(result) == ["catalog/shoes/red_sneaker", "catalog/shoes/blue_boot", "catalog/hats/cap"]
    assert result["resources"][0]["tags"] == ["summer sale", "shoes"]
    assert result["resources"][0]["context"] == {"color": "red"}

    narrow = cloudinary.Search().expression("red").fields("tags,width").sort_by("public_id", "asc").execute()
    assert public_ids(narrow) == ["catalog/shoes/red_sneaker", "logo"]  # a public_id word, or a context value
    assert set(narrow["resources"][1]) <= {"asset_id", "public_id", "type", "resource_type", "version", "format",
                                           "created_at", "asset_folder", "tags", "width"}
    assert narrow["resources"][1]["width"] == 16 and narrow["resources"][1]["tags"] == []


@pytest.mark.parametrize(("expression", "expected"), [
    ("tags=shoes", ["catalog/shoes/red_sneaker"]),
    ('tags:"summer sale"', ["catalog/shoes/red_sneaker"]),
    ("context.color=blue", ["catalog/shoes/blue_boot"]),
    ("folder=catalog/hats", ["catalog/hats/cap"]),
    ("width>=40 AND height<90", ["catalog/shoes/blue_boot"]),
    ("aspect_ratio>1.5", ["catalog/shoes/red_sneaker", "logo"]),
    ("uploaded_at>1d AND NOT tags:*", ["logo"]),
    ("format:png AND resource_type:image AND type:upload AND filename:cap", ["catalog/hats/cap"]),
    ("created_at<2000-01-01", []),
    ("public_id:catalog/shoes/* OR public_id=logo", ["catalog/shoes/blue_boot", "catalog/shoes/red_sneaker", "logo"]),
])
def test_expressions_through_the_sdk(sdk, expression, expected):
    result = cloudinary.Search().expression(expression).sort_by("public_id", "asc").max_results(500).execute()
    assert public_ids(result) == expected


def test_bad_queries_are_400_naming_the_problem(sdk):
    for expression, message in [("colour:red", "unknown field 'colour' at position 1"),
                                ("tags:red AND (", "position 15"), ("width:wide", "invalid width 'wide'")]:
        with pytest.raises(cloudinary.exceptions.BadRequest, match=message.replace("(", r"\(")):
            cloudinary.Search().expression(expression).execute()
    with pytest.raises(cloudinary.exceptions.BadRequest, match="max_results"):
        cloudinary.Search().max_results(501).execute()
    with pytest.raises(cloudinary.exceptions.BadRequest, match="sort_by"):
        cloudinary.Search().sort_by("colour").execute()
    with pytest.raises(cloudinary.exceptions.AuthorizationRequired):
        cloudinary.Search().execute(api_secret="wrong")


def test_pages_with_next_cursor_and_a_string_max_results(sdk):
    seen, cursor = [], None
    while True:
        search = cloudinary.Search().expression("resource_type:image").sort_by("public_id", "asc").max_results("3")
        if cursor:
            search = search.next_cursor(cursor)
        result = search.execute()
        assert result["total_count"] == 4
        seen += public_ids(result)
        if not (cursor := result.get("next_cursor")):
            break
    assert seen == ["catalog/hats/cap", "catalog/shoes/blue_boot", "catalog/shoes/red_sneaker", "logo"]


def test_pages_hold_still_while_assets_arrive(sdk):
    """Newest first, keyset pages: what arrives between pages never makes a page repeat or skip one
    that was there (an arrival in the cursor's own second may show up, after it)."""
    try:
        for n in range(5):
            cloudinary.uploader.upload(png(8 + n, 8), public_id=f"stream/old{n}", tags=["stream"])
        seen, cursor, arrived = [], None, 0
        while True:
            search = cloudinary.Search().expression("tags=stream").max_results(2).sort_by("created_at", "desc")
            result = (search.next_cursor(cursor) if cursor else search).execute()
            seen += public_ids(result)
            cloudinary.uploader.upload(png(8, 9), public_id=f"stream/new{arrived}", tags=["stream"])
            arrived += 1
            if not (cursor := result.get("next_cursor")):
                break
        assert len(seen) == len(set(seen))
        assert {f"stream/old{n}" for n in range(5)} <= set(seen)
        assert cloudinary.Search().expression("tags=stream").execute()["total_count"] == 5 + arrived
    finally:
        cloudinary.api.delete_resources_by_prefix("stream/")


def test_aggregations(sdk):
    result = (cloudinary.Search().expression("").aggregate("format").aggregate("type").aggregate("resource_type")
              .aggregate({"type": "bytes", "ranges": [{"key": "all", "from": 0}, {"key": "none", "to": 1}]})
              .aggregate({"type": "image_pixels", "ranges": [{"key": "small", "to": 1000}, {"key": "big", "from": 1000}]})
              .max_results(1).execute())
    assert result["total_count"] == 4 and len(result["resources"]) == 1 and result["next_cursor"]
    assert result["aggregations"] == {
        "format": {"png": 4}, "type": {"upload": 4}, "resource_type": {"image": 4},
        "bytes": {"all": 4, "none": 0}, "image_pixels": {"small": 2, "big": 2},
    }


def test_folders_and_search_folders(sdk):
    assert [f["path"] for f in cloudinary.api.root_folders()["folders"]] == ["catalog", "empty"]
    assert [f["path"] for f in cloudinary.api.subfolders("catalog")["folders"]] == ["catalog/hats", "catalog/shoes"]
    found = cloudinary.SearchFolders().expression("name:shoes OR path=empty/inside").execute()
    assert [f["path"] for f in found["folders"]] == ["catalog/shoes", "empty/inside"] and found["total_count"] == 2
    every = cloudinary.SearchFolders().max_results(2).execute()
    assert every["total_count"] == 5 and len(every["folders"]) == 2
    rest = cloudinary.SearchFolders().max_results(2).next_cursor(every["next_cursor"]).execute()
    assert [f["path"] for f in every["folders"] + rest["folders"]] == ["catalog", "catalog/hats", "catalog/shoes", "empty"]
    with pytest.raises(cloudinary.exceptions.BadRequest, match="unknown field 'tags'"):
        cloudinary.SearchFolders().expression("tags:x").execute()
    cloudinary.api.create_folder("scratch/tmp")
    assert cloudinary.api.delete_folder("scratch/tmp")["deleted"] == ["scratch/tmp"]
    with pytest.raises(cloudinary.exceptions.BadRequest):
        cloudinary.api.delete_folder("catalog/hats")  # not empty


def test_signed_search_urls(sdk):
    search = cloudinary.Search().expression("tags:summer").sort_by("public_id", "asc").max_results(1).with_field("tags")
    url = search.to_url(ttl=600)
    assert url.startswith(f"{sdk.base}/{CLOUD}/search/")
    status, headers, body = fetch(url)
    assert status == 200 and headers["Cache-Control"] == "public, max-age=600"
    first = json.loads(body)
    assert public_ids(first) == ["catalog/hats/cap"] and first["resources"][0]["tags"] == ["summer"]
    status, _, body = fetch(search.to_url(ttl=600, next_cursor=first["next_cursor"]))
    assert status == 200 and public_ids(json.loads(body)) == ["catalog/shoes/red_sneaker"]
    # signed by the other key of the cloud: also good; by a stranger, or tampered: refused
    assert fetch(search.to_url(api_secret=OTHER_SECRET))[0] == 200
    assert fetch(search.to_url(api_secret="not-a-secret"))[0] == 401
    assert fetch(url.replace("/600/", "/601/"))[0] == 401
