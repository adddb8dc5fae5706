"""The cells of the delivery benchmark, one function each, for one image set:

  raw-thumb     libvips alone: thumbnail_buffer + jpegsave, T threads, no HTTP (harness/raw.py)
  raw-render    edge's render() called directly, same threads and sequence (harness/raw.py)
  edge-cold     edge over HTTP, every request a new (image, width) fill-crop: wrk's cold sequence
  edge-warm     edge over HTTP, one URL repeated: a memory-tier hit
  bare-aiohttp  a tiny aiohttp app answering the warm response's bytes: the HTTP floor

An HTTP cell starts its own server with an empty disk cache (so its peak RSS is its own and no
cold request can hit a cache left by another cell), samples the server's process tree while wrk
runs, and stops it. Each returns one row for the report."""

from __future__ import annotations

import os
from dataclasses import dataclass

from harness import raw as raw_cells
from harness.corpus import SETS
from harness.load import TEMPLATE, cold_args, warm_path
from harness.sampling import CpuWatch, TreeSampler
from harness.servers import Server, fetch, metric_sum, start_bare, start_edge
from harness.workspace import Workspace


def raw(ws: Workspace, set_name: str, kind: str) -> dict:
    r = raw_cells.run_in_child(ws.corpus, SETS[set_name], kind, ws.raw_threads, ws.seconds)
    return dict(set=set_name, scenario=kind, req_s=round(r["requests"] / r["seconds"], 1),
                p50_ms=r["p50_ms"], p99_ms=r["p99_ms"], peak_rss_mb=round(r["hwm_kb"] / 1024, 1),
                other_cpu_pct=r["other_cpu_pct"], note=f"{ws.raw_threads} threads in-process (VmHWM)")


def edge(ws: Workspace) -> Server:
    return start_edge(ws.storage, ws.cache_dir, ws.log, ws.workers, ws.render_workers, ws.memory_cache)


def under_load(ws: Workspace, set_name: str, scenario: str, conc: int, server: Server, mode: str) -> dict:
    """wrk for ws.seconds against `server`, its process tree sampled meanwhile."""
    sampler = TreeSampler(server.proc.pid)
    sampler.start()
    watch = CpuWatch()
    r = ws.wrk.run(server.port, mode, SETS[set_name], conc)
    sampler.stop()
    other = watch.other_pct(sampler.cpu_s())
    duration = r["duration_us"] / 1e6
    errors = r["err_status"] + r["err_connect"] + r["err_read"] + r["err_write"] + r["err_timeout"]
    return dict(set=set_name, scenario=scenario, conc=conc, requests=r["requests"],
                req_s=round(r["requests"] / duration, 1), p50_ms=r["lat_p50_us"] / 1000,
                p99_ms=r["lat_p99_us"] / 1000, errors=errors, non2xx=r["err_status"],
                peak_rss_mb=round(sampler.peak_kb / 1024, 1),
                max_vmhwm_mb=round(max(sampler.hwm_kb.values(), default=0) / 1024, 1),
                nprocs=len(sampler.hwm_kb), server_cpu_pct=round(100 * sampler.cpu_s() / duration, 1),
                other_cpu_pct=other)


def edge_cold(ws: Workspace, set_name: str, conc: int) -> dict:
    """Checks one answer (outside the measured sequence) decodes to W x H, then measures; the
    note counts renders and cache hits from /metrics (one worker's share with --workers > 1)."""
    import pyvips

    images = SETS[set_name]
    with edge(ws) as server:
        _, w, h = cold_args(10**6, len(images))
        status, _, body = fetch(server.url(TEMPLATE.format(w=w, h=h, img=images[0])))
        image = pyvips.Image.new_from_buffer(body, "") if status == 200 else None
        ok = image is not None and (image.width, image.height) == (w, h)
        row = under_load(ws, set_name, "edge-cold", conc, server, "cold")
        metrics = fetch(server.url("/metrics"))[2].decode()
    hits = metric_sum(metrics, "edge_cache_requests_total", result="hit")
    renders = metric_sum(metrics, "edge_renders_total")
    row["note"] = f"check {'ok' if ok else 'FAIL ' + str(status)}; one worker's metrics: {renders:.0f} renders, {hits:.0f} cache hits"
    row["cache_hits_one_worker"] = hits
    return row


@dataclass(frozen=True)
class WarmAnswer:
    """edge's answer to the warm URL, which the bare app repeats byte for byte."""

    body_file: str
    size: int
    headers: dict


def warm_answer(ws: Workspace, set_name: str) -> WarmAnswer:
    with edge(ws) as server:
        _, headers, body = fetch(server.url(warm_path(SETS[set_name])))
    body_file = os.path.join(ws.folder, "warm.jpg")
    with open(body_file, "wb") as f:
        f.write(body)
    kept = {k: v for k, v in headers.items() if k in ("Content-Type", "ETag", "Cache-Control", "X-Cache")}
    return WarmAnswer(body_file, len(body), kept)


def edge_warm(ws: Workspace, set_name: str, conc: int, answer: WarmAnswer) -> dict:
    with edge(ws) as server:
        for _ in range(4 * ws.workers):  # render it, and fill each worker's memory tier
            fetch(server.url(warm_path(SETS[set_name])))
        row = under_load(ws, set_name, "edge-warm", conc, server, "warm")
    row["note"] = f"{answer.size} B body"
    return row


def bare(ws: Workspace, set_name: str, conc: int, answer: WarmAnswer) -> dict:
    with start_bare(answer.body_file, answer.headers, ws.log, ws.workers) as server:
        row = under_load(ws, set_name, "bare-aiohttp", conc, server, "warm")
    row["note"] = f"{ws.workers} process(es), same {answer.size} B body"
    return row
