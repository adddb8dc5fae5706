"""The pre-fork supervisor: N worker processes accept on one listening socket; a dead one is replaced.

A worker can die without asking (`kill -9`, the OOM killer, a crash inside libvips): the parent
notices within `POLL_SECONDS`, logs the cause, and forks a replacement at once, or after a
backoff (0.25 s doubling to 5 s) while that worker keeps dying within `STABLE_SECONDS` of its
start. When more than `limit` workers die within `WINDOW_SECONDS` the node cannot keep its
workers up: the parent stops the others (SIGTERM, so they drain) and exits 1, which an
orchestrator sees and acts on, instead of a node that limps on with fewer workers or none.

SIGTERM and SIGINT are passed on to every worker (each drains: /readyz 503, then graceful
shutdown) and nothing is restarted after them; the parent's exit code is the first non-zero
one of its workers, else 0. Only the first is passed on, and none reaches a worker before its
own handler is in place: a signal a worker cannot handle would kill it (once its server has shut
down, the default action is back), and the node would exit 143 instead of 0 (241 before this
supervisor, which passed the worker's -15 on as its own exit status).

The restart count lives in one 8-byte shared memory page mapped before the first fork: the
parent is the only writer, and every worker exposes it as `edge_worker_restarts_total`. So
whichever worker a scrape lands on reports the node's count, and the count survives the worker
that died (a worker's own metrics die with it).

The parent never imports libvips or the app: workers are forked from it again and again, and a
forked libvips (its threads, its caches) is not safe to use.
"""

from __future__ import annotations

import logging
import mmap
import os
import signal
import socket
import struct
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

log = logging.getLogger("edge.supervisor")

POLL_SECONDS = 0.05
STABLE_SECONDS = 10.0  # a worker that lived this long died of something new: restart it at once
FIRST_BACKOFF_SECONDS = 0.25
MAX_BACKOFF_SECONDS = 5.0
WINDOW_SECONDS = 60.0
EXIT_GAVE_UP = 1


def default_limit(workers: int) -> int:
    """Deaths tolerated within WINDOW_SECONDS: three per worker, at least five (an OOM kill
    under a burst may take a few at once; a worker failing at start exceeds it in seconds)."""
    return max(5, 3 * workers)


_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def _stop_with_parent(parent: int) -> None:
    """Linux: SIGTERM (a drain) to this worker when the supervisor dies, even by SIGKILL, so no
    orphaned worker keeps accepting on the port unsupervised."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before prctl took effect
        raise SystemExit(0)


class RestartCount:
    """A counter in shared memory: written by the parent, read by every worker."""

    def __init__(self) -> None:
        self._page = mmap.mmap(-1, 8)  # anonymous and MAP_SHARED: forked children see the parent's writes

    @property
    def value(self) -> int:
        return struct.unpack_from("Q", self._page)[0]

    def increment(self) -> None:
        struct.pack_into("Q", self._page, 0, self.value + 1)

    def collector(self) -> RestartCollector:
        return RestartCollector(self)


class RestartCollector:
    """A prometheus_client collector for a worker's registry."""

    def __init__(self, count: RestartCount) -> None:
        self._count = count

    def collect(self) -> Iterator[object]:
        from prometheus_client.core import CounterMetricFamily

        yield CounterMetricFamily(
            "edge_worker_restarts", "Worker processes of this node restarted after dying", value=self._count.value
        )

    def describe(self) -> list[object]:
        return []


@dataclass(slots=True)
class _Slot:
    index: int
    started: float = 0.0
    quick_deaths: int = 0  # deaths in a row, each within STABLE_SECONDS of its start


