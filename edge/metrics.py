"""Prometheus metrics. One `Metrics` per app, owning its registry (no duplicated series in tests).

Labels have low cardinality only: never a public_id or a URL.

Why not prometheus_client's Counter/Histogram directly: each call takes a lock and a
histogram observe walks every bucket; on a cached hit that was a quarter of the request's
cost. These families are updated from the event loop thread only, lock-free (a bisect and
an add), and exported through a collector in prometheus_client's text format. Their API
(`labels(...).inc()`, `.observe()`, `.set()`, `.set_function()`) is the familiar one.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.utils import floatToGoString
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

STAGES = ("parse", "cache", "origin", "queue", "render", "encode")
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class _Value:
    __slots__ = ("value", "function")

    def __init__(self) -> None:
        self.value = 0.0
        self.function: Callable[[], float] | None = None

    def inc(self, amount: float = 1) -> None:
        self.value += amount

    def dec(self, amount: float = 1) -> None:
        self.value -= amount

    def set(self, value: float) -> None:
        self.value = value

    def set_function(self, function: Callable[[], float]) -> None:
        self.function = function

    def get(self) -> float:
        return float(self.function()) if self.function else self.value


class _Buckets:
    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last one is +Inf
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value


class _Family:
    kind = "counter"

    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...] = ()) -> None:
        self.name, self.documentation, self.labelnames = name, documentation, labelnames
        self._children: dict[tuple[str, ...], object] = {}
        if not labelnames:
            self._default = self.labels()

    def _new_child(self) -> object:
        return _Value()

    def labels(self, *values: str):  # type: ignore[no-untyped-def]
        child = self._children.get(values)
        if child is None:
            if len(values) != len(self.labelnames):
                raise ValueError(f"{self.name} takes labels {self.labelnames}")
            child = self._children[values] = self._new_child()
        return child

    def inc(self, amount: float = 1) -> None:
        self._default.inc(amount)  # type: ignore[attr-defined]

    def dec(self, amount: float = 1) -> None:
        self._default.dec(amount)  # type: ignore[attr-defined]

    def set(self, value: float) -> None:
        self._default.set(value)  # type: ignore[attr-defined]

    def set_function(self, function: Callable[[], float]) -> None:
        self._default.set_function(function)  # type: ignore[attr-defined]

    def observe(self, value: float) -> None:
        self._default.observe(value)  # type: ignore[attr-defined]

    def collect(self) -> Metric:
        family_cls = CounterMetricFamily if self.kind == "counter" else GaugeMetricFamily
        name = self.name.removesuffix("_total") if self.kind == "counter" else self.name
        family = family_cls(name, self.documentation, labels=self.labelnames)
        for values, child in sorted(self._children.items()):
            family.add_metric(values, child.get())  # type: ignore[attr-defined]
        return family


class Counter(_Family):
    kind = "counter"


class Gauge(_Family):
    kind = "gauge"


class Histogram(_Family):
    kind = "histogram"

    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...] = (), buckets: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.buckets = buckets
        super().__init__(name, documentation, labelnames)

    def _new_child(self) -> object:
        return _Buckets(self.buckets)

    def collect(self) -> Metric:
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for values, child in sorted(self._children.items()):
            assert isinstance(child, _Buckets)
            cumulative, running = [], 0
            for bound, count in zip((*self.buckets, float("inf")), child.counts, strict=True):
                running += count
                cumulative.append((_bound_text(bound), running))
            family.add_metric(list(values), cumulative, child.sum)
        return family


def _bound_text(bound: float) -> str:
    return floatToGoString(bound)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._families: list[_Family] = []
        add = self._add
        self.requests = add(Counter("edge_http_requests_total", "HTTP requests by route and status", ("route", "status")))
        self.request_seconds = add(Histogram("edge_http_request_seconds", "HTTP request latency by route", ("route",)))
        self.stage_seconds = add(Histogram("edge_stage_seconds", "Latency of each delivery stage", ("stage",)))
        self.cache_requests = add(Counter("edge_cache_requests_total", "Derivative cache lookups by tier and result", ("tier", "result")))
        self.errors = add(Counter("edge_errors_total", "Errors by category", ("category",)))
        self.renders = add(Counter("edge_renders_total", "Renders by result", ("result",)))
        self.renders_in_flight = add(Gauge("edge_renders_in_flight", "Renders running on a render thread"))
        self.queue_depth = add(Gauge("edge_render_queue_depth", "Renders waiting for a render thread"))
        self.render_threads_abandoned = add(Gauge(
            "edge_render_threads_abandoned", "Render threads still busy with a render past its deadline"
        ))
        self.response_bytes = add(Counter("edge_response_bytes_total", "Body bytes sent"))
        self.origin_bytes = add(Counter("edge_origin_bytes_total", "Bytes read from origins"))
        self.cache_bytes = add(Gauge("edge_cache_bytes", "Bytes held by each cache tier", ("tier",)))
        self._scale_out(add)
        ProcessCollector(registry=self.registry)  # process_resident_memory_bytes, process_cpu_seconds_total
        self.registry.register(_Collector(self._families))
        # Children bound once: the hot path then skips the label lookup.
        self._stage = {stage: self.stage_seconds.labels(stage) for stage in STAGES}

    def _add(self, family: _Family):  # type: ignore[no-untyped-def]
        self._families.append(family)
        return family

    def _scale_out(self, add) -> None:  # type: ignore[no-untyped-def]
        """S3, Redis, cross-node coordination, draining, in-flight requests and libvips memory."""
        self.s3_requests = add(Counter(
            "edge_s3_requests_total", "S3 calls by operation and result (ok, not_found, throttled, error, timeout)",
            ("operation", "result"),
        ))
        self.s3_seconds = add(Histogram("edge_s3_request_seconds", "S3 call latency by operation", ("operation",)))
        self.s3_bytes = add(Counter("edge_s3_bytes_total", "Bytes read from S3"))
        self.redis_up = add(Gauge("edge_redis_up", "1 when the Redis tier answers, 0 while it is marked unhealthy"))
        self.redis_requests = add(Counter(
            "edge_redis_requests_total", "Redis calls by operation and result (ok, miss, error, skipped)", ("operation", "result")
        ))
        self.redis_seconds = add(Histogram("edge_redis_request_seconds", "Redis call latency by operation", ("operation",)))
        self.redis_bytes = add(Counter("edge_redis_bytes_total", "Derivative bytes moved to and from Redis", ("direction",)))
        self.coordination = add(Counter(
            "edge_coordination_total",
            "Cross-node render coordination: lock_acquired, waited (another node rendered), wait_timeout, lock_lost",
            ("event",),
        ))
        self.invalidations = add(Counter("edge_invalidations_total", "Invalidation messages published and received", ("direction",)))
        self.stale_served = add(Counter("edge_stale_served_total", "Last good derivatives served because the origin failed"))
        self.cache_seconds = add(Histogram("edge_cache_seconds", "Lookup latency of the disk and Redis tiers", ("tier",)))
        self.cache_errors = add(Counter("edge_cache_errors_total", "Failed cache writes by tier", ("tier",)))
        self.draining = add(Gauge("edge_draining", "1 after SIGTERM, while in-flight requests finish"))
        self.dependency_up = add(Gauge(
            "edge_dependency_up", "1 when the dependency answered the last /readyz check, 0 when it did not", ("dependency",)
        ))
        self.requests_in_flight = add(Gauge("edge_http_requests_in_flight", "HTTP requests being handled"))
        self.vips_memory = add(Gauge("edge_vips_memory_bytes", "Memory tracked by libvips (pixel buffers)"))
        self.vips_memory_highwater = add(Gauge("edge_vips_memory_highwater_bytes", "Peak memory tracked by libvips"))

    def cache_timing(self, tier: str, seconds: float) -> None:
        self.cache_seconds.labels(tier).observe(seconds)

    def cache_failed(self, tier: str) -> None:
        self.cache_errors.labels(tier).inc()

    def observe_stage(self, stage: str, seconds: float) -> None:
        self._stage[stage].observe(seconds)

    def cache_result(self, tier: str, hit: bool) -> None:
        self.cache_requests.labels(tier, "hit" if hit else "miss").inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _Collector:
    def __init__(self, families: list[_Family]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        for family in self._families:
            yield family.collect()

    def describe(self) -> list[Metric]:
        return []
