"""One live `edge serve --workers 2` on the catalog and store a test module is parametrised over
(`sqlite`, `postgresql`, or `s3`: moto's S3 with a SQLite catalog), for SDK-driven e2e modules."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

from tests.helpers.pg import postgres_schema
from tests.helpers.s3 import s3_client
from tests.helpers.servers import EdgeNode


def catalog_url(kind: str, root: Any, stack: contextlib.ExitStack) -> str:
    """A PostgreSQL schema of the node's own (dropped with `stack`), else a SQLite file under `root`."""
    return stack.enter_context(postgres_schema()) if kind == "postgresql" else f"sqlite:///{root}/edge.db"


@contextlib.contextmanager
def live_node(request: Any, tmp_path_factory: Any, name: str, cloud_url: str,
              extra: dict[str, str] | None = None) -> Iterator[EdgeNode]:
    root = tmp_path_factory.mktemp(f"{name}-{request.param}")
    with contextlib.ExitStack() as stack:
        environ = {"EDGE_STORAGE_URL": f"file://{root}/storage", "EDGE_STORAGE_REVALIDATE_SECONDS": "0"}
        if request.param == "s3":
            moto_url = request.getfixturevalue("moto_url")
            bucket = f"edge-{name}-{uuid.uuid4().hex[:8]}"
            s3_client(moto_url).create_bucket(Bucket=bucket)
            environ = {"EDGE_STORAGE_URL": f"s3://{bucket}/originals", "EDGE_S3_ENDPOINT_URL": moto_url,
                       "EDGE_S3_ADDRESSING_STYLE": "path", "EDGE_S3_LOOKUP_SECONDS": "0",
                       "EDGE_S3_NEGATIVE_LOOKUP_SECONDS": "0"}
        node = EdgeNode(root, {**environ, "EDGE_DATABASE_URL": catalog_url(request.param, root, stack),
                               "CLOUDINARY_URL": cloud_url, **(extra or {})}, workers=2)
        try:
            node.wait_ready()
            yield node
        finally:
            node.stop(timeout=15)
