#!/usr/bin/env python3
"""Chaos: the soak's mixed workload across two nodes while things break, phase by phase.

    .venv/bin/python benchmarks/chaos.py [--rate R] [--load 0.7] [--phase-seconds 30] [--out DIR]

Two nodes (`edge serve --workers 2` each) share originals in S3 (moto's server, in a process
of its own, reached through a small TCP proxy this script controls), a private redis-server on
a free port (never the machine's 6379) and a catalog in PostgreSQL (a throwaway schema at
EDGE_BENCH_POSTGRES). The client sends the mix open loop at `--load` x the capacity it measures
first (or `--rate`), round-robin over the nodes whose /readyz answered 200 at the last poll
(every second), as a Service behind readiness does. The faults, one per phase, each followed by
`--phase-seconds` of observation:

  baseline      nothing
  kill-worker   SIGKILL one worker of node a (the supervisor must replace it)
  redis         redis-server stopped, started again 3 s later (same port, empty)
  s3-outage     the S3 proxy killed (connections refused) for 20 s, then started again
  sigterm-node  SIGTERM to node b (drain, exit), then started again on the same port

Per phase it reports the requests, the unexpected answers by reason and node, the ones that
were in flight on a killed process, and how long after the fault ended the workload was
whole again (the first 3 s with no unexpected answer and a p50 within 2x the baseline's). At
the end every acknowledged upload is checked on both nodes: in the catalog at its last
version, and delivered byte for byte.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness.servers import free_port  # noqa: E402
from soak import (  # noqa: E402
    CLOUD, ROOT, Node, PostgresSchema, PrivateRedis, Router, Sample, Workload, _tcp_open, _until, check_uploads,
    make_jpeg, measure_capacity, open_loop, pct, warm_up,
)

PROXY = r"""
import asyncio, sys
listen, target = int(sys.argv[1]), int(sys.argv[2])

async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()

async def handle(reader, writer):
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        writer.close()
        return
    await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen, reuse_address=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""


