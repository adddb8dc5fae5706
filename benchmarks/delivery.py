#!/usr/bin/env python3
"""Delivery benchmark: edge over HTTP beside raw pyvips and a bare aiohttp handler, in one run.

    .venv/bin/python benchmarks/delivery.py [--seconds 10] [--conc 16,64] [--sets 12mp,2mp]
                                            [--workers 1] [--scenarios raw,cold,warm,bare]

Scenarios, per image set (see benchmarks/README.md):
  raw-thumb   pyvips.Image.thumbnail_buffer(crop='centre') + jpegsave Q80, T threads, in-process
  raw-render  edge.imaging.render.render() called directly (no HTTP, no cache), T threads
  cold        edge over HTTP, every request a new (image, width) fill-crop: c_fill,w_W,h_300,q_80
  warm        edge over HTTP, one URL repeated (w_400 on the first image): a memory-cache hit
  bare        a tiny aiohttp app (uvloop if present) answering the warm response's bytes

T = --workers x EDGE_RENDER_WORKERS (default: CPUs), i.e. the render threads edge has. The raw
scenarios run in a child process (clean peak RSS). Load comes from wrk (an embedded Lua script;
the cold sequence is /tmp/edge-bench/lua/bench.lua's) with --wrk-threads threads. Edge and the
bare app are restarted for every measured cell, with an empty disk cache, so peak RSS (VmHWM)
is per cell and no cold request can hit a cache. Nothing is asserted; figures are printed (and
appended as JSON lines to --json if given).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER_CORPUS = "/tmp/edge-bench/.peers/corpus"
SETS = {
    "12mp": ["coffee_12mp.jpg", "rocket_12mp.jpg", "motorcycle_12mp.jpg"],
    "2mp": ["chelsea_2mp.jpg", "astronaut_2mp.jpg", "hubble_2mp.jpg"],
    "24mp": ["motorcycle_24mp.jpg"],
}
# corpus file -> (skimage/data source, width, height): the same recipe as /tmp/edge-bench/make_corpus.py
RECIPE = {
    "coffee_12mp.jpg": ("coffee.png", 4000, 3000),
    "rocket_12mp.jpg": ("rocket.jpg", 4000, 3000),
    "motorcycle_12mp.jpg": ("motorcycle_left.png", 4000, 3000),
    "chelsea_2mp.jpg": ("chelsea.png", 1920, 1280),
    "astronaut_2mp.jpg": ("astronaut.png", 1920, 1280),
    "hubble_2mp.jpg": ("hubble_deep_field.jpg", 1920, 1280),
    "motorcycle_24mp.jpg": ("motorcycle_left.png", 6000, 4000),
}
TEMPLATE = "/demo/image/upload/c_fill,w_{w},h_{h},q_80/{img}"

# The cold sequence of /tmp/edge-bench/lua/bench.lua (request n: image n % k, width
# 300 + ((n // k) * 337) % 1000), extended so that it never repeats: after k*1000 requests the
# height goes up by one. Each wrk thread takes every NTHREADS-th n, so threads never overlap.
LUA = r"""
local thread_counter = 0
function setup(thread)
  thread:set("tid", thread_counter)
  thread_counter = thread_counter + 1
