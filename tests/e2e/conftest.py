"""Fixtures shared by the end-to-end modules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.images import geometry_png
from tests.helpers.servers import EdgeNode


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, int, Path]]:
    """`edge serve --workers 2 --samples` on a storage folder with geometry.png (also in folder/):
    (base URL, port, storage folder); one per module. A module may define its own `server`."""
    root = tmp_path_factory.mktemp("e2e")
    storage = root / "storage"
    (storage / "demo" / "folder").mkdir(parents=True)
    (storage / "demo" / "geometry.png").write_bytes(geometry_png())
    (storage / "demo" / "folder" / "geometry.png").write_bytes(geometry_png())
    node = EdgeNode(root, {"EDGE_STORAGE_URL": f"file://{storage}"}, workers=2, args=("--samples",))
    try:
        node.wait_ready()
        yield node.base, node.port, storage
    finally:
        assert node.stop(timeout=15) == 0
