#!/usr/bin/env python3
"""Soak: a mixed workload at ~80 % of the node's measured capacity, for a long time.

    .venv/bin/python benchmarks/soak.py [--minutes 30] [--pg] [--rate R] [--out DIR]

Starts a private redis-server on a free port (never the machine's 6379), then
`edge serve --workers 2` with that Redis, the SQLite catalog (`--pg`: a throwaway schema in the
PostgreSQL at EDGE_BENCH_POSTGRES, default postgresql://postgres@127.0.0.1:5432/test) and a
storage folder holding `--images` generated 1200x900 JPEGs. Then:

  1. warm-up: every URL of the warm set once (renders), keeping each ETag;
  2. capacity: the same mix, closed loop with `--conc` clients for `--probe-seconds`;
  3. soak: the mix, open loop (requests start on a clock, whatever the answers do) at
     `--load` (0.8) x that capacity, for `--minutes`.

The mix (per request): warm hits on a Zipf-skewed (s=1.1) set of derivative URLs, 304
revalidations (If-None-Match), cold renders (a transformation never asked before), signed
uploads of new public_ids, overwrites of acknowledged ones, Admin API reads (one resource, a
prefix listing) and a few bad URLs (400 and 404 expected). Every kind has its expected
statuses; anything else is an error, counted by kind and reason.

Every 5 s it samples each server process (the supervisor and its workers): RSS, open file
descriptors, CPU; and the client's own CPU (it shares the 2 cores with the server: the
capacity is measured with the same client running, so 80 % is of what the node does *with
this client beside it*; the client's CPU share is reported per minute).

At the end every acknowledged upload is checked: in the catalog (Admin API) at its last
acknowledged version, and delivered (its plain URL) byte for byte as uploaded.

Writes report.json, report.md and soak.png (matplotlib) under --out (default
benchmarks/results/soak-<time>/) and prints the table.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness.servers import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLOUD, KEY, SECRET = "demo", "soak", "soak-secret"
PG_DSN = os.environ.get("EDGE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

# The mix: kind -> share of requests.
MIX = {"warm": 0.64, "revalidate": 0.10, "cold": 0.08, "upload": 0.05, "overwrite": 0.02, "admin": 0.08, "bad": 0.03}
EXPECTED = {"warm": {200}, "revalidate": {304}, "cold": {200}, "upload": {200}, "overwrite": {200}, "admin": {200},
            "bad": {400, 404}}


# -- services --------------------------------------------------------------------------------

class PrivateRedis:
    """redis-server on a free loopback port of its own, no persistence; stop and start on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _until(lambda: _tcp_open(self.port), 10, "redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class PostgresSchema:
    """A schema of its own in the shared PostgreSQL, dropped at the end."""

    def __init__(self) -> None:
        self.schema = "edge_soak_" + uuid.uuid4().hex[:8]

    def _sql(self, sql: str) -> None:
        import asyncpg

        async def run() -> None:
            connection = await asyncpg.connect(PG_DSN, timeout=5)
            try:
                await connection.execute(sql)
            finally:
                await connection.close()

        asyncio.run(run())

    def __enter__(self) -> str:
        self._sql(f"CREATE SCHEMA {self.schema}")
        return f"{PG_DSN}?search_path={self.schema}"

    def __exit__(self, *exc: object) -> None:
        self._sql(f"DROP SCHEMA {self.schema} CASCADE")


class Node:
    """`edge serve --workers W` in a process group of its own, on a fixed port (restartable)."""

    def __init__(self, name: str, workdir: Path, environ: dict[str, str], workers: int = 2) -> None:
        self.name = name
        self.workdir = workdir
        self.environ = environ
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    def start(self, wait: bool = True) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("EDGE_", "AWS_")) and k != "CLOUDINARY_URL"}
        env.update(self.environ, CLOUDINARY_URL=f"cloudinary://{KEY}:{SECRET}@{CLOUD}",
                   EDGE_CACHE_DIR=str(self.workdir / "cache"))
        log = open(self.workdir / "edge.log", "a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "edge", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers)],
            env=env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 90) -> None:
        _until(lambda: self.ready(), timeout, f"{self.name} did not become ready; see {self.workdir / 'edge.log'}")

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.base + "/readyz", timeout=1) as r:
                return r.status == 200
        except (OSError, urllib.error.HTTPError):
            return False

    def processes(self) -> list[psutil.Process]:
        if self.process is None or self.process.poll() is not None:
            return []
        try:
            parent = psutil.Process(self.process.pid)
            return [parent, *sorted(parent.children(), key=lambda p: p.pid)]
        except psutil.NoSuchProcess:
            return []

    def workers_pids(self) -> list[int]:
        return [p.pid for p in self.processes()[1:]]

    def stop(self, timeout: float = 40) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()


