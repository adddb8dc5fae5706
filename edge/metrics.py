"""Prometheus metrics. One `Metrics` per app, owning its registry (no duplicated series in tests).

Labels have low cardinality only: never a public_id or a URL.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

STAGES = ("parse", "cache", "origin", "queue", "render", "encode")
_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("edge_http_requests_total", "HTTP requests by route and status", ["route", "status"], registry=r)
        self.request_seconds = Histogram(
            "edge_http_request_seconds", "HTTP request latency by route", ["route"], buckets=_LATENCY_BUCKETS, registry=r
        )
        self.stage_seconds = Histogram(
            "edge_stage_seconds", "Latency of each delivery stage", ["stage"], buckets=_LATENCY_BUCKETS, registry=r
        )
        self.cache_requests = Counter("edge_cache_requests_total", "Derivative cache lookups by tier and result", ["tier", "result"], registry=r)
        self.errors = Counter("edge_errors_total", "Errors by category", ["category"], registry=r)
        self.renders = Counter("edge_renders_total", "Renders by result", ["result"], registry=r)
        self.renders_in_flight = Gauge("edge_renders_in_flight", "Renders running on a render thread", registry=r)
        self.queue_depth = Gauge("edge_render_queue_depth", "Renders waiting for a render thread", registry=r)
        self.response_bytes = Counter("edge_response_bytes_total", "Body bytes sent", registry=r)
        self.origin_bytes = Counter("edge_origin_bytes_total", "Bytes read from origins", registry=r)
        self.cache_bytes = Gauge("edge_cache_bytes", "Bytes held by each cache tier", ["tier"], registry=r)
        # Children bound once: the hot path then skips the label lookup.
        self._stage = {stage: self.stage_seconds.labels(stage) for stage in STAGES}

    def observe_stage(self, stage: str, seconds: float) -> None:
        self._stage[stage].observe(seconds)

    def cache_result(self, tier: str, hit: bool) -> None:
        self.cache_requests.labels(tier, "hit" if hit else "miss").inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
