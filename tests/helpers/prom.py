"""Read Prometheus text exposition in tests (prometheus_client's own parser)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples named `name` whose labels include `labels` (0 if none)."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def names(text: str) -> set[str]:
    """Every family and sample name exported (a histogram gives x, x_bucket, x_sum, x_count)."""
    found = set()
    for family in text_string_to_metric_families(text):
        found.add(family.name)
        found.update(sample.name for sample in family.samples)
        if family.type == "counter":
            found.add(family.name + "_total")
        if family.type == "histogram":
            found.update({family.name + "_bucket", family.name + "_sum", family.name + "_count"})
    return found
