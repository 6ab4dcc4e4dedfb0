"""The bot process's Prometheus metrics, in a registry of their own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.process_collector import ProcessCollector

from aftersales import metric_names

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)

TELEGRAM_CALLS = Counter(
    metric_names.BOT_TELEGRAM_CALLS_TOTAL,
    "Calls to the Telegram Bot API after their retries, by method and outcome.",
    ("method", "outcome"),
    registry=REGISTRY,
)
