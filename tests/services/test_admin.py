"""The Admin API service, called directly."""

from __future__ import annotations

from edge.grammar.delivery_path import parse_delivery_path
from edge.services.intake import FileInput
from tests.helpers.images import geometry_png
from tests.helpers.api import BASE, SECRET, signed


async def test_update_clears_tags_sent_empty(services):
    await services.uploads.upload("demo", signed({"public_id": "a/one", "tags": "x"}), FileInput(data=geometry_png()), BASE)
    body = await services.admin.update("demo", "upload", "a/one", {"tags": ""}, BASE, SECRET)
    assert body["tags"] == []


async def test_a_named_transformation_allowed_for_strict_opens_its_definition_to_unsigned_urls(services):
    """Admin refreshes the strict rules it shares with Credentials; neither calls the other."""
    path = parse_delivery_path("/demo/image/upload/c_scale,w_50/geometry.png")
    assert not services.strict.allows("demo", path.chain.canonical)
    await services.admin.create_transformation("demo", {"name": "small", "transformation": "w_50,c_scale",
                                                        "allowed_for_strict": "true"})
    assert services.strict.allows("demo", path.chain.canonical)
    await services.credentials.check_delivery(path)  # no SignatureMismatch
    await services.admin.delete_transformation("demo", {"transformation": "small"})
    assert not services.strict.allows("demo", path.chain.canonical)


async def test_delete_by_prefix_removes_originals_and_records(services):
    for name in ("p/a", "p/b", "q/c"):
        await services.uploads.upload("demo", signed({"public_id": name}), FileInput(data=geometry_png()), BASE)
    body = await services.admin.delete("demo", "upload", {"prefix": "p/"})
    assert body["deleted"] == {"p/a": "deleted", "p/b": "deleted"}
    assert [a.public_id for a in (await services.catalog.list("demo", "upload")).assets] == ["q/c"]
