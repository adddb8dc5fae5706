from prometheus_client.parser import text_string_to_metric_families

from edge.metrics import Metrics


def test_exposition_is_valid_prometheus_text():
    metrics = Metrics()
    metrics.requests.labels("delivery", "200").inc()
    metrics.requests.labels("delivery", "200").inc(2)
    metrics.observe_stage("render", 0.003)
    metrics.observe_stage("render", 7)
    metrics.queue_depth.set(3)
    metrics.cache_bytes.labels("memory").set_function(lambda: 42)
    families = {f.name: f for f in text_string_to_metric_families(metrics.exposition().decode())}
    requests = families["edge_http_requests"].samples
    assert [(s.name, s.labels, s.value) for s in requests] == [("edge_http_requests_total", {"route": "delivery", "status": "200"}, 3.0)]
    buckets = {s.labels["le"]: s.value for s in families["edge_stage_seconds"].samples if s.name.endswith("_bucket") and s.labels["stage"] == "render"}
    assert buckets["0.0025"] == 0 and buckets["0.005"] == 1 and buckets["5.0"] == 1 and buckets["10.0"] == 2 and buckets["+Inf"] == 2
    count = next(s for s in families["edge_stage_seconds"].samples if s.name == "edge_stage_seconds_count" and s.labels["stage"] == "render")
    assert count.value == 2
    assert families["edge_render_queue_depth"].samples[0].value == 3
    assert families["edge_cache_bytes"].samples[0].value == 42
