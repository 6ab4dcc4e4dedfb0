"""The action server's Prometheus metrics, in a registry of their own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.process_collector import ProcessCollector

from aftersales import metric_names

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)

ACTION_CALLS = Counter(
    metric_names.ACTION_CALLS_TOTAL,
    "Action calls the action server answered, by action and status code.",
    ("action", "status"),
    registry=REGISTRY,
)