class Supervisor:
    """Forks `workers` processes running `serve(sock)` and keeps that many alive."""

    def __init__(
        self,
        serve: Callable[[socket.socket], None],
        sock: socket.socket,
        workers: int,
        restarts: RestartCount,
        limit: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._serve = serve
        self._sock = sock
        self._workers = workers
        self._restarts = restarts
        self._limit = default_limit(workers) if limit is None else limit
        self._clock = clock
        self._children: dict[int, _Slot] = {}
        self._pending: list[tuple[float, _Slot]] = []  # (when, slot) restarts waiting out a backoff
        self._deaths: deque[float] = deque()
        self._stopping = False
        self._status = 0
        self._parent = os.getpid()

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for index in range(self._workers):
            if not self._stopping:  # a stop request during the first forks: no more workers
                self._spawn(_Slot(index))
        while self._children or (self._pending and not self._stopping):
            self._reap()
            self._start_due()
            time.sleep(POLL_SECONDS)
        # Every worker is gone: a late stop request must not kill this process on its way out
        # (the interpreter's finalisation restores the default action, death by the signal).
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        return self._status

    def _spawn(self, slot: _Slot) -> None:
        slot.started = self._clock()
        # Blocked across the fork: a stop request arriving in between would otherwise run this
        # parent's handler in the new child (which would signal its siblings and carry on), or
        # come before the child is in `_children` here. Delivered once each side is ready.
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                self._child(slot)
            self._children[pid] = slot
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        log.info("worker %d started (pid %d)", slot.index, pid)

    def _child(self, slot: _Slot) -> None:
        """In the forked worker: never returns."""
        # Until the worker's event loop installs its own handlers (drain on SIGTERM), a stop request
        # ends a worker that is still starting, as a clean exit.
        code = 0
        try:
            signal.signal(signal.SIGTERM, _exit_cleanly)
            signal.signal(signal.SIGINT, _exit_cleanly)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # blocked by _spawn
            _stop_with_parent(self._parent)
            self._serve(self._sock)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        except BaseException:  # noqa: BLE001 (the worker's last word: log it, then exit non-zero)
            log.exception("worker %d (pid %d) stopped on an error", slot.index, os.getpid())
            code = 1
        finally:
            signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)  # stopping already: no second exit
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def _reap(self) -> None:
        while self._children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            slot = self._children.pop(pid, None)
            if slot is not None:
                self._died(pid, slot, os.waitstatus_to_exitcode(status))

    def _died(self, pid: int, slot: _Slot, code: int) -> None:
        if self._stopping:
            self._status = self._status or (code if code > 0 else 128 - code if code < 0 else 0)
            return
        now = self._clock()
        lived = now - slot.started
        cause = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with {code}"
        self._deaths.append(now)
        while self._deaths and self._deaths[0] < now - WINDOW_SECONDS:
            self._deaths.popleft()
        if len(self._deaths) > self._limit:
            log.error(
                "worker %d (pid %d) %s after %.1f s: %d deaths within %.0f s, more than %d; the node cannot "
                "keep its workers up, stopping", slot.index, pid, cause, lived, len(self._deaths), WINDOW_SECONDS,
                self._limit,
            )
            self._give_up()
            return
        slot.quick_deaths = slot.quick_deaths + 1 if lived < STABLE_SECONDS else 0
        delay = 0.0 if slot.quick_deaths <= 1 else min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** (slot.quick_deaths - 2))
        log.warning("worker %d (pid %d) %s after %.1f s; restarting it in %.2f s", slot.index, pid, cause, lived, delay)
        self._pending.append((now + delay, slot))

    def _start_due(self) -> None:
        if self._stopping:
            return
        now = self._clock()
        due = [slot for when, slot in self._pending if when <= now]
        self._pending = [(when, slot) for when, slot in self._pending if when > now]
        for slot in due:
            if self._stopping:
                return
            self._restarts.increment()
            self._spawn(slot)

    def _give_up(self) -> None:
        self._stopping = True
        self._pending.clear()
        self._status = EXIT_GAVE_UP
        self._signal_all(signal.SIGTERM)

    def _stop(self, signum: int, _frame: object) -> None:
        if self._stopping:  # the workers are draining: a worker past its drain would die of a second signal
            return
        self._stopping = True
        self._pending.clear()
        self._signal_all(signum)

    def _signal_all(self, signum: int) -> None:
        for pid in self._children:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass
