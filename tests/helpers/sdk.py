"""Delivery URLs built by the official SDK for a server on a loopback port."""

from __future__ import annotations

from typing import Any

import cloudinary.utils


def sdk_url(port: int, public_id: str, **options: Any) -> str:
    url, _ = cloudinary.utils.cloudinary_url(public_id, cloud_name="demo", cname=f"127.0.0.1:{port}", secure=False, **options)
    return url
