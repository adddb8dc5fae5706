from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.settings import Settings
from tests.helpers import images
from tests.helpers.s3 import s3_client


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
            "EDGE_SERVER_WORKERS": "1",  # the app under test is one process (the aiohttp test server)
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


# -- S3 (moto's server) and Redis (the real one), for the scale-out tests -------------------

REDIS_URL = os.environ.get("EDGE_TEST_REDIS", "redis://127.0.0.1:6379/0")  # scripts/with_services.py may start its own


@pytest.fixture(autouse=True)
def isolate_aws_config(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A developer's ~/.aws never reaches a test (aiobotocore's isolate_aws_environment)."""
    empty = tmp_path_factory.getbasetemp() / "no-aws"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Credentials through the AWS chain's first link, the environment (moto accepts any)."""
    values = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def bucket(moto_url: str, aws_credentials: dict[str, str]) -> Iterator[str]:
    """A fresh bucket whose prefix `originals/` holds the geometry fixtures under cloud `demo`."""
    import uuid

    name = f"edge-{uuid.uuid4().hex[:12]}"
    client = s3_client(moto_url)
    client.create_bucket(Bucket=name)
    client.put_object(Bucket=name, Key="originals/demo/geometry.png", Body=images.geometry_png())
    client.put_object(Bucket=name, Key="originals/demo/fixtures/geometry.jpg", Body=images.geometry_jpeg())
    yield name


@pytest.fixture(scope="session")
def redis_server() -> str:
    """The machine's Redis on 6379; started here (no persistence) if it is not running."""
    import shutil
    import subprocess
    import time

    import redis

    def alive() -> bool:
        try:
            return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    if not alive() and shutil.which("redis-server"):
        subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
                        "--save", "", "--appendonly", "no"], check=True)
        for _ in range(50):
            if alive():
                break
            time.sleep(0.1)
    if not alive():
        pytest.fail("Redis is needed on 127.0.0.1:6379 (redis-server)")
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_server: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    from tests.helpers.servers import redis_key_prefix

    with redis_key_prefix(redis_server) as prefix:
        yield prefix
