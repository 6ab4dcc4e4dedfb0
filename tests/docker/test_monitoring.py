"""The `monitoring` profile: Prometheus scrapes every service, Grafana is provisioned and its
dashboard queries only metrics named in aftersales.metric_names."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from aftersales import metric_names
from tests.docker.deploy_files import (
    GRAFANA,
    PROJECT_SERVICES,
    PROMETHEUS_CONFIG,
    health_target,
    services,
)

DASHBOARD = GRAFANA / "dashboards" / "aftersales.json"
#: Series names Prometheus derives from a histogram or counter of the given name.
_DERIVED_SUFFIXES = ("", "_bucket", "_sum", "_count")
_METRIC = re.compile(r"\b(aftersales_[a-z0-9_]+)\b")
#: What the dashboard must show, as the metric each panel is about.
REQUIRED_METRICS = {
    metric_names.ENGINE_TURNS_TOTAL,
    metric_names.ENGINE_TURN_SECONDS,
    metric_names.NLU_FALLBACK_TOTAL,
    metric_names.HANDOFFS_WAITING,
    metric_names.HANDOFF_OLDEST_WAIT_SECONDS,
    metric_names.OUTBOX_LAG_SECONDS,
    metric_names.DELIVERY_FAILURES_TOTAL,
    metric_names.VISITS_BOOKED_TOTAL,
}


def load_yaml(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def known_metrics() -> set[str]:
    return {
        value
        for name, value in vars(metric_names).items()
        if name.isupper() and isinstance(value, str)
    }


def base_metric(series: str) -> str | None:
    """The metric a series name belongs to, if it is one of metric_names."""
    for suffix in _DERIVED_SUFFIXES:
        if series.endswith(suffix) and series.removesuffix(suffix) in known_metrics():
            return series.removesuffix(suffix)
    return None


def dashboard_queries() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [
        (panel["title"], target["expr"])
        for panel in dashboard["panels"]
        for target in panel["targets"]
    ]


def test_prometheus_scrapes_every_service_on_its_port() -> None:
    config = load_yaml(PROMETHEUS_CONFIG)
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    expected = {f"{service}:{health_target(service)[0]}" for service in PROJECT_SERVICES}
    assert targets == expected
    assert {job.get("metrics_path", "/metrics") for job in config["scrape_configs"]} == {"/metrics"}


def test_monitoring_services_are_in_their_profile_with_their_files_mounted() -> None:
    prometheus, grafana = services()["prometheus"], services()["grafana"]
    assert prometheus["profiles"] == ["monitoring"] == grafana["profiles"]
    assert "./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    assert "./grafana/dashboards:/var/lib/grafana/dashboards:ro" in grafana["volumes"]


def test_grafana_datasource_points_at_prometheus() -> None:
    (datasource,) = load_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")[
        "datasources"
    ]
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090"
    dashboard_uids = {
        target["datasource"]["uid"]
        for panel in json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]
        for target in panel["targets"]
    }
    assert dashboard_uids == {datasource["uid"]}


def test_grafana_dashboard_provider_reads_the_mounted_dashboards() -> None:
    (provider,) = load_yaml(GRAFANA / "provisioning" / "dashboards" / "aftersales.yml")["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"


@pytest.mark.parametrize(("title", "query"), dashboard_queries())
def test_every_panel_queries_only_known_metrics(title: str, query: str) -> None:
    series = _METRIC.findall(query)
    assert series, f"{title} queries no aftersales metric"
    unknown = [name for name in series if base_metric(name) is None]
    assert not unknown, f"{title}: {unknown} not in aftersales.metric_names"


def test_the_dashboard_covers_every_required_metric() -> None:
    shown = {
        base_metric(series) for _, query in dashboard_queries() for series in _METRIC.findall(query)
    }
    assert shown >= REQUIRED_METRICS


def test_an_unknown_metric_is_not_taken_for_a_known_one() -> None:
    assert base_metric("aftersales_engine_turn_seconds_bucket") == "aftersales_engine_turn_seconds"
    assert base_metric("aftersales_engine_turns") is None
    assert base_metric("aftersales_outbox_lag_seconds_max") is None
