#!/usr/bin/env python3
"""Delivery benchmark: edge over HTTP beside raw pyvips and a bare aiohttp handler, in one run.

    .venv/bin/python benchmarks/delivery.py [--seconds 10] [--conc 16,64] [--sets 12mp,2mp]
                                            [--workers 1] [--scenarios raw,cold,warm,bare]

Scenarios, per image set (see benchmarks/README.md; each cell is a function in harness/cells.py):
  raw-thumb   pyvips.Image.thumbnail_buffer(crop='centre') + jpegsave Q80, T threads, in-process
  raw-render  edge.imaging.render.render() called directly (no HTTP, no cache), T threads
  cold        edge over HTTP, every request a new (image, width) fill-crop: c_fill,w_W,h_300,q_80
  warm        edge over HTTP, one URL repeated (w_400 on the first image): a memory-cache hit
  bare        a tiny aiohttp app (uvloop if present) answering the warm response's bytes

T = --workers x EDGE_RENDER_WORKERS (default: CPUs), i.e. the render threads edge has. The raw
scenarios run in a child process (clean peak RSS). Load comes from wrk (harness/load.py; the
cold sequence is /tmp/edge-bench/lua/bench.lua's) with --wrk-threads threads. Edge and the
bare app are restarted for every measured cell, with an empty disk cache, so peak RSS is per
cell and no cold request can hit a cache. Nothing is asserted; figures are printed (and
appended as JSON lines to --json if given).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from harness import cells
from harness.corpus import PEER_CORPUS, SETS
from harness.raw import KINDS as RAW_KINDS
from harness.report import Report
from harness.workspace import Workspace


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
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
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found (apt-get install wrk)")
    sets, scenarios = a.sets.split(","), a.scenarios.split(",")
    concs = [int(c) for c in a.conc.split(",")]
    ws = Workspace.create(sets, a.corpus, a.seconds, a.wrk_threads, a.workers, a.render_workers, a.memory_cache)
    report = Report(a.json)
    import pyvips

    print(f"edge delivery benchmark: {os.cpu_count()} CPUs, libvips {pyvips.version(0)}.{pyvips.version(1)}."
          f"{pyvips.version(2)}, corpus {ws.corpus}, {a.seconds:g}s per cell, edge --workers {a.workers} x "
          f"{ws.render_threads} render threads, raw {ws.raw_threads} threads, wrk -t{a.wrk_threads}; "
          f"logs {ws.log}", flush=True)
    try:
        for set_name in sets:
            done: dict[str, dict] = {}
            if "raw" in scenarios:
                for kind in RAW_KINDS:
                    done[kind] = report.emit(cells.raw(ws, set_name, kind))
            if "cold" in scenarios:
                for conc in concs:
                    done[f"cold{conc}"] = report.emit(cells.edge_cold(ws, set_name, conc))
            if "warm" in scenarios or "bare" in scenarios:
                answer = cells.warm_answer(ws, set_name)
            if "warm" in scenarios:
                for conc in concs:
                    done[f"warm{conc}"] = report.emit(cells.edge_warm(ws, set_name, conc, answer))
            if "bare" in scenarios:
                for conc in concs:
                    done[f"bare{conc}"] = report.emit(cells.bare(ws, set_name, conc, answer))
            report.ratios(set_name, concs, done)
    finally:
        ws.clean()
    return 0


if __name__ == "__main__":
    sys.exit(main())
