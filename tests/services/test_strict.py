"""Strict transformations and Credentials, without the Admin API."""

from __future__ import annotations

import pytest

from edge.catalog.models import NamedTransformation
from edge.errors import SignatureMismatch
from edge.grammar.delivery_path import parse_delivery_path


async def test_a_change_made_elsewhere_is_picked_up_by_the_reload(services):
    path = parse_delivery_path("/demo/image/upload/c_scale,w_30/geometry.png")
    with pytest.raises(SignatureMismatch, match="strict"):
        await services.credentials.check_delivery(path)
    # Another process writes the catalog directly: no refresh here, but the once-a-second reload sees it.
    await services.catalog.put_named_transformation(
        "demo", NamedTransformation("tiny", path.chain.canonical, True, "2026-01-01T00:00:00Z"), create=True
    )
    services.strict._reloaded.clear()
    await services.credentials.check_delivery(path)
    assert services.strict.allows("demo", path.chain.canonical)
