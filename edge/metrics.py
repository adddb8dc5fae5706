"""Prometheus metrics. One `Metrics` per app, owning its registry (no duplicated series in tests).

Labels have low cardinality only: never a public_id or a URL.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

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
        self._scale_out(r)
        # Children bound once: the hot path then skips the label lookup.
        self._stage = {stage: self.stage_seconds.labels(stage) for stage in STAGES}

    def _scale_out(self, r: CollectorRegistry) -> None:
        """S3, Redis, cross-node coordination, draining, process and libvips memory."""
        ProcessCollector(registry=r)  # process_resident_memory_bytes, process_cpu_seconds_total
        self.s3_requests = Counter(
            "edge_s3_requests_total", "S3 calls by operation and result (ok, not_found, throttled, error, timeout)",
            ["operation", "result"], registry=r,
        )
        self.s3_seconds = Histogram(
            "edge_s3_request_seconds", "S3 call latency by operation", ["operation"], buckets=_LATENCY_BUCKETS, registry=r
        )
        self.s3_bytes = Counter("edge_s3_bytes_total", "Bytes read from S3", registry=r)
        self.redis_up = Gauge("edge_redis_up", "1 when the Redis tier answers, 0 while it is marked unhealthy", registry=r)
        self.redis_requests = Counter(
            "edge_redis_requests_total", "Redis calls by operation and result (ok, miss, error, skipped)",
            ["operation", "result"], registry=r,
        )
        self.redis_seconds = Histogram(
            "edge_redis_request_seconds", "Redis call latency by operation", ["operation"], buckets=_LATENCY_BUCKETS, registry=r
        )
        self.redis_bytes = Counter("edge_redis_bytes_total", "Derivative bytes moved to and from Redis", ["direction"], registry=r)
        self.coordination = Counter(
            "edge_coordination_total",
            "Cross-node render coordination: lock_acquired, waited (another node rendered), wait_timeout, lock_lost",
            ["event"], registry=r,
        )
        self.invalidations = Counter(
            "edge_invalidations_total", "Invalidation messages published and received", ["direction"], registry=r
        )
        self.stale_served = Counter("edge_stale_served_total", "Last good derivatives served because the origin failed", registry=r)
        self.cache_seconds = Histogram(
            "edge_cache_seconds", "Lookup latency of the disk and Redis tiers", ["tier"], buckets=_LATENCY_BUCKETS, registry=r
        )
        self.cache_errors = Counter("edge_cache_errors_total", "Failed cache writes by tier", ["tier"], registry=r)
        self.draining = Gauge("edge_draining", "1 after SIGTERM, while in-flight requests finish", registry=r)
        self.requests_in_flight = Gauge("edge_http_requests_in_flight", "HTTP requests being handled", registry=r)
        self.vips_memory = Gauge("edge_vips_memory_bytes", "Memory tracked by libvips (pixel buffers)", registry=r)
        self.vips_memory_highwater = Gauge("edge_vips_memory_highwater_bytes", "Peak memory tracked by libvips", registry=r)

    def observe_stage(self, stage: str, seconds: float) -> None:
        self._stage[stage].observe(seconds)

    def cache_timing(self, tier: str, seconds: float) -> None:
        self.cache_seconds.labels(tier).observe(seconds)

    def cache_failed(self, tier: str) -> None:
        self.cache_errors.labels(tier).inc()

    def cache_result(self, tier: str, hit: bool) -> None:
        self.cache_requests.labels(tier, "hit" if hit else "miss").inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
