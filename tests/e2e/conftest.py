"""The server every end-to-end module shares: one per profile per session, so each SDK-driven
test runs on the embedded default and on the production profile (see helpers.servers.deployment).

Two product environments: `demo` (CLOUDINARY_URL, key `key`, secret `secret`; geometry.png and
folder/geometry.png in the store, and the samples) and `shop` (EDGE_API_KEYS: a current key
and a rotated old one, for the Upload and Admin API tests), and `finder` (two keys, for the Search
API tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.images import geometry_png
from tests.helpers.servers import (
    FINDER, FINDER_KEY, FINDER_OTHER_KEY, FINDER_OTHER_SECRET, FINDER_SECRET, PROFILES, SHOP, SHOP_KEY, SHOP_OLD_KEY,
    SHOP_OLD_SECRET, SHOP_SECRET, Deployment, deployment,
)


def _samples(tmp) -> dict[str, bytes]:
    """What `--samples` installs into a folder store, for a store `--samples` cannot write to."""
    from edge import samples

    samples.install(tmp, "demo")
    return {str(p.relative_to(tmp)): p.read_bytes() for p in tmp.rglob("*") if p.is_file()}


@pytest.fixture(scope="session", params=PROFILES)
def server(request, tmp_path_factory) -> Iterator[Deployment]:
    profile = request.param
    root = tmp_path_factory.mktemp(f"e2e-{profile}")
    files = {"demo/geometry.png": geometry_png(), "demo/folder/geometry.png": geometry_png()}
    options: dict = {}
    if profile == "production":
        files.update(_samples(tmp_path_factory.mktemp("samples")))
        options = {"moto_url": request.getfixturevalue("moto_url"), "redis_url": request.getfixturevalue("redis_server")}
    else:
        options = {"args": ("--samples",)}
    environ = {
        "EDGE_API_KEYS": ",".join([
            f"cloudinary://{SHOP_KEY}:{SHOP_SECRET}@{SHOP}", f"cloudinary://{SHOP_OLD_KEY}:{SHOP_OLD_SECRET}@{SHOP}",
            f"cloudinary://{FINDER_KEY}:{FINDER_SECRET}@{FINDER}",
            f"cloudinary://{FINDER_OTHER_KEY}:{FINDER_OTHER_SECRET}@{FINDER}",
        ]),
        "EDGE_API_WEBHOOK_ATTEMPTS": "3",
    }
    with deployment(profile, root, environ, files=files, **options) as running:
        yield running