def _tcp_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _until(check, timeout: float, message: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise SystemExit(message)


# -- images ----------------------------------------------------------------------------------

def make_jpeg(width: int, height: int, seed: int, quality: int = 85) -> bytes:
    import pyvips

    noise = pyvips.Image.gaussnoise(width, height, mean=128, sigma=40, seed=seed).cast("uchar")
    tint = [(seed * 53) % 255, (seed * 97) % 255, (seed * 151) % 255]
    image = (noise.bandjoin([noise, noise]) * 0.5 + [t * 0.5 for t in tint]).cast("uchar")
    return image.copy(interpretation="srgb").jpegsave_buffer(Q=quality)


# -- the workload ----------------------------------------------------------------------------

@dataclass
class Sample:
    started: float  # seconds since the run began
    kind: str
    seconds: float
    error: str | None  # None: an expected answer
    node: str = ""


@dataclass
class Workload:
    """The mixed workload's state: URLs, ETags, acknowledged uploads. `one(kind)` runs one request."""

    run_id: str
    images: int
    warm_urls: int = 200
    rng: random.Random = field(default_factory=lambda: random.Random(11))
    etags: dict[str, str] = field(default_factory=dict)
    acked: dict[str, tuple[int, str]] = field(default_factory=dict)  # public_id -> (version, md5 of the bytes)
    busy: set[str] = field(default_factory=set)  # public_ids with an upload in flight
    bodies: list[bytes] = field(default_factory=list)
    uploads_started: int = 0
    cold_count: int = 0
    bad_count: int = 0

    def __post_init__(self) -> None:
        self.warm = [f"/{CLOUD}/image/upload/c_fill,w_{160 + (i * 37) % 480},h_{120 + (i * 53) % 360},q_80/"
                     f"soak/img{i % self.images}.jpg" for i in range(self.warm_urls)]
        self.weights = [1 / (rank + 1) ** 1.1 for rank in range(len(self.warm))]
        self.bodies = [make_jpeg(320, 240, 1000 + i, 80) for i in range(24)]
        self.kinds = list(MIX)
        self.shares = list(MIX.values())

    def pick(self) -> str:
        kind = self.rng.choices(self.kinds, self.shares)[0]
        if kind in ("overwrite", "admin") and not self.idle_acked():
            return "upload"
        return kind

    def idle_acked(self) -> list[str]:
        return [p for p in self.acked if p not in self.busy]

    async def one(self, session: aiohttp.ClientSession, base: str, kind: str) -> str | None:
        """Runs one request of `kind`; None when the answer was an expected one, else the reason."""
        try:
            status, reason = await getattr(self, "_" + kind)(session, base)
        except asyncio.TimeoutError:
            return f"{kind}: client timeout"
        except aiohttp.ClientError as exc:
            return f"{kind}: {type(exc).__name__}"
        if status in EXPECTED[kind]:
            return None
        return f"{kind}: {status} {reason}".strip()

    async def _get(self, session: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        async with session.get(url, headers=headers) as response:
            await response.read()
            return response.status, response.headers.get("X-Cld-Error", ""), response.headers.get("ETag")

    async def _warm(self, session: aiohttp.ClientSession, base: str) -> tuple[int, str]:
        path = self.rng.choices(self.warm, self.weights)[0]
        status, reason, etag = await self._get(session, base + path)
        if status == 200 and etag:
            self.etags[path] = etag
        return status, reason

    async def _revalidate(self, session: aiohttp.ClientSession, base: str) -> tuple[int, str]:
        path = self.rng.choices(self.warm, self.weights)[0]
        etag = self.etags.get(path)
        if etag is None:
            return await self._warm(session, base)
        status, reason, _ = await self._get(session, base + path, {"If-None-Match": etag})
        return status, reason

    async def _cold(self, session: aiohttp.ClientSession, base: str) -> tuple[int, str]:
        n = self.cold_count
        self.cold_count += 1
        # never asked before: width and height walk a grid no warm URL uses (odd quality)
        path = (f"/{CLOUD}/image/upload/c_fill,w_{101 + n % 599},h_{101 + (n // 599) % 599},q_7{1 + 2 * (n % 4)}/"
                f"soak/img{n % self.images}.jpg")
        status, reason, _ = await self._get(session, base + path)
        return status, reason

    async def _bad(self, session: aiohttp.ClientSession, base: str) -> tuple[int, str]:
        self.bad_count += 1
        path = (f"/{CLOUD}/image/upload/w_abc/soak/img0.jpg", f"/{CLOUD}/image/upload/soak/missing-{self.bad_count}.jpg",
                f"/{CLOUD}/image/upload/c_scale%00,w_100/soak/img0.jpg")[self.bad_count % 3]
        status, reason, _ = await self._get(session, base + path)
        return status, reason

    async def _admin(self, session: aiohttp.ClientSession, base: str) -> tuple[int, str]:
        if self.rng.random() < 0.5:
            public_id = self.rng.choice(self.idle_acked())
            url = f"{base}/v1_1/{CLOUD}/resources/image/upload/{public_id}"
        else:
            url = f"{base}/v1_1/{CLOUD}/resources/image/upload?prefix=soak/{self.run_id}/&max_results=20"
        async with session.get(url, headers=_basic()) as response:
            await response.read()
            return response.status, response.headers.get("X-Cld-Error", "")

    async def _upload(self, session: aiohttp.ClientSession, base: str, public_id: str | None = None) -> tuple[int, str]:
        if public_id is None:
            self.uploads_started += 1
            public_id = f"soak/{self.run_id}/u{self.uploads_started}"
        body = self.rng.choice(self.bodies)
        self.busy.add(public_id)
        try:
            params = {"public_id": public_id, "timestamp": str(int(time.time())), "tags": "soak"}
            form = aiohttp.FormData()
            for name, value in {**params, "signature": _sign(params), "api_key": KEY}.items():
                form.add_field(name, value)
            form.add_field("file", body, filename="u.jpg", content_type="image/jpeg")
            async with session.post(f"{base}/v1_1/{CLOUD}/image/upload", data=form) as response:
                answer = await response.read()
                if response.status == 200:
                    version = json.loads(answer)["version"]
                    self.acked[public_id] = (version, hashlib.md5(body).hexdigest())
                return response.status, response.headers.get("X-Cld-Error", "")
        finally:
            self.busy.discard(public_id)

    async def _overwrite(self, session: aiohttp.ClientSession, base: str) -> tuple[int, str]:
        return await self._upload(session, base, self.rng.choice(self.idle_acked()))


def _basic() -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()}


def _sign(params: dict[str, str]) -> str:
    text = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    return hashlib.sha1((text + SECRET).encode()).hexdigest()


# -- driving ---------------------------------------------------------------------------------

class Router:
    """Which node gets the next request: round-robin over the nodes a load balancer would use
    (their /readyz answered 200 at the last poll), as a Service does with readiness."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self.ready = {node.name: True for node in nodes}
        self._next = 0

    def pick(self) -> Node:
        usable = [n for n in self.nodes if self.ready[n.name]] or self.nodes
        self._next += 1
        return usable[self._next % len(usable)]

    async def poll(self, session: aiohttp.ClientSession, period: float = 1.0) -> None:
        while True:
            for node in self.nodes:
                try:
                    async with session.get(node.base + "/readyz", timeout=aiohttp.ClientTimeout(total=1)) as r:
                        self.ready[node.name] = r.status == 200
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    self.ready[node.name] = False
            await asyncio.sleep(period)


async def warm_up(workload: Workload, session: aiohttp.ClientSession, base: str, conc: int = 4) -> None:
    queue = list(workload.warm)

    async def worker() -> None:
        while queue:
            path = queue.pop()
            status, reason, etag = await workload._get(session, base + path)
            if status != 200:
                raise SystemExit(f"warm-up {path}: {status} {reason}")
            workload.etags[path] = etag or ""

    await asyncio.gather(*(worker() for _ in range(conc)))


async def measure_capacity(workload: Workload, session: aiohttp.ClientSession, router: Router,
                           conc: int, seconds: float) -> tuple[float, Counter[str]]:
    """Closed loop: `conc` clients back to back with the mix for `seconds`; requests per second."""
    done = 0
    errors: Counter[str] = Counter()
    deadline = time.monotonic() + seconds

    async def client() -> None:
        nonlocal done
        while time.monotonic() < deadline:
            error = await workload.one(session, router.pick().base, workload.pick())
            done += 1
            if error:
                errors[error] += 1

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(conc)))
    return done / (time.monotonic() - started), errors


async def open_loop(workload: Workload, session: aiohttp.ClientSession, router: Router, rate: float,
                    seconds: float, samples: list[Sample], t0: float, max_in_flight: int = 256,
                    on_tick=None, stop: asyncio.Event | None = None) -> None:  # type: ignore[no-untyped-def]
    """Starts requests on a Poisson clock at `rate`/s for `seconds`, whatever the answers do
    (open loop: a slow server does not slow the offered load). Beyond `max_in_flight` a request
    is not sent and counted as `client: backlog`."""
    rng = random.Random(5)
    tasks: set[asyncio.Task] = set()
    end = time.monotonic() + seconds
    next_at = time.monotonic()

    async def one(kind: str, node: Node) -> None:
        started = time.monotonic()
        error = await workload.one(session, node.base, kind)
        samples.append(Sample(started - t0, kind, time.monotonic() - started, error, node.name))

    while (now := time.monotonic()) < end and not (stop is not None and stop.is_set()):
        if on_tick is not None:
            on_tick(now - t0)
        if now < next_at:
            await asyncio.sleep(min(next_at - now, 0.05))
            continue
        next_at += rng.expovariate(rate)
        kind = workload.pick()
        if len(tasks) >= max_in_flight:
            samples.append(Sample(now - t0, kind, 0.0, "client: backlog (not sent: 256 in flight already)"))
            continue
        task = asyncio.create_task(one(kind, router.pick()))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:  # every answer is in before anyone checks what was acknowledged
        await asyncio.wait(tasks, timeout=120)


class Sampler:
    """Every `period` s: RSS, open fds and CPU of every server process, and the client's CPU."""

    def __init__(self, nodes: list[Node], t0: float, period: float = 5.0, others: dict[str, Any] | None = None) -> None:
        self.nodes = nodes
        self.others = others or {}  # name -> a callable giving a pid or None (redis-server...)
        self.t0 = t0
        self.period = period
        self.rows: list[dict[str, Any]] = []  # {t, process, pid, rss_mb, fds, cpu_s}
        self.tiers: list[dict[str, Any]] = []  # {t, node, memory_tier_mb}
        self.client = psutil.Process()

    def sample(self) -> None:
        t = time.monotonic() - self.t0
        for node in self.nodes:
            for index, process in enumerate(node.processes()):
                try:
                    with process.oneshot():
                        cpu = process.cpu_times()
                        self.rows.append({"t": t, "process": f"{node.name}/{'supervisor' if index == 0 else f'worker{index}'}",
                                          "pid": process.pid, "rss_mb": process.memory_info().rss / 2**20,
                                          "fds": process.num_fds(), "cpu_s": cpu.user + cpu.system})
                except psutil.NoSuchProcess:
                    pass
        for name, pid_of in self.others.items():
            pid = pid_of()
            if pid is None:
                continue
            try:
                process = psutil.Process(pid)
                with process.oneshot():
                    cpu = process.cpu_times()
                    self.rows.append({"t": t, "process": name, "pid": pid, "rss_mb": process.memory_info().rss / 2**20,
                                      "fds": process.num_fds(), "cpu_s": cpu.user + cpu.system})
            except psutil.NoSuchProcess:
                pass
        for node in self.nodes:  # what the memory tier holds, as the worker a scrape lands on says
            try:
                with urllib.request.urlopen(node.base + "/metrics", timeout=2) as r:
                    text = r.read().decode()
                held = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                           if line.startswith('edge_cache_bytes{tier="memory"}'))
                self.tiers.append({"t": t, "node": node.name, "memory_tier_mb": held / 2**20})
            except (OSError, ValueError):
                pass
        cpu = self.client.cpu_times()
        self.rows.append({"t": t, "process": "client", "pid": self.client.pid,
                          "rss_mb": self.client.memory_info().rss / 2**20, "fds": self.client.num_fds(),
                          "cpu_s": cpu.user + cpu.system})

    async def run(self) -> None:
        while True:
            await asyncio.to_thread(self.sample)
            await asyncio.sleep(self.period)


