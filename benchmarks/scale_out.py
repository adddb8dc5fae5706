#!/usr/bin/env python3
"""Scale-out load test: edge workers against S3 (moto's server) and Redis, over HTTP.

    .venv/bin/python benchmarks/scale_out.py [--nodes 2] [--workers 2] [--images 6]
                                             [--urls 120] [--requests 1500] [--conc 16]

Starts moto's S3 server on a free loopback port, puts `--images` generated 2000x1500 JPEGs
into a bucket, and starts `--nodes` edge nodes (`edge serve --workers W`, each its own port and
disk cache) sharing that bucket and Redis (EDGE_REDIS_URL, default the local one, under a key
prefix of its own that is deleted at the end). Then, with `--conc` concurrent clients:

  cold   every URL of the set once (`--urls` distinct fill-crops over the images): all renders
  mixed  `--requests` requests drawn from the same set, skewed (Zipf s=1.1), round-robin over
         the nodes: hits in the memory tier, the disk tier (shared by a node's workers), Redis
         (shared by all nodes) and renders coordinated across nodes

It prints requests/s, p50/p99 latency and where the bytes came from (the X-Cache header:
memory, disk, redis, render, shared) per phase, plus the renders counted by the nodes. Nothing
is asserted; the load is bounded by count and stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import aiohttp

from harness.servers import free_port

ROOT = Path(__file__).resolve().parents[1]


def make_images(count: int) -> list[bytes]:
    import pyvips

    images = []
    for i in range(count):
        noise = pyvips.Image.gaussnoise(2000, 1500, mean=128, sigma=40).cast("uchar")
        tint = [(i * 53) % 255, (i * 97) % 255, (i * 151) % 255]
        image = (noise.bandjoin([noise, noise]) * 0.5 + [t * 0.5 for t in tint]).cast("uchar")
        images.append(image.copy(interpretation="srgb").jpegsave_buffer(Q=85))
    return images


def start_node(workdir: Path, environ: dict[str, str], workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EDGE_", "AWS_")) and k != "CLOUDINARY_URL"}
    env.update(environ, EDGE_CACHE_DIR=str(workdir / "cache"), CLOUDINARY_URL="cloudinary://key:secret@demo")
    process = subprocess.Popen(
        [sys.executable, "-m", "edge", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env, cwd=workdir, stdout=open(workdir / "edge.log", "w"), stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=1) as r:
                if r.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"edge did not start: {(workdir / 'edge.log').read_text()}")


async def run_phase(name: str, bases: list[str], paths: list[str], conc: int) -> dict[str, object]:
    sources: Counter[str] = Counter()
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for i, path in enumerate(paths):
        queue.put_nowait((i, path))

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while not queue.empty():
            i, path = queue.get_nowait()
            started = time.perf_counter()
            async with session.get(bases[i % len(bases)] + path) as response:
                await response.read()
                if response.status != 200:
                    errors += 1
                sources[response.headers.get("X-Cache", "error")] += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=conc)) as session:
        await asyncio.gather(*(client(session) for _ in range(conc)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    total = len(latencies)
    print(f"\n{name}: {total} requests in {elapsed:.2f}s = {total / elapsed:.1f} req/s, "
          f"p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {latencies[int(total * 0.99) - 1] * 1000:.1f} ms, "
          f"errors {errors}")
    for source, count in sources.most_common():
        print(f"  {source:<7} {count:>6}  {count / total:6.1%}")
    return {"requests": total, "seconds": elapsed, "sources": dict(sources)}


def renders(bases: list[str], workers: int) -> int:
    """Renders counted by the nodes (a pre-forked node answers /metrics from one worker at a time,
    so with --workers > 1 this samples; the X-Cache counts above are exact)."""
    from prometheus_client.parser import text_string_to_metric_families

    total = 0
    for base in bases:
        with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
            for family in text_string_to_metric_families(r.read().decode()):
                for sample in family.samples:
                    if sample.name == "edge_renders_total" and sample.labels.get("result") == "ok":
                        total += int(sample.value)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--urls", type=int, default=120)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--conc", type=int, default=16)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    import logging

    import boto3
    import redis
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request lines

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="bench", aws_secret_access_key="bench")
    s3.create_bucket(Bucket="bench")
    for i, data in enumerate(make_images(args.images)):
        s3.put_object(Bucket="bench", Key=f"originals/demo/bench/img{i}.jpg", Body=data)
    prefix = f"edge-bench:{uuid.uuid4().hex[:8]}:"
    environ = {
        "EDGE_STORAGE_URL": "s3://bench/originals", "EDGE_S3_ENDPOINT_URL": endpoint, "EDGE_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "EDGE_REDIS_URL": args.redis,
        "EDGE_REDIS_KEY_PREFIX": prefix, "EDGE_SERVER_DRAIN_SECONDS": "0",
    }
    widths = [200 + (i * 37) % 600 for i in range(args.urls)]
    paths = [f"/demo/image/upload/c_fill,w_{w},h_{w * 3 // 4},q_80/bench/img{i % args.images}.jpg"
             for i, w in enumerate(widths)]
    rng = random.Random(7)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(paths))]
    mixed = rng.choices(paths, weights=weights, k=args.requests)

    processes = []
    with tempfile.TemporaryDirectory(prefix="edge-scale-") as tmp:
        try:
            for n in range(args.nodes):
                processes.append(start_node(Path(tmp) / f"node{n}", environ, args.workers))
            bases = [base for _, base in processes]
            print(f"{args.nodes} node(s) x {args.workers} worker(s), {args.images} originals in S3 (moto), "
                  f"Redis {args.redis}, {args.conc} clients")
            asyncio.run(run_phase("cold (every URL once)", bases, paths, args.conc))
            asyncio.run(run_phase("mixed (Zipf over the same URLs)", bases, mixed, args.conc))
            print(f"\nrenders counted by the nodes: {renders(bases, args.workers)} for {len(paths)} distinct URLs")
        finally:
            for process, _ in processes:
                process.send_signal(signal.SIGTERM)
            for process, _ in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            client = redis.Redis.from_url(args.redis)
            keys = list(client.scan_iter(match=prefix + "*", count=1000))
            if keys:
                client.delete(*keys)
            moto.stop()


if __name__ == "__main__":
    main()
