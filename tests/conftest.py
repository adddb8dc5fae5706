from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.settings import Settings
from tests import images


@pytest.fixture(autouse=True)
def isolate_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's CLOUDINARY_URL, EDGE_* or AWS_* variables."""
    for name in list(os.environ):
        if name.startswith(("EDGE_", "AWS_")) or name == "CLOUDINARY_URL":
            monkeypatch.delenv(name)


@pytest.fixture
def storage(tmp_path: Path) -> Path:
    """The storage folder, with geometry fixtures under cloud `demo`."""
    root = tmp_path / "storage"
    demo = root / "demo"
    (demo / "fixtures").mkdir(parents=True)
    (demo / "geometry.png").write_bytes(images.geometry_png())
    (demo / "fixtures" / "geometry.jpg").write_bytes(images.geometry_jpeg())
    (demo / "fixtures" / "rotated.jpg").write_bytes(images.geometry_jpeg(orientation=6))
    (demo / "fixtures" / "alpha.png").write_bytes(images.with_alpha_png())
    (demo / "fixtures" / "bomb.png").write_bytes(images.png_bomb())
    (demo / "fixtures" / "garbage.jpg").write_bytes(b"this is not an image" * 10)
    return root


@pytest.fixture
def make_settings(tmp_path: Path, storage: Path) -> Callable[..., Settings]:
    def make(**environ: Any) -> Settings:
        values = {
            "EDGE_STORAGE_URL": f"file://{storage}",
            "EDGE_CACHE_DIR": str(tmp_path / "cache"),
            "EDGE_STORAGE_REVALIDATE_SECONDS": "0",
            "EDGE_RENDER_WORKERS": "2",
            "EDGE_DATABASE_URL": f"sqlite:///{tmp_path}/edge.db",
        }
        values.update({k: str(v) for k, v in environ.items()})
        return Settings.load(values)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def client_for(aiohttp_client: Any) -> Callable[..., Any]:
    from edge.app import create_app

    async def make(settings: Settings) -> Any:
        return await aiohttp_client(create_app(settings))

    return make


@pytest.fixture
async def client(client_for: Callable[..., Any], settings: Settings) -> Iterator[Any]:
    return await client_for(settings)
