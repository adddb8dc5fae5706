"""S3 (and S3-compatible) originals: `s3://bucket/prefix`, key `<prefix>/<cloud>/<path>/<name>.<ext>`.

One aiobotocore client per process, opened by `open_client` in a cleanup_ctx. The store is
built in layers, one module each: `s3_bucket` (calls, keys, errors), `s3_lookups` (locate,
read), `s3_writes` (stage, publish, move, keep), `s3_parts` (chunked uploads), `s3_janitor`.

Writes (the Upload and Admin APIs) mirror the folder store. Edge's own objects live under
`<prefix>/.edge/` (staging, chunk parts, backups), where no public_id can reach them: a
segment may not start with a dot. An upload is put under `.edge/staging/<random>`, invisible;
`publish` copies it into place, then deletes the staged object and the public_id's other
extensions (the new format wins). Staged objects and chunk parts left by a crash are swept
after an hour.
"""

from __future__ import annotations

from edge.origins.s3_bucket import _translate, open_client
from edge.origins.s3_writes import S3Writes

__all__ = ["S3OriginStore", "open_client", "_translate"]


class S3OriginStore(S3Writes):
    """Lookups, reads and writes of originals in one bucket under one prefix."""
