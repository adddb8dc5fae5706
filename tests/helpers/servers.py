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
