"""The api's Prometheus metrics, in a registry of their own.

One api process runs per container, so each process keeps its own figures and Prometheus
scrapes every container: the counters are plain in-process counters, with no
multi-process mode. A process that runs several api workers would need prometheus-client's
multi-process mode instead, which this module does not set up.
"""

from __future__ import annotations

from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.process_collector import ProcessCollector

from aftersales import metric_names

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)

# From a cheap read to a slow report export; buckets in seconds.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class DeliveryQueue(StrEnum):
    OUTBOUND = "outbound"
    WEBHOOK = "webhook"


REQUESTS = Counter(
    metric_names.API_REQUESTS_TOTAL,
    "Requests answered, by method, route template and status class.",
    ("method", "route", "status_class"),
    registry=REGISTRY,
)
REQUEST_DURATION = Histogram(
    metric_names.API_REQUEST_DURATION_SECONDS,
    "Time to answer a request, by method and route template.",
    ("method", "route"),
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
HANDOFFS_WAITING = Gauge(
    metric_names.HANDOFFS_WAITING,
    "Handoffs queued for an agent and not yet claimed.",
    registry=REGISTRY,
)
HANDOFF_OLDEST_WAIT = Gauge(
    metric_names.HANDOFF_OLDEST_WAIT_SECONDS,
    "How long the longest-waiting queued handoff has waited (0 when none waits).",
    registry=REGISTRY,
)
OUTBOX_LAG = Gauge(
    metric_names.OUTBOX_LAG_SECONDS,
    "Age of the oldest undelivered webhook delivery of an active subscription (0 when none).",
    registry=REGISTRY,
)
DELIVERY_FAILURES = Counter(
    metric_names.DELIVERY_FAILURES_TOTAL,
    "Failed delivery attempts recorded, by queue.",
    ("queue",),
    registry=REGISTRY,
)
VISITS_BOOKED = Counter(
    metric_names.VISITS_BOOKED_TOTAL,
    "Technician visits booked.",
    registry=REGISTRY,
)
