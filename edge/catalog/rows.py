"""Rows and models: an assets row or a journal entry <-> `Asset`, and the opaque listing cursor."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

from edge.catalog.db import Row
from edge.catalog.models import Asset
from edge.errors import InvalidParameter


def asset_from_row(row: Row) -> Asset:
    return Asset(
        cloud=row["cloud"], type=row["type"], public_id=row["public_id"], asset_id=row["asset_id"],
        version=int(row["version"]), version_id=row["version_id"], format=row["format"], width=int(row["width"]),
        height=int(row["height"]), bytes=int(row["bytes"]), etag=row["etag"], created_at=row["created_at"],
        tags=tuple(json.loads(row["tags"])), context=json.loads(row["context"]), metadata=json.loads(row["metadata"]),
        original_filename=row["original_filename"], placeholder=bool(row["placeholder"]), backup=bool(row["backup"]),
        coordinates=tuple(tuple(box) for box in json.loads(row["coordinates"])),
        display_name=row.get("display_name") or "",
    )


def encode_cursor(type_: str, public_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([type_, public_id]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        type_, public_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(type_), str(public_id)
    except (ValueError, TypeError):
        raise InvalidParameter("Invalid next_cursor") from None


def asset_to_json(asset: Asset) -> dict[str, Any]:
    return dataclasses.asdict(asset)


def asset_from_json(data: dict[str, Any]) -> Asset:
    return Asset(**{**data, "tags": tuple(data.get("tags", ())),
                    "coordinates": tuple(tuple(box) for box in data.get("coordinates", ()))})
