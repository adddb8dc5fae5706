"""How much memory and CPU a process tree uses while a cell runs, and how busy the rest of the
machine was (psutil)."""

from __future__ import annotations

import os
import resource
import threading
import time

try:
    import psutil
except ImportError as exc:  # the bench extra, not a runtime dependency
    raise SystemExit("the benchmarks need psutil: .venv/bin/pip install -e '.[bench]'") from exc


def vm_hwm_kb(pid: int) -> int:
    """The process's peak resident set (VmHWM), which psutil does not expose; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def process_tree(root: int) -> list[psutil.Process]:
    """The root and all its descendants (prefork workers); empty once the root is gone."""
    try:
        process = psutil.Process(root)
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _host_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, summed over its CPUs."""
    t = psutil.cpu_times()
    busy = t.user + t.nice + t.system + t.irq + t.softirq
    return busy, busy + t.idle + t.iowait


def _children_cpu() -> float:
    """CPU seconds of this process's waited-for children (wrk)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuWatch:
    """How much CPU the machine spent outside the measured processes during a cell (noise check).

    other % = 100 x (machine busy seconds - server seconds - load generator seconds) / wall seconds,
    in cores (100 = one core). Others' work on a shared machine shows up here."""

    def __init__(self) -> None:
        self.host0, self.t0, self.children0 = _host_busy(), time.perf_counter(), _children_cpu()

    def other_pct(self, server_s: float) -> float:
        host1, elapsed = _host_busy(), time.perf_counter() - self.t0
        share = (host1[0] - self.host0[0]) / max(1e-9, host1[1] - self.host0[1])
        busy_s = share * elapsed * (os.cpu_count() or 1)
        children_s = _children_cpu() - self.children0
        return round(100 * max(0.0, busy_s - server_s - children_s) / elapsed, 1)


class TreeSampler(threading.Thread):
    """Every 100 ms: the summed RSS of a process tree (its peak is the cell's peak RSS), each
    process's VmHWM and its CPU seconds."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak_kb, self.hwm_kb = root, 0, {}
        self._halt = threading.Event()
        self.cpu0 = {p.pid: self._cpu(p) for p in process_tree(root)}
        self.cpu1 = dict(self.cpu0)

    @staticmethod
    def _cpu(process: psutil.Process) -> float:
        try:
            return _cpu_seconds(process)
        except psutil.NoSuchProcess:
            return 0.0

    def run(self) -> None:
        while not self._halt.is_set():
            self._sample()
            self._halt.wait(0.1)

    def _sample(self) -> None:
        total = 0
        for process in process_tree(self.root):
            try:
                with process.oneshot():
                    rss, cpu = process.memory_info().rss // 1024, _cpu_seconds(process)
            except psutil.NoSuchProcess:
                continue
            total += rss
            self.hwm_kb[process.pid] = max(self.hwm_kb.get(process.pid, 0), vm_hwm_kb(process.pid))
            self.cpu1[process.pid] = max(self.cpu1.get(process.pid, 0.0), cpu)
        self.peak_kb = max(self.peak_kb, total)

    def stop(self) -> TreeSampler:
        self._sample()
        self._halt.set()
        self.join()
        return self

    def cpu_s(self) -> float:
        """CPU seconds the tree spent while sampled."""
        return sum(v - self.cpu0.get(pid, 0.0) for pid, v in self.cpu1.items())
