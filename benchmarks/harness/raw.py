"""The raw cells: the cold sequence without HTTP, in a fresh child process (its own peak RSS),
with T threads calling either libvips' thumbnail_buffer or edge's render() directly."""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from harness.load import TEMPLATE, cold_args
from harness.sampling import CpuWatch

KINDS = ("raw-thumb", "raw-render")


def run_in_child(corpus: str, images: list[str], kind: str, threads: int, seconds: float) -> dict:
    """measure() in a spawned interpreter: nothing of this process's memory counts."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(measure, corpus, images, kind, threads, seconds).result(timeout=seconds + 120)


def thumb_op(buffers: list[bytes]) -> Callable[[int], int]:
    """libvips alone: thumbnail_buffer(crop='centre') + jpegsave with edge's JPEG options."""
    import pyvips

    def op(n: int) -> int:
        i, w, h = cold_args(n, len(buffers))
        img = pyvips.Image.thumbnail_buffer(buffers[i], w, height=h, crop="centre", size="down")
        return len(img.jpegsave_buffer(Q=80, optimize_coding=True, keep="icc"))

    return op


def render_op(buffers: list[bytes], images: list[str]) -> Callable[[int], int]:
    """edge's imaging without HTTP: parse the URL, negotiate the output, render()."""
    from edge.grammar.delivery_path import parse_delivery_path
    from edge.imaging import render as render_mod
    from edge.imaging.encode import negotiate
    from edge.imaging.limits import Limits
    from edge.imaging.render import render
    from edge.settings import LimitSettings

    settings = LimitSettings()
    limits = Limits(settings.max_source_pixels, settings.max_output_dimension)

    def op(n: int) -> int:
        i, w, h = cold_args(n, len(buffers))
        path = parse_delivery_path(TEMPLATE.format(w=w, h=h, img=images[i]))
        output = negotiate(path.requested_format, path.chain.last("quality"), path.chain.flags, "")
        # as the server calls it: with its abort hook (Abort, or a deadline in older versions)
        hook = render_mod.Abort() if hasattr(render_mod, "Abort") else time.monotonic() + 30
        return len(render(buffers[i], path.chain, output, limits, hook).data)

    return op


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(corpus: str, images: list[str], kind: str, threads: int, seconds: float) -> dict:
    """`threads` threads taking the next n of the cold sequence for `seconds`: count and latencies."""
    from edge.imaging import runtime

    runtime.configure()  # as edge: VIPS concurrency 1, no operation cache
    buffers = []
    for name in images:
        with open(os.path.join(corpus, name), "rb") as f:
            buffers.append(f.read())
    op = thumb_op(buffers) if kind == "raw-thumb" else render_op(buffers, images)
    for n in range(len(buffers)):  # warm-up, outside the measured sequence
        op(10**6 + n)

    lock = threading.Lock()
    counter = iter(range(10**9))
    latencies: list[list[float]] = [[] for _ in range(threads)]
    deadline = time.perf_counter() + seconds

    def worker(t: int) -> None:
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter)
            t0 = time.perf_counter()
            op(n)
            latencies[t].append(time.perf_counter() - t0)

    watch, cpu0 = CpuWatch(), _self_cpu()
    t0 = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - t0
    ordered = sorted(x for per_thread in latencies for x in per_thread)
    return dict(
        requests=len(ordered), seconds=elapsed, p50_ms=1000 * ordered[len(ordered) // 2],
        p99_ms=1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        hwm_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,  # Linux: KiB, the process's VmHWM
        other_cpu_pct=watch.other_pct(_self_cpu() - cpu0),
    )