async def check_uploads(workload: Workload, session: aiohttp.ClientSession, bases: list[str]) -> dict[str, Any]:
    """Every acknowledged upload: in the catalog at its last acknowledged version, and delivered
    byte for byte as uploaded (its plain URL, from every node)."""
    problems: list[str] = []
    items = list(workload.acked.items())

    async def check(public_id: str, version: int, md5: str) -> None:
        for base in bases:
            async with session.get(f"{base}/v1_1/{CLOUD}/resources/image/upload/{public_id}", headers=_basic()) as r:
                body = await r.read()
                if r.status != 200:
                    problems.append(f"{public_id}: catalog {r.status} {r.headers.get('X-Cld-Error', '')}")
                    return
                if json.loads(body)["version"] != version:
                    problems.append(f"{public_id}: catalog has v{json.loads(body)['version']}, acknowledged v{version}")
            async with session.get(f"{base}/{CLOUD}/image/upload/v{version}/{public_id}.jpg") as r:
                body = await r.read()
                if r.status != 200:
                    problems.append(f"{public_id}: delivery {r.status} {r.headers.get('X-Cld-Error', '')}")
                elif hashlib.md5(body).hexdigest() != md5:
                    problems.append(f"{public_id}: delivered bytes differ from the acknowledged upload")

    semaphore = asyncio.Semaphore(8)

    async def bounded(item: tuple[str, tuple[int, str]]) -> None:
        async with semaphore:
            await check(item[0], *item[1])

    await asyncio.gather(*(bounded(item) for item in items))
    return {"acknowledged": len(items), "problems": problems}


