"""Chunked uploads on S3: each chunk under `.edge/parts/<upload>/<offset>`; the whole file once
the chunks cover the total, end to end."""

from __future__ import annotations

import re

from edge.errors import InvalidParameter
from edge.origins.s3_bucket import OWN, S3Bucket
from edge.origins.s3_janitor import Janitor

_MAX_PARTS = 500  # chunks of one chunked upload (the SDK sends 20 MB chunks by default); one LIST page
_UPLOAD_TOKEN = re.compile(r"[0-9A-Za-z_-]{1,64}")


async def add_part(bucket: S3Bucket, janitor: Janitor, upload: str, start: int, data: bytes, total: int) -> bytes | None:
    """One chunk of a chunked upload (`upload` is a safe token), kept under `.edge/parts/<upload>/`;
    the whole file once the chunks cover `total` bytes, end to end."""
    if not _UPLOAD_TOKEN.fullmatch(upload) or start < 0 or total <= 0:
        raise InvalidParameter("Invalid chunk")
    await janitor.sweep("parts")
    folder = bucket.key(OWN, "parts", upload) + "/"
    await bucket.call("put", lambda: bucket.client.put_object(Bucket=bucket.bucket, Key=f"{folder}{start:020d}", Body=data))
    listing = await bucket.call(
        "list", lambda: bucket.client.list_objects_v2(Bucket=bucket.bucket, Prefix=folder, MaxKeys=_MAX_PARTS + 1)
    )
    parts = sorted(listing.get("Contents", []), key=lambda item: item["Key"])
    if len(parts) > _MAX_PARTS:
        await bucket.delete_keys([item["Key"] for item in parts])
        raise InvalidParameter(f"Too many chunks - at most {_MAX_PARTS}")
    if sum(int(item.get("Size", 0)) for item in parts) < total:
        return None
    offset = 0
    for item in parts:  # end to end, no gap or overlap (a resent chunk replaced its own key)
        if int(item["Key"][len(folder):]) != offset:
            break
        offset += int(item.get("Size", 0))
    if offset != total:
        await bucket.delete_keys([item["Key"] for item in parts])
        raise InvalidParameter(f"Invalid chunks - they do not make {total} bytes end to end")
    chunks = [await bucket.get(item["Key"], int(item.get("Size", 0))) for item in parts]
    await bucket.delete_keys([item["Key"] for item in parts])
    return b"".join(chunks)