class Proxy:
    """A TCP proxy in a process of its own: kill it and S3 is unreachable (refused), start it again."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", PROXY, str(self.port), str(self.target)])
        _until(lambda: _tcp_open(self.port), 10, "the S3 proxy did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


class Timeline:
    """Phases and their fault windows, in seconds since t0."""

    def __init__(self) -> None:
        self.phases: list[dict[str, Any]] = []

    def begin(self, name: str, t: float, note: str = "") -> dict[str, Any]:
        if self.phases:
            self.phases[-1]["end"] = t
        phase = {"name": name, "start": t, "end": None, "fault_start": None, "fault_end": None, "note": note,
                 "killed": None}
        self.phases.append(phase)
        print(f"[{t:6.1f}s] phase {name} {note}", flush=True)
        return phase


async def faults(args: argparse.Namespace, a: Node, b: Node, redis: PrivateRedis, proxy: Proxy,
                 timeline: Timeline, t0: float) -> None:
    now = lambda: time.monotonic() - t0  # noqa: E731
    wait = args.phase_seconds

    timeline.begin("baseline", now())
    await asyncio.sleep(wait)

    phase = timeline.begin("kill-worker", now())
    before = a.workers_pids()
    victim = before[0]
    phase["fault_start"] = now()
    os.kill(victim, signal.SIGKILL)
    phase["killed"] = {"node": a.name, "pid": victim, "t": phase["fault_start"]}
    while True:  # the fault ends when the supervisor has a replacement running
        pids = a.workers_pids()
        if len(pids) == len(before) and victim not in pids:
            break
        await asyncio.sleep(0.02)
    phase["fault_end"] = now()
    phase["note"] = f"worker {victim} of {a.name} killed; replaced after {phase['fault_end'] - phase['fault_start']:.2f} s"
    await asyncio.sleep(wait)

    phase = timeline.begin("redis", now())
    phase["fault_start"] = now()
    await asyncio.to_thread(redis.stop)
    await asyncio.sleep(3)
    await asyncio.to_thread(redis.start)
    phase["fault_end"] = now()
    await asyncio.sleep(wait)

    phase = timeline.begin("s3-outage", now())
    phase["fault_start"] = now()
    await asyncio.to_thread(proxy.kill)
    await asyncio.sleep(20)
    await asyncio.to_thread(proxy.start)
    phase["fault_end"] = now()
    await asyncio.sleep(wait)

    phase = timeline.begin("sigterm-node", now())
    phase["fault_start"] = now()
    code = await asyncio.to_thread(b.stop)
    stopped = now()
    await asyncio.to_thread(b.start, False)
    await asyncio.to_thread(b.wait_ready)
    phase["fault_end"] = now()
    phase["note"] = (f"{b.name} SIGTERM: exited {code} after {stopped - phase['fault_start']:.1f} s (drain included), "
                     f"ready again {phase['fault_end'] - stopped:.1f} s after restart")
    await asyncio.sleep(wait)
    timeline.phases[-1]["end"] = now()


def analyse(samples: list[Sample], timeline: Timeline, rate: float) -> list[dict[str, Any]]:
    baseline = timeline.phases[0]
    base_p50 = pct([s.seconds for s in samples if baseline["start"] <= s.started < baseline["end"] and not s.error], 0.5)
    out = []
    for phase in timeline.phases:
        # a request belongs to the phase its answer came in (one sent just before a fault fails in it)
        inside = [s for s in samples if phase["start"] <= s.started + s.seconds < phase["end"]]
        errors = [s for s in inside if s.error]
        in_flight = []
        killed = phase["killed"]
        if killed:
            # in flight on the killed worker, or sent on a kept-alive connection to it before the
            # client saw it close (a proxy would retry those; aiohttp's client does not)
            in_flight = [s for s in errors if s.node == killed["node"] and s.started <= killed["t"] + 1.0
                         and s.started + s.seconds >= killed["t"] - 0.05 and _connection_error(s.error)]
        recovered = None
        if phase["fault_end"] is not None:
            t = phase["fault_end"]
            while t + 3 <= phase["end"]:
                window = [s for s in samples if t <= s.started < t + 3]
                ok = [s.seconds for s in window if not s.error]
                if window and len(ok) == len(window) and pct(ok, 0.5) <= 2 * base_p50:
                    recovered = t - phase["fault_end"]
                    break
                t += 0.5
        out.append({
            "phase": phase["name"], "note": phase["note"], "requests": len(inside), "unexpected": len(errors),
            "in_flight_on_killed_process": len(in_flight),
            "fault_seconds": None if phase["fault_start"] is None else round(phase["fault_end"] - phase["fault_start"], 2),
            "whole_again_after_s": recovered,
            "p50_ms": pct([s.seconds for s in inside if not s.error], 0.5) * 1000,
            "p99_ms": pct([s.seconds for s in inside if not s.error], 0.99) * 1000,
            "reasons": dict(Counter(f"{s.error} @{s.node}" for s in errors).most_common()),
        })
    return out


def _connection_error(error: str | None) -> bool:
    return bool(error) and any(name in error for name in ("ServerDisconnected", "ClientOSError", "ClientConnector",
                                                          "ClientPayloadError", "ServerConnectionError"))


def markdown(report: dict[str, Any]) -> str:
    lines = [f"Chaos: {report['title']}", "",
             "| phase | requests | unexpected | of which in flight on (or kept-alive to) the killed process | fault lasted s | whole again after s | p50 ms | p99 ms |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for p in report["phases"]:
        lines.append(f"| {p['phase']} | {p['requests']} | {p['unexpected']} | {p['in_flight_on_killed_process']} "
                     f"| {'-' if p['fault_seconds'] is None else p['fault_seconds']} "
                     f"| {'-' if p['whole_again_after_s'] is None and p['fault_seconds'] is None else p['whole_again_after_s'] if p['whole_again_after_s'] is not None else 'not within the phase'} "
                     f"| {p['p50_ms']:.1f} | {p['p99_ms']:.1f} |")
    lines.append("")
    for p in report["phases"]:
        lines.append(f"- **{p['phase']}**: {p['note'] or ''} unexpected answers: {p['reasons'] or 'none'}")
    lines += ["", f"Uploads: {report['uploads']['acknowledged']} acknowledged; problems: {report['uploads']['problems'][:10] or 'none'}",
              f"Worker restarts counted by node a: {report['restarts']}"]
    return "\n".join(lines) + "\n"


async def chaos(args: argparse.Namespace, a: Node, b: Node, redis: PrivateRedis, proxy: Proxy) -> dict[str, Any]:
    workload = Workload(run_id=uuid.uuid4().hex[:6], images=args.images)
    router = Router([a, b])
    samples: list[Sample] = []
    timeline = Timeline()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60),
                                     connector=aiohttp.TCPConnector(limit=300)) as session:
        polling = asyncio.create_task(router.poll(session))
        await warm_up(workload, session, a.base)
        await warm_up(workload, session, b.base)
        if args.rate:
            capacity, rate = float("nan"), args.rate
        else:
            capacity, _ = await measure_capacity(workload, session, router, args.conc, args.probe_seconds)
            rate = args.load * capacity
        print(f"capacity {capacity:.1f} req/s over both nodes; offering {rate:.1f} req/s", flush=True)
        t0 = time.monotonic()
        breaking = asyncio.create_task(faults(args, a, b, redis, proxy, timeline, t0))
        stop = asyncio.Event()
        load = asyncio.create_task(open_loop(workload, session, router, rate, 10 ** 6, samples, t0, stop=stop))
        await breaking
        stop.set()
        await load  # and every request still in flight: an overwrite answered later must count
        uploads = await check_uploads(workload, session, [a.base, b.base])
        async with session.get(a.base + "/metrics") as r:
            text = await r.text()
        restarts = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                       if line.startswith("edge_worker_restarts_total"))
        polling.cancel()
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((line.split(":", 1)[1].strip() for line in cpu.splitlines() if line.startswith("Model name")), "?")
    title = (f"2 nodes x `edge serve --workers 2`, S3 (moto) through a proxy, private Redis, PostgreSQL catalog; "
             f"{model}, {os.cpu_count()} cores shared with other developers; capacity {capacity:.0f} req/s, offered {rate:.0f} req/s")
    wall = time.time() - (time.monotonic() - t0)  # wall-clock time of t0, to find answers in the node logs
    unexpected = [{"at": time.strftime("%H:%M:%S", time.gmtime(wall + s.started)) + f".{int((wall + s.started) % 1 * 1000):03d}",
                   "t": round(s.started, 3), "seconds": round(s.seconds, 3), "node": s.node, "error": s.error}
                  for s in samples if s.error and not s.error.startswith("client: backlog")]
    return {"title": title, "capacity_rps": capacity, "offered_rps": rate, "phases": analyse(samples, timeline, rate),
            "uploads": uploads, "restarts": restarts, "unexpected": unexpected[:500]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--conc", type=int, default=16)
    parser.add_argument("--probe-seconds", type=float, default=15)
    parser.add_argument("--load", type=float, default=0.7, help="share of the measured capacity (headroom for a lost worker)")
    parser.add_argument("--rate", type=float, default=0)
    parser.add_argument("--phase-seconds", type=float, default=30)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or ROOT / "benchmarks" / "results" / time.strftime("chaos-%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)

    import boto3

    moto_port = free_port()
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proxy = Proxy(moto_port)
    redis = PrivateRedis()
    schema = PostgresSchema()
    nodes: list[Node] = []
    try:
        _until(lambda: _tcp_open(moto_port), 30, "moto did not start")
        proxy.start()
        redis.start()
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{moto_port}", region_name="us-east-1",
                          aws_access_key_id="chaos", aws_secret_access_key="chaos")
        s3.create_bucket(Bucket="chaos")
        for i in range(args.images):
            s3.put_object(Bucket="chaos", Key=f"originals/{CLOUD}/soak/img{i}.jpg", Body=make_jpeg(1200, 900, i))
        database = schema.__enter__()
        with tempfile.TemporaryDirectory(prefix="edge-chaos-") as tmp:
            environ = {
                "EDGE_STORAGE_URL": "s3://chaos/originals", "EDGE_S3_ENDPOINT_URL": f"http://127.0.0.1:{proxy.port}",
                "EDGE_S3_ADDRESSING_STYLE": "path", "AWS_ACCESS_KEY_ID": "chaos", "AWS_SECRET_ACCESS_KEY": "chaos",
                "EDGE_REDIS_URL": redis.url, "EDGE_DATABASE_URL": database,
                "EDGE_CACHE_MEMORY_BYTES": str(64 * 2**20),
            }
            nodes = [Node("a", Path(tmp) / "a", environ), Node("b", Path(tmp) / "b", environ)]
            for node in nodes:
                node.start()
            report = asyncio.run(chaos(args, *nodes, redis, proxy))
            for node in nodes:
                node.stop()
            for node in nodes:
                log = (node.workdir / "edge.log").read_text(errors="replace")
                (out / f"{node.name}.log").write_text(log)  # the whole log, tracebacks included (not committed)
                report.setdefault("log_errors", {})[node.name] = [
                    line[:300] for line in log.splitlines() if "Traceback" in line or " 500" in line or "ERROR" in line][:40]
    finally:
        for node in nodes:
            node.stop()
        schema.__exit__(None, None, None)
        redis.stop()
        proxy.kill()
        moto.terminate()
        moto.wait(10)
    (out / "report.json").write_text(json.dumps(report, indent=1, default=str))
    (out / "report.md").write_text(markdown(report))
    print(markdown(report))
    print(f"written: {out}/report.json, report.md")


if __name__ == "__main__":
    main()