# -- the report ------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(q * len(values))) - 1))]


def per_minute(samples: list[Sample], start: float, minutes: int) -> list[dict[str, Any]]:
    rows = []
    for m in range(minutes):
        window = [s for s in samples if start + 60 * m <= s.started < start + 60 * (m + 1)]
        ok = [s.seconds for s in window if s.error is None]
        sent = [s for s in window if not (s.error or "").startswith("client: backlog")]
        rows.append({"minute": m + 1, "requests": len(window), "rps": len(window) / 60, "answered_rps": len(sent) / 60,
                     "p50_ms": pct(ok, 0.5) * 1000, "p99_ms": pct(ok, 0.99) * 1000,
                     "errors": sum(1 for s in window if s.error)})
    return rows


def rss_table(rows: list[dict[str, Any]], start: float, minutes: int, warmup_minutes: float) -> dict[str, Any]:
    """Per process (by pid): RSS at the end of each minute, fds, and the RSS slope after warm-up
    (least squares over the 5 s samples, MB/min)."""
    by_pid: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_pid[row["pid"]].append(row)
    out = {}
    for pid, series in by_pid.items():
        name = f"{series[0]['process']} ({pid})"
        per_min = []
        for m in range(minutes):
            inside = [r for r in series if start + 60 * m <= r["t"] < start + 60 * (m + 1)]
            per_min.append(round(inside[-1]["rss_mb"], 1) if inside else None)
        # after the warm-up and before the end of the soak (the upload check afterwards reads
        # every upload once: its caching is not the soak's)
        after = [r for r in series if start + 60 * warmup_minutes <= r["t"] < start + 60 * minutes]
        slope = None
        if len(after) >= 3:
            xs = [r["t"] / 60 for r in after]
            ys = [r["rss_mb"] for r in after]
            mx, my = statistics.fmean(xs), statistics.fmean(ys)
            den = sum((x - mx) ** 2 for x in xs)
            slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else None
        out[name] = {"rss_mb_per_minute": per_min, "slope_mb_per_min": slope,
                     "fds_first": series[0]["fds"], "fds_last": series[-1]["fds"], "fds_max": max(r["fds"] for r in series),
                     "cpu_s": series[-1]["cpu_s"] - series[0]["cpu_s"], "seconds": series[-1]["t"] - series[0]["t"]}
    return out


