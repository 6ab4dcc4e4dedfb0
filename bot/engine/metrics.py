"""The engine's Prometheus metrics, in a registry of their own (one engine process per
container; each keeps its own figures and Prometheus scrapes them all)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.process_collector import ProcessCollector

from aftersales import metric_names

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)

# A turn is a few milliseconds in the engine, or seconds when an action waits on the api.
_TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)

TURNS = Counter(
    metric_names.ENGINE_TURNS_TOTAL, "Consumer messages the engine answered.", registry=REGISTRY
)
TURN_SECONDS = Histogram(
    metric_names.ENGINE_TURN_SECONDS,
    "Time of one turn in the engine, from the message to its last reply.",
    buckets=_TURN_BUCKETS,
    registry=REGISTRY,
)
NLU_FALLBACKS = Counter(
    metric_names.NLU_FALLBACK_TOTAL,
    "Messages the NLU could not classify with enough confidence.",
    registry=REGISTRY,
)
