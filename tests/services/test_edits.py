"""Asset edits through the Upload API, called directly; `apply_edits` is also the Admin API's update."""

from __future__ import annotations

import pytest

from edge.errors import AlreadyExists, InvalidParameter, ResourceNotFound
from edge.services.edits import apply_edits, given, present
from edge.services.intake import FileInput
from tests.helpers.images import geometry_png
from tests.helpers.api import signed
from tests.helpers.api import BASE


async def _upload(services, public_id: str, **params) -> dict:
    return await services.uploads.upload("demo", signed({"public_id": public_id, **params}), FileInput(data=geometry_png()), BASE)


async def test_explicit_skips_empty_values_where_the_admin_update_clears(services):
    await _upload(services, "e/one", tags="a,b", context="k=v")
    asset = await services.store.existing("demo", "upload", "e/one")
    assert await apply_edits(services.store, asset, {"tags": "", "context": ""}, given) == asset
    cleared = await apply_edits(services.store, asset, {"tags": "", "metadata": "m=1"}, present)
    assert cleared.tags == () and cleared.context == {"k": "v"} and cleared.metadata == {"m": "1"}
    assert (await services.catalog.get("demo", "upload", "e/one")).tags == ()


async def test_tags_commands(services):
    for name in ("t1", "t2"):
        await _upload(services, name, tags="old")
    await services.edits.tags("demo", signed({"command": "add", "tag": "new", "public_ids": "t1,t2"}))
    await services.edits.tags("demo", signed({"command": "set_exclusive", "tag": "old", "public_ids": "t2"}))
    assert [a.tags for a in await services.catalog.get_many("demo", "upload", ["t1", "t2"])] == [("new",), ("old", "new")]
    with pytest.raises(InvalidParameter, match="Invalid command"):
        await services.edits.tags("demo", signed({"command": "shuffle", "tag": "x", "public_ids": "t1"}))


async def test_rename_moves_the_original_and_refuses_to_overwrite_unless_asked(services):
    await _upload(services, "r/from")
    await _upload(services, "r/taken")
    with pytest.raises(AlreadyExists):
        await services.edits.rename("demo", signed({"from_public_id": "r/from", "to_public_id": "r/taken"}), BASE)
    body = await services.edits.rename("demo", signed({"from_public_id": "r/from", "to_public_id": "r/to"}), BASE)
    assert body["public_id"] == "r/to" and (services.root / "demo" / "r" / "to.png").exists()
    assert not (services.root / "demo" / "r" / "from.png").exists()


async def test_destroy_checks_the_type_and_removes_original_and_record(services):
    await _upload(services, "d/one")
    with pytest.raises(InvalidParameter, match="Unsupported type - list"):
        await services.edits.destroy("demo", signed({"public_id": "d/one", "type": "list"}))
    assert await services.edits.destroy("demo", signed({"public_id": "d/one"})) == {"result": "ok"}
    assert await services.edits.destroy("demo", signed({"public_id": "d/one"})) == {"result": "not found"}
    with pytest.raises(ResourceNotFound):
        await services.store.existing("demo", "upload", "d/one")


async def test_explicit_renders_eager_derivatives_with_their_dimensions(services):
    await _upload(services, "x/one")
    body = await services.edits.explicit("demo", signed({"public_id": "x/one", "type": "upload", "eager": "c_scale,w_80"}), BASE)
    assert [(e["width"], e["height"], e["format"]) for e in body["eager"]] == [(80, 60, "png")]