def plot(path: Path, samples: list[Sample], rows: list[dict[str, Any]], start: float, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(4, 1, figsize=(10, 12), sharex=True)
    buckets: dict[int, list[Sample]] = defaultdict(list)
    for s in samples:
        if s.started >= start:
            buckets[int((s.started - start) // 10)].append(s)
    xs = sorted(buckets)
    minutes = [(x * 10 + 5) / 60 for x in xs]
    axes[0].plot(minutes, [len(buckets[x]) / 10 for x in xs], label="requests/s")
    axes[0].plot(minutes, [sum(1 for s in buckets[x] if s.error) / 10 for x in xs], label="unexpected answers/s", color="red")
    axes[0].set_ylabel("req/s (10 s buckets)")
    axes[0].legend(loc="lower right")
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        axes[1].plot(minutes, [pct([s.seconds for s in buckets[x] if not s.error], q) * 1000 for x in xs], label=label)
    axes[1].set_yscale("log")
    axes[1].set_ylabel("latency ms (10 s buckets)")
    axes[1].legend(loc="upper right")
    by_process: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_process[f"{row['process']} ({row['pid']})"].append(row)
    for name, series in sorted(by_process.items()):
        ts = [(r["t"] - start) / 60 for r in series]
        axes[2].plot(ts, [r["rss_mb"] for r in series], label=name)
        axes[3].plot(ts, [r["fds"] for r in series], label=name)
    axes[2].set_ylabel("RSS MB")
    axes[2].legend(loc="upper left", fontsize=7)
    axes[3].set_ylabel("open fds")
    axes[3].set_xlabel("minutes into the soak")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def markdown(report: dict[str, Any]) -> str:
    lines = [f"Soak: {report['title']}", "",
             "| minute | offered req/s | sent req/s | p50 ms | p99 ms | unexpected | client CPU % | server CPU % | memory tier MB (a worker) |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in report["minutes"]:
        lines.append(f"| {row['minute']} | {row['rps']:.1f} | {row.get('answered_rps', row['rps'] - row['errors'] / 60):.1f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['errors']} "
                     f"| {row.get('client_cpu_pct', float('nan')):.0f} | {row.get('server_cpu_pct', float('nan')):.0f} "
                     f"| {'-' if row.get('memory_tier_mb') is None else format(row['memory_tier_mb'], '.0f')} |")
    lines += ["", "| process | RSS MB per minute | slope after warm-up MB/min | fds first/last/max |",
              "| --- | --- | ---: | --- |"]
    for name, proc in report["processes"].items():
        slope = proc["slope_mb_per_min"]
        lines.append(f"| {name} | {' '.join('-' if v is None else f'{v:.0f}' for v in proc['rss_mb_per_minute'])} "
                     f"| {'-' if slope is None else f'{slope:+.2f}'} | {proc['fds_first']}/{proc['fds_last']}/{proc['fds_max']} |")
    lines += ["", f"Requests by kind: {report['kinds']}",
              f"Unexpected answers by kind: {report['errors'] or 'none'}",
              f"Uploads: {report['uploads']['acknowledged']} acknowledged; problems: {report['uploads']['problems'][:10] or 'none'}"]
    return "\n".join(lines) + "\n"


def cpu_by_minute(rows: list[dict[str, Any]], start: float, minutes: int) -> tuple[list[float], list[float]]:
    """Client and server (all node processes) CPU % of one core, per minute."""
    def usage(selector) -> list[float]:  # type: ignore[no-untyped-def]
        out = []
        for m in range(minutes):
            lo, hi = start + 60 * m, start + 60 * (m + 1)
            total = 0.0
            by_pid: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for r in rows:
                if selector(r) and lo - 5 <= r["t"] <= hi + 5:
                    by_pid[r["pid"]].append(r)
            for series in by_pid.values():
                before = [r for r in series if r["t"] <= lo + 5] or series
                after = [r for r in series if r["t"] >= hi - 5] or series
                total += after[-1]["cpu_s"] - before[0]["cpu_s"]
            out.append(100 * total / 60)
        return out

    return usage(lambda r: r["process"] == "client"), usage(lambda r: r["process"].startswith("node"))


def summarise(title: str, samples: list[Sample], sampler: Sampler, start: float, minutes: int,
              warmup_minutes: float, uploads: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    soak = [s for s in samples if s.started >= start]
    rows = per_minute(samples, start, minutes)
    client, server = cpu_by_minute(sampler.rows, start, minutes)
    for row, c, s in zip(rows, client, server):
        row["client_cpu_pct"], row["server_cpu_pct"] = c, s
    for row in rows:
        held = [r["memory_tier_mb"] for r in sampler.tiers
                if start + 60 * (row["minute"] - 1) <= r["t"] < start + 60 * row["minute"]]
        row["memory_tier_mb"] = held[-1] if held else None
    return {
        "title": title, **extra, "minutes": rows,
        "processes": rss_table(sampler.rows, start, minutes, warmup_minutes),
        "kinds": dict(Counter(s.kind for s in soak)),
        "errors": dict(Counter(s.error for s in soak if s.error).most_common()),
        "uploads": uploads,
    }


# -- main ------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--pg", action="store_true", help="the catalog in PostgreSQL instead of SQLite")
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--conc", type=int, default=16, help="clients for the capacity probe")
    parser.add_argument("--probe-seconds", type=float, default=30)
    parser.add_argument("--load", type=float, default=0.8, help="share of the measured capacity to offer")
    parser.add_argument("--rate", type=float, default=0, help="offer this many requests/s (skips the probe)")
    parser.add_argument("--warmup-minutes", type=float, default=2, help="left out of the RSS slope")
    parser.add_argument("--memory-cache-mb", type=int, default=64,
                        help="each worker's memory tier (EDGE_CACHE_MEMORY_BYTES): small enough to fill during warm-up")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or ROOT / "benchmarks" / "results" / time.strftime("soak-%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)

    redis = PrivateRedis()
    redis.start()
    schema = PostgresSchema() if args.pg else None
    try:
        with tempfile.TemporaryDirectory(prefix="edge-soak-") as tmp:
            storage = Path(tmp) / "storage"
            (storage / CLOUD / "soak").mkdir(parents=True)
            for i in range(args.images):
                (storage / CLOUD / "soak" / f"img{i}.jpg").write_bytes(make_jpeg(1200, 900, i))
            database = schema.__enter__() if schema else f"sqlite:///{tmp}/edge.db"
            environ = {
                "EDGE_STORAGE_URL": f"file://{storage}", "EDGE_REDIS_URL": redis.url, "EDGE_DATABASE_URL": database,
                "EDGE_CACHE_MEMORY_BYTES": str(args.memory_cache_mb * 2**20), "EDGE_SERVER_DRAIN_SECONDS": "0",
            }
            node = Node("node", Path(tmp) / "node", environ, workers=2)
            node.start()
            try:
                report = asyncio.run(soak(args, node, out, redis))
            finally:
                code = node.stop()
                print(f"node exit code after SIGTERM: {code}")
    finally:
        if schema:
            schema.__exit__(None, None, None)
        redis.stop()
    (out / "report.json").write_text(json.dumps(report, indent=1, default=str))
    (out / "report.md").write_text(markdown(report))
    print(markdown(report))
    print(f"written: {out}/report.json, report.md, soak.png")


async def soak(args: argparse.Namespace, node: Node, out: Path, redis: PrivateRedis) -> dict[str, Any]:
    workload = Workload(run_id=uuid.uuid4().hex[:6], images=args.images)
    router = Router([node])
    samples: list[Sample] = []
    t0 = time.monotonic()
    sampler = Sampler([node], t0, others={"redis-server": redis.pid})
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=300)) as session:
        sampling = asyncio.create_task(sampler.run())
        await warm_up(workload, session, node.base)
        print(f"warm set: {len(workload.warm)} URLs rendered", flush=True)
        if args.rate:
            capacity, probe_errors, rate = float("nan"), Counter(), args.rate
        else:
            capacity, probe_errors = await measure_capacity(workload, session, router, args.conc, args.probe_seconds)
            rate = args.load * capacity
        print(f"capacity {capacity:.1f} req/s (closed loop, {args.conc} clients, {args.probe_seconds:.0f} s; "
              f"unexpected: {dict(probe_errors) or 'none'}); offering {rate:.1f} req/s for {args.minutes} min", flush=True)
        start = time.monotonic() - t0
        last = [start]

        def tick(now: float) -> None:
            if now - last[0] >= 60:
                last[0] = now
                window = [s for s in samples if s.started >= now - 60]
                ok = [s.seconds for s in window if not s.error]
                print(f"  minute {int((now - start) // 60)}: {len(window) / 60:.1f} req/s, p50 {pct(ok, .5) * 1000:.1f} ms, "
                      f"p99 {pct(ok, .99) * 1000:.1f} ms, unexpected {sum(1 for s in window if s.error)}", flush=True)

        await open_loop(workload, session, router, rate, args.minutes * 60, samples, t0, on_tick=tick)
        uploads = await check_uploads(workload, session, [node.base])
        await asyncio.to_thread(sampler.sample)
        sampling.cancel()
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((line.split(":", 1)[1].strip() for line in cpu.splitlines() if line.startswith("Model name")), "?")
    title = (f"edge serve --workers 2, Redis, {'PostgreSQL' if args.pg else 'SQLite'} catalog; {model}, "
             f"{os.cpu_count()} cores (shared); capacity {capacity:.0f} req/s, offered {rate:.0f} req/s, {args.minutes} min")
    report = summarise(title, samples, sampler, start, args.minutes, args.warmup_minutes, uploads,
                       {"capacity_rps": capacity, "offered_rps": rate, "probe_errors": dict(probe_errors)})
    plot(out / "soak.png", samples, sampler.rows, start, title)
    return report


if __name__ == "__main__":
    main()
