"""Servers under test, each a process group of its own: `edge serve`, and the bare aiohttp app."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from harness.sampling import process_tree

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BARE_APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bare_app.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, timeout: float = 60) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def metric_sum(text: str, name: str, **labels: str) -> float:
    """The sum of the Prometheus samples named `name` (prefix) carrying `labels`."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


class Server:
    """Starts `cmd` in a new session, waits until `ready_path` answers 200; stop() ends the tree."""

    def __init__(self, cmd: list[str], env: dict, port: int, ready_path: str, log: str) -> None:
        self.port = port
        self.log = open(log, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited rc={self.proc.returncode}, see {log}")
            try:
                if fetch(self.url(ready_path), timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server not ready, see {log}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        workers = process_tree(self.proc.pid)[1:]
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for worker in workers:  # prefork children that outlived their parent
            try:
                worker.kill()
            except Exception:  # noqa: BLE001 (psutil.NoSuchProcess: already gone)
                pass
        self.log.close()


def start_edge(storage: str, cache_dir: str, log: str, workers: int, render_workers: int = 0,
               memory_cache: int | None = None) -> Server:
    """`edge serve --workers N` on `storage`, with an empty disk cache."""
    import shutil

    shutil.rmtree(cache_dir, ignore_errors=True)
    env = dict(os.environ, EDGE_STORAGE_URL=f"file://{storage}", EDGE_CACHE_DIR=cache_dir,
               CLOUDINARY_URL="cloudinary://edge:edge-secret@demo")
    if render_workers:
        env["EDGE_RENDER_WORKERS"] = str(render_workers)
    if memory_cache is not None:
        env["EDGE_CACHE_MEMORY_BYTES"] = str(memory_cache)
    port = free_port()
    cmd = [os.path.join(ROOT, ".venv", "bin", "edge"), "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers)]
    return Server(cmd, env, port, "/healthz", log)


def start_bare(body_file: str, headers: dict, log: str, processes: int) -> Server:
    """harness/bare_app.py: `processes` processes answering the bytes of `body_file` with `headers`."""
    port = free_port()
    cmd = [sys.executable, BARE_APP, "--body", body_file, "--port", str(port), "--headers", json.dumps(headers),
           "--processes", str(processes)]
    return Server(cmd, dict(os.environ), port, "/", log)
