"""The official SDK pointed at a server on a loopback port: delivery URLs, and its global configuration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import cloudinary
import cloudinary.utils

from tests.helpers.servers import EdgeNode


def sdk_url(port: int, public_id: str, **options: Any) -> str:
    url, _ = cloudinary.utils.cloudinary_url(public_id, cloud_name="demo", cname=f"127.0.0.1:{port}", secure=False, **options)
    return url


@contextmanager
def sdk_configured(node: EdgeNode, cloud: str, key: str, secret: str) -> Iterator[EdgeNode]:
    """The SDK's global configuration aimed at `node` (delivery and the Upload/Admin APIs), reset afterwards."""
    cloudinary.reset_config()
    cloudinary.config(cloud_name=cloud, api_key=key, api_secret=secret, secure=False,
                      cname=f"127.0.0.1:{node.port}", upload_prefix=node.base)
    try:
        yield node
    finally:
        cloudinary.reset_config()
