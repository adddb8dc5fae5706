"""Real servers for the scale-out tests: edge nodes (`python -m edge serve` processes) and a
redis-server of a test's own, on free loopback ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import prom
from tests.helpers.net import free_port, wait_for_port


class ThrowawayRedis:
    """A redis-server of the test's own on a free port, to stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def fetch(url: str, headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class EdgeNode:
    """One `python -m edge serve` process with its own port and disk cache."""

    def __init__(self, workdir: Path, environ: dict[str, str], workers: int = 1, args: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        workdir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("EDGE_", "AWS_")) and k != "CLOUDINARY_URL"}
        env.update(
            CLOUDINARY_URL="cloudinary://key:secret@demo",
            EDGE_CACHE_DIR=str(workdir / "cache"),
            EDGE_SERVER_DRAIN_SECONDS="0",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_CONFIG_FILE=str(workdir / "no-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(workdir / "no-aws-credentials"),
        )
        env.update(environ)
        self.log = open(workdir / "edge.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "edge", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers), *args],
            env=env, cwd=workdir, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.logfile = workdir / "edge.log"

    def wait_ready(self, timeout: float = 30) -> EdgeNode:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"edge exited: {self.logfile.read_text()}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"edge did not become ready: {self.logfile.read_text()}")

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        return fetch(self.base + path, headers)

    def metrics(self) -> str:
        return self.get("/metrics")[2].decode()

    def metric(self, name: str, **labels: str) -> float:
        return prom.value(self.metrics(), name, **labels)

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.log.close()
        return code


@contextmanager
def redis_key_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of the caller's own in a shared Redis; its keys are deleted afterwards."""
    import uuid

    import redis

    prefix = f"edge-test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


# -- the two profiles the end-to-end suite runs on ---------------------------------------------

PROFILES = ("embedded", "production")
# The second product environment of the e2e server (the first is `demo`, key `key`, secret `secret`).
SHOP, SHOP_KEY, SHOP_SECRET = "shop", "123456789012345", "s3cr3t-Secret_value"
SHOP_OLD_KEY, SHOP_OLD_SECRET = "987654321098765", "rotated-old-secret"
# The third, for the Search API tests (two keys).
FINDER, FINDER_KEY, FINDER_SECRET = "finder", "111222333444555", "search-Secret_value"
FINDER_OTHER_KEY, FINDER_OTHER_SECRET = "555444333222111", "second-secret"


class Originals:
    """Where a server keeps originals: a folder (`<folder>/<cloud>/<name>`), or a bucket in moto's
    S3 (`<prefix>/<cloud>/<name>`)."""

    def __init__(self, folder: Path, moto_url: str | None = None, prefix: str = "originals") -> None:
        import uuid

        self.folder, self.moto_url, self.prefix = folder, moto_url, prefix
        self.bucket = f"edge-e2e-{uuid.uuid4().hex[:10]}"
        if moto_url:
            from tests.helpers.s3 import s3_client

            s3_client(moto_url).create_bucket(Bucket=self.bucket)
        else:
            folder.mkdir(parents=True, exist_ok=True)

    def environ(self) -> dict[str, str]:
        if not self.moto_url:
            return {"EDGE_STORAGE_URL": f"file://{self.folder}"}
        return {"EDGE_STORAGE_URL": f"s3://{self.bucket}/{self.prefix}", "EDGE_S3_ENDPOINT_URL": self.moto_url,
                "EDGE_S3_ADDRESSING_STYLE": "path"}

    def put(self, name: str, data: bytes) -> None:
        """`name` is `<cloud>/<public_id>.<ext>`, as a user drops a file into the store."""
        if not self.moto_url:
            target = self.folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            return
        from tests.helpers.s3 import s3_client

        s3_client(self.moto_url).put_object(Bucket=self.bucket, Key=f"{self.prefix}/{name}", Body=data)

    def names(self) -> list[str]:
        """Every stored name, relative to the store's root (`<cloud>/<public_id>.<ext>`, `.edge/...`)."""
        if not self.moto_url:
            return sorted(str(p.relative_to(self.folder)) for p in self.folder.rglob("*") if p.is_file())
        from tests.helpers.s3 import s3_client

        pages = s3_client(self.moto_url).get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=f"{self.prefix}/")
        return sorted(item["Key"].removeprefix(f"{self.prefix}/") for page in pages for item in page.get("Contents", []))


class Deployment:
    """A running edge in one profile: `embedded` (the defaults: folder store, SQLite, memory and
    disk tiers, one process) or `production` (moto's S3, PostgreSQL in a schema of its own, Redis
    under a key prefix of its own, two worker processes)."""

    def __init__(self, profile: str, node: EdgeNode, originals: Originals) -> None:
        self.profile, self.node, self.originals = profile, node, originals

    @property
    def base(self) -> str:
        return self.node.base

    @property
    def port(self) -> int:
        return self.node.port

    @property
    def production(self) -> bool:
        return self.profile == "production"

    def __repr__(self) -> str:
        return f"Deployment({self.profile}, {self.base})"


@contextmanager
def deployment(
    profile: str, root: Path, environ: dict[str, str], *, files: dict[str, bytes] | None = None,
    moto_url: str | None = None, redis_url: str | None = None, args: tuple[str, ...] = (), workers: int | None = None,
) -> Iterator[Deployment]:
    """Starts edge in `profile` with `files` (`<cloud>/<public_id>.<ext>` -> bytes) in its store
    (`workers` overrides the profile's processes); on exit stops it, which must end with exit
    code 0, and drops its schema and Redis keys."""
    from contextlib import ExitStack

    from tests.helpers.pg import postgres_schema

    assert profile in PROFILES, profile
    with ExitStack() as stack:
        if profile == "production":
            assert moto_url and redis_url, "the production profile needs moto's S3 and Redis"
            originals = Originals(root / "storage", moto_url)
            prefix = stack.enter_context(redis_key_prefix(redis_url))
            database = stack.enter_context(postgres_schema())
            profile_environ = {"EDGE_DATABASE_URL": database, "EDGE_REDIS_URL": redis_url, "EDGE_REDIS_KEY_PREFIX": prefix}
            default = 2
        else:
            originals = Originals(root / "storage")
            profile_environ = {"EDGE_DATABASE_URL": f"sqlite:///{root}/edge.db"}
            default = 1
        for name, data in (files or {}).items():
            originals.put(name, data)
        node = EdgeNode(root / "node", {**originals.environ(), **profile_environ, **environ}, workers=workers or default, args=args)
        try:
            node.wait_ready()
            yield Deployment(profile, node, originals)
        finally:
            code = node.stop(timeout=15)
        assert code == 0, f"edge ({profile}) exited with {code}: {node.logfile.read_text()[-3000:]}"