end
local mode, template, images, nthreads, offset
local counter = 0
function init(args)
  mode = args[1]; template = args[2]
  images = {}
  for s in string.gmatch(args[3] or "", "[^,]+") do images[#images + 1] = s end
  nthreads = tonumber(args[4] or "1"); offset = tonumber(args[5] or "0")
  tid = tonumber(tid or 0)
  if mode ~= "cold" then
    fixed_req = wrk.format("GET", (template:gsub("{w}", "400"):gsub("{h}", "300"):gsub("{img}", images[1])))
  end
end
function request()
  if mode ~= "cold" then return fixed_req end
  local n = offset + counter * nthreads + tid
  counter = counter + 1
  local k = #images
  local m = math.floor(n / k)
  local w = 300 + (m * 337) % 1000
  local h = 300 + math.floor(n / (k * 1000))
  local p = template:gsub("{w}", tostring(w)):gsub("{h}", tostring(h)):gsub("{img}", images[(n % k) + 1])
  return wrk.format("GET", p)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests":%d,"duration_us":%d,"bytes":%d,"err_connect":%d,"err_read":%d,' ..
    '"err_write":%d,"err_status":%d,"err_timeout":%d,"lat_p50_us":%d,"lat_p99_us":%d,"lat_max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def cold_args(n: int, k: int) -> tuple[int, int, int]:
    """(image index, width, height) of cold request n: the Lua sequence above."""
    return n % k, 300 + ((n // k) * 337) % 1000, 300 + n // (k * 1000)


# ----------------------------------------------------------------------------- corpus
def ensure_corpus(arg: str | None, names: list[str]) -> str:
    if arg:
        return arg
    if all(os.path.isfile(os.path.join(PEER_CORPUS, n)) for n in names):
        return PEER_CORPUS
    out = os.path.join(tempfile.gettempdir(), "edge-delivery-bench-corpus")
    os.makedirs(out, exist_ok=True)
    missing = [n for n in names if not os.path.isfile(os.path.join(out, n))]
    if missing:
        import pyvips
        import skimage

        data = os.path.join(os.path.dirname(skimage.__file__), "data")
        for name in missing:
            src, w, h = RECIPE[name]
            img = pyvips.Image.new_from_file(os.path.join(data, src))
            if img.bands == 1:
                img = img.colourspace("srgb")
            img = img[:3] if img.bands > 3 else img
            target = w / h  # centre-crop to the aspect ratio, then lanczos3 upscale
            if img.width / img.height > target:
                cw = round(img.height * target)
                img = img.crop((img.width - cw) // 2, 0, cw, img.height)
            else:
                ch = round(img.width / target)
                img = img.crop(0, (img.height - ch) // 2, img.width, ch)
            img = img.resize(w / img.width, vscale=h / img.height, kernel="lanczos3")
            img.jpegsave(os.path.join(out, name), Q=90, subsample_mode="on", keep="none")
            print(f"corpus: made {name} ({w}x{h}) from skimage/data/{src}", flush=True)
    return out


# ----------------------------------------------------------------------------- /proc
def tree_pids(root: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    s = f.read()
                kids.setdefault(int(s[s.rindex(")") + 2:].split()[1]), []).append(int(d))
            except (OSError, ValueError):
                pass
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


CLK = os.sysconf("SC_CLK_TCK")


def host_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:8]]
    return sum(v) - v[3] - v[4], sum(v)


def proc_cpu(pid: int) -> float:
    """utime + stime seconds of one process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
        fields = s[s.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / CLK
    except (OSError, ValueError, IndexError):
        return 0.0


class CpuWatch:
    """How much CPU the machine spent outside the measured processes during a cell (noise check).

    other % = 100 x (machine busy seconds - server seconds - load generator seconds) / wall seconds,
    in cores (100 = one core). Others' work on a shared machine shows up here."""

    def __init__(self) -> None:
        self.h0, self.t0 = host_cpu(), time.perf_counter()
        self.ru0 = _children_cpu()

    def other_pct(self, server_s: float, include_children: bool = True) -> float:
        h1, el = host_cpu(), time.perf_counter() - self.t0
        ncpu = os.cpu_count() or 1
        busy_s = (h1[0] - self.h0[0]) / max(1, h1[1] - self.h0[1]) * el * ncpu
        kids_s = _children_cpu() - self.ru0 if include_children else 0.0
        return round(100 * max(0.0, busy_s - server_s - kids_s) / el, 1)


def _children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


class RssSampler(threading.Thread):
    """Peak of the summed VmRSS of a process tree (every 100 ms), each process's VmHWM and CPU."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak_kb, self.hwm_kb, self._halt = root, 0, {}, threading.Event()
        self.cpu0: dict[int, float] = {p: proc_cpu(p) for p in tree_pids(root)}
        self.cpu1: dict[int, float] = dict(self.cpu0)

    def run(self) -> None:
        while not self._halt.is_set():
            self._sample()
            self._halt.wait(0.1)

    def _sample(self) -> None:
        total = 0
        for p in tree_pids(self.root):
            total += status_kb(p, "VmRSS")
            self.hwm_kb[p] = max(self.hwm_kb.get(p, 0), status_kb(p, "VmHWM"))
            self.cpu1[p] = max(self.cpu1.get(p, 0.0), proc_cpu(p))
        self.peak_kb = max(self.peak_kb, total)

    def stop(self) -> "RssSampler":
        self._sample()
        self._halt.set()
        self.join()
        return self

    def cpu_s(self) -> float:
        return sum(v - self.cpu0.get(p, 0.0) for p, v in self.cpu1.items())


# ----------------------------------------------------------------------------- servers
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


class Server:
    def __init__(self, cmd: list[str], env: dict, port: int, ready_path: str, log: str) -> None:
        self.port = port
        self.log = open(log, "ab")
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

    def stop(self) -> None:
        pids = tree_pids(self.proc.pid)
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for p in pids:  # prefork children
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()


def start_edge(a, storage: str, cache_dir: str, log: str) -> Server:
    shutil.rmtree(cache_dir, ignore_errors=True)
    env = dict(os.environ, EDGE_STORAGE_URL=f"file://{storage}", EDGE_CACHE_DIR=cache_dir,
               CLOUDINARY_URL="cloudinary://edge:edge-secret@demo")
    if a.render_workers:
        env["EDGE_RENDER_WORKERS"] = str(a.render_workers)
    if a.memory_cache is not None:
        env["EDGE_CACHE_MEMORY_BYTES"] = str(a.memory_cache)
    port = free_port()
    cmd = [os.path.join(ROOT, ".venv", "bin", "edge"), "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(a.workers)]
    return Server(cmd, env, port, "/healthz", log)


def start_bare(a, body_file: str, headers: dict, log: str) -> Server:
    port = free_port()
    cmd = [sys.executable, os.path.abspath(__file__), "--_bare", body_file, "--_port", str(port),
           "--_headers", json.dumps(headers), "--workers", str(a.workers)]
    return Server(cmd, dict(os.environ), port, "/", log)


def bare_main(body_file: str, port: int, headers: dict, workers: int) -> None:
    """A separate, tiny aiohttp app: one handler returning fixed bytes. N processes, SO_REUSEPORT."""
    import asyncio

    from aiohttp import web

    with open(body_file, "rb") as f:
        body = f.read()

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, headers=headers)

    def run() -> None:
        try:
            import uvloop

            loop = uvloop.new_event_loop()
        except ImportError:
            loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = web.Application()
        app.router.add_get("/{tail:.*}", handler)
        web.run_app(app, host="127.0.0.1", port=port, reuse_port=True, access_log=None, print=None, loop=loop)

    kids = []
    for _ in range(max(1, workers) - 1):
        pid = os.fork()
        if pid == 0:
            run()
            os._exit(0)
        kids.append(pid)
    try:
        run()
    finally:
        for k in kids:
            try:
                os.kill(k, signal.SIGTERM)
            except ProcessLookupError:
                pass


# ----------------------------------------------------------------------------- wrk
def run_wrk(a, port: int, mode: str, images: list[str], conc: int, offset: int, lua: str) -> dict:
    t = min(a.wrk_threads, conc)
    cmd = ["wrk", "-t", str(t), "-c", str(conc), "-d", f"{a.seconds:g}s", "--timeout", "30s", "-s", lua,
           f"http://127.0.0.1:{port}", "--", mode, TEMPLATE, ",".join(images), str(t), str(offset)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.seconds + 90)
    for line in p.stdout.splitlines():
        if line.startswith("JSON "):
            return json.loads(line[5:])  # err_status = non-2xx/3xx answers
    raise RuntimeError(f"wrk failed rc={p.returncode}: {p.stdout[-400:]} {p.stderr[-400:]}")


def metric_sum(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


# ----------------------------------------------------------------------------- raw (child process)
def raw_main(corpus: str, images: list[str], kind: str, threads: int, seconds: float) -> None:
    """In-process: `threads` threads doing the cold sequence, as raw pyvips or edge's render()."""
    import pyvips

    from edge.imaging import runtime

    runtime.configure()  # as edge: VIPS concurrency 1, no operation cache
    bufs = []
    for n in images:
        with open(os.path.join(corpus, n), "rb") as f:
            bufs.append(f.read())
    k = len(bufs)
    if kind == "raw-thumb":
        def op(n: int) -> int:
            i, w, h = cold_args(n, k)
            img = pyvips.Image.thumbnail_buffer(bufs[i], w, height=h, crop="centre", size="down")
            return len(img.jpegsave_buffer(Q=80, optimize_coding=True, keep="icc"))  # edge's JPEG options
    else:
        from edge.grammar.delivery_path import parse_delivery_path
        from edge.imaging.encode import negotiate
        from edge.imaging.limits import Limits
        from edge.imaging import render as render_mod
        from edge.imaging.render import render
        from edge.settings import LimitSettings

        ls = LimitSettings()
        limits = Limits(ls.max_source_pixels, ls.max_output_dimension)

        def op(n: int) -> int:
            i, w, h = cold_args(n, k)
            path = parse_delivery_path(TEMPLATE.format(w=w, h=h, img=images[i]))
            output = negotiate(path.requested_format, path.chain.last("quality"), path.chain.flags, "")
            # as the server calls it: with its abort hook (Abort, or a deadline in older versions)
            hook = render_mod.Abort() if hasattr(render_mod, "Abort") else time.monotonic() + 30
            return len(render(bufs[i], path.chain, output, limits, hook).data)

    for n in range(k):  # warm-up (outside the sequence that is measured)
        op(10**6 + n)
    lock = threading.Lock()
    counter = iter(range(10**9))
    lat: list[list[float]] = [[] for _ in range(threads)]
    deadline = time.perf_counter() + seconds

    def worker(t: int) -> None:
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter)
            t0 = time.perf_counter()
            op(n)
            lat[t].append(time.perf_counter() - t0)

    import resource

    def self_cpu() -> float:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return ru.ru_utime + ru.ru_stime

    watch, c0 = CpuWatch(), self_cpu()
    t0 = time.perf_counter()
    ths = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    el = time.perf_counter() - t0
    all_lat = sorted(x for li in lat for x in li)
    print("JSON " + json.dumps(dict(
        requests=len(all_lat), seconds=el, p50_ms=1000 * all_lat[len(all_lat) // 2],
        p99_ms=1000 * all_lat[min(len(all_lat) - 1, int(len(all_lat) * 0.99))],
        hwm_kb=status_kb(os.getpid(), "VmHWM"), other_cpu_pct=watch.other_pct(self_cpu() - c0))), flush=True)


def run_raw(a, corpus: str, images: list[str], kind: str, threads: int) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--_raw", kind, "--_corpus", corpus, "--_images",
           ",".join(images), "--_threads", str(threads), "--seconds", str(a.seconds)]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=a.seconds + 120)
    for line in p.stdout.splitlines():
        if line.startswith("JSON "):
            return json.loads(line[5:])
    raise RuntimeError(f"{kind} failed rc={p.returncode}: {p.stderr[-800:]}")


# ----------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10, help="per measured cell")
    ap.add_argument("--conc", default="16,64", help="wrk connections, comma separated")
    ap.add_argument("--sets", default="12mp,2mp", help=f"image sets: {', '.join(SETS)}")
    ap.add_argument("--scenarios", default="raw,cold,warm,bare")
    ap.add_argument("--workers", type=int, default=1, help="edge serve --workers (and bare app processes)")
    ap.add_argument("--render-workers", type=int, default=0, help="EDGE_RENDER_WORKERS (default: edge's, = CPUs)")
    ap.add_argument("--memory-cache", type=int, default=None, help="EDGE_CACHE_MEMORY_BYTES (default: edge's)")
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--corpus", help=f"folder with the images (default: {PEER_CORPUS} or generated)")
    ap.add_argument("--json", help="append one JSON line per cell to this file")
    # internal: child processes
    ap.add_argument("--_raw"), ap.add_argument("--_corpus"), ap.add_argument("--_images")
    ap.add_argument("--_threads", type=int), ap.add_argument("--_bare"), ap.add_argument("--_port", type=int)
    ap.add_argument("--_headers")
    a = ap.parse_args()
    if a._raw:
        raw_main(a._corpus, a._images.split(","), a._raw, a._threads, a.seconds)
        return 0
    if a._bare:
        bare_main(a._bare, a._port, json.loads(a._headers), a.workers)
        return 0
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found (apt-get install wrk)")

    sets = a.sets.split(",")
    scenarios = a.scenarios.split(",")
    concs = [int(c) for c in a.conc.split(",")]
    corpus = ensure_corpus(a.corpus, [n for s in sets for n in SETS[s]])
    render_threads = a.render_workers or os.cpu_count() or 2
    raw_threads = render_threads * a.workers
    work = tempfile.mkdtemp(prefix="edge-delivery-bench-")
    storage = os.path.join(work, "storage")
    os.makedirs(os.path.join(storage, "demo"))
    for s in sets:  # copies, not symlinks: edge refuses originals that resolve outside its storage root
        for n in SETS[s]:
            shutil.copy(os.path.join(corpus, n), os.path.join(storage, "demo", n))
    lua = os.path.join(work, "bench.lua")
    with open(lua, "w") as f:
        f.write(LUA)
    cache_dir, log = os.path.join(work, "cache"), os.path.join(work, "server.log")

    import pyvips

    print(f"edge delivery benchmark: {os.cpu_count()} CPUs, libvips {pyvips.version(0)}.{pyvips.version(1)}."
          f"{pyvips.version(2)}, corpus {corpus}, {a.seconds:g}s per cell, edge --workers {a.workers} x "
          f"{render_threads} render threads, raw {raw_threads} threads, wrk -t{a.wrk_threads}; logs {log}",
          flush=True)
    rows = []

    def emit(row: dict) -> None:
        rows.append(row)
        rss = f"{row['peak_rss_mb']:7.1f}" if row.get("peak_rss_mb") is not None else "      -"
        print(f"{row['set']:5s} {row['scenario']:10s} c={str(row.get('conc', '-')):3s} {row['req_s']:9.1f} req/s  "
              f"p50 {row['p50_ms']:7.1f}  p99 {row['p99_ms']:7.1f} ms  peak RSS {rss} MB  "
              f"non-200/err {row.get('errors', 0)}  other CPU {row.get('other_cpu_pct', 0):.0f}%  {row.get('note', '')}", flush=True)
        if a.json:
            with open(a.json, "a") as f:
                f.write(json.dumps(row) + "\n")

    def http_cell(set_name: str, scen: str, conc: int, server: Server, mode: str, images: list[str]) -> dict:
        sampler = RssSampler(server.proc.pid)
        sampler.start()
        watch = CpuWatch()
        r = run_wrk(a, server.port, mode, images, conc, 0, lua)
        sampler.stop()
        other = watch.other_pct(sampler.cpu_s())
        dur = r["duration_us"] / 1e6
        errors = r["err_status"] + r["err_connect"] + r["err_read"] + r["err_write"] + r["err_timeout"]
        return dict(set=set_name, scenario=scen, conc=conc, requests=r["requests"],
                    req_s=round(r["requests"] / dur, 1), p50_ms=r["lat_p50_us"] / 1000,
                    p99_ms=r["lat_p99_us"] / 1000, errors=errors, non2xx=r["err_status"],
                    peak_rss_mb=round(sampler.peak_kb / 1024, 1),
                    max_vmhwm_mb=round(max(sampler.hwm_kb.values(), default=0) / 1024, 1),
                    nprocs=len(sampler.hwm_kb), server_cpu_pct=round(100 * sampler.cpu_s() / dur, 1),
                    other_cpu_pct=other)

    try:
        for set_name in sets:
            images = SETS[set_name]
            res: dict[str, dict] = {}
            for kind in ("raw-thumb", "raw-render"):
                if "raw" in scenarios:
                    r = run_raw(a, corpus, images, kind, raw_threads)
                    res[kind] = dict(set=set_name, scenario=kind, req_s=round(r["requests"] / r["seconds"], 1),
                                     p50_ms=r["p50_ms"], p99_ms=r["p99_ms"],
                                     peak_rss_mb=round(r["hwm_kb"] / 1024, 1),
                                     other_cpu_pct=r["other_cpu_pct"],
                                     note=f"{raw_threads} threads in-process (VmHWM)")
                    emit(res[kind])
            warm_path = TEMPLATE.format(w=400, h=300, img=images[0])
            if "cold" in scenarios:
                for conc in concs:
                    server = start_edge(a, storage, cache_dir, log)
                    try:
                        # correctness: one request outside the measured sequence decodes to W x 300
                        _, w, h = cold_args(10**6, len(images))
                        st, hdr, body = fetch(server.url(TEMPLATE.format(w=w, h=h, img=images[0])))
                        im = pyvips.Image.new_from_buffer(body, "") if st == 200 else None
                        ok = im is not None and (im.width, im.height) == (w, h)
                        row = http_cell(set_name, "edge-cold", conc, server, "cold", images)
                        m = fetch(server.url("/metrics"))[2].decode()
                        hits = metric_sum(m, "edge_cache_requests_total", result="hit")
                        renders = metric_sum(m, "edge_renders_total")
                        row["note"] = (f"check {'ok' if ok else 'FAIL ' + str(st)}; one worker's metrics: "
                                       f"{renders:.0f} renders, {hits:.0f} cache hits")
                        row["cache_hits_one_worker"] = hits
                        res[f"cold{conc}"] = row
                        emit(row)
                    finally:
                        server.stop()
            if "warm" in scenarios or "bare" in scenarios:
                # the warm body (and headers) once, for the bare app
                server = start_edge(a, storage, cache_dir, log)
                try:
                    st, hdr, warm_body = fetch(server.url(warm_path))
                    warm_headers = {k: v for k, v in hdr.items()
                                    if k in ("Content-Type", "ETag", "Cache-Control", "X-Cache")}
                finally:
                    server.stop()
                body_file = os.path.join(work, "warm.jpg")
                with open(body_file, "wb") as f:
                    f.write(warm_body)
            if "warm" in scenarios:
                for conc in concs:
                    server = start_edge(a, storage, cache_dir, log)
                    try:
                        for _ in range(4 * a.workers):  # render it, and fill each worker's memory tier
                            fetch(server.url(warm_path))
                        row = http_cell(set_name, "edge-warm", conc, server, "warm", images)
                        row["note"] = f"{len(warm_body)} B body"
                        res[f"warm{conc}"] = row
                        emit(row)
                    finally:
                        server.stop()
            if "bare" in scenarios:
                for conc in concs:
                    server = start_bare(a, body_file, warm_headers, log)
                    try:
                        row = http_cell(set_name, "bare-aiohttp", conc, server, "warm", images)
                        row["note"] = f"{a.workers} process(es), same {len(warm_body)} B body"
                        res[f"bare{conc}"] = row
                        emit(row)
                    finally:
                        server.stop()
            for conc in concs:
                parts = []
                cold = res.get(f"cold{conc}")
                for kind in ("raw-thumb", "raw-render"):
                    if cold and kind in res:
                        parts.append(f"edge cold / {kind} = {cold['req_s'] / res[kind]['req_s']:.2f}")
                warm, bare = res.get(f"warm{conc}"), res.get(f"bare{conc}")
                if warm and bare:
                    parts.append(f"edge warm / bare aiohttp = {warm['req_s'] / bare['req_s']:.2f}")
                if parts:
                    print(f"{set_name:5s} ratios c={conc}: " + ", ".join(parts), flush=True)
    finally:
        shutil.rmtree(os.path.join(work, "storage"), ignore_errors=True)
        shutil.rmtree(cache_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
