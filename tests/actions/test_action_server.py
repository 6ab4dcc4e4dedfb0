"""The real action server over HTTP (`aftersales actions`), called the way Rasa 3.6 calls it.

Requests are built from a webhook request a Rasa 3.6.21 server sent to a rasa-sdk action
server (data/rasa_3_6_webhook_request.json): same keys, same event shapes, with this
project's domain, slots and messages put in.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from aftersales import metric_names
from api.app import create_app
from api.settings import ApiSettings
from tests.actions.conversations import CUSTOMER, DOMAIN
from tests.support.live_server import free_port, serve_in_thread

REPOSITORY = Path(__file__).resolve().parents[2]
CAPTURED_REQUEST = Path(__file__).parent / "data" / "rasa_3_6_webhook_request.json"


@pytest.fixture(scope="module")
def api_url(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("action-server-api")
    database = directory / "api.sqlite3"
    shutil.copyfile(demo_database, database)
    settings = ApiSettings(
        database_url=f"sqlite+aiosqlite:///{database}", attachments_dir=directory / "files"
    )
    with serve_in_thread(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def action_server(api_url: str) -> Iterator[str]:
    port = free_port()
    environment = {**os.environ, "AFTERSALES_ACTIONS_API_URL": api_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "aftersales.cli", "actions", "--port", str(port)],
        cwd=REPOSITORY,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "exited")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError("the action server did not start")


def webhook_request(
    action: str,
    *,
    text: str,
    intent: str,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    candidates: dict[str, Any] | None = None,
    active_loop: str | None = None,
) -> dict[str, Any]:
    body = copy.deepcopy(json.loads(CAPTURED_REQUEST.read_text(encoding="utf-8")))
    tracker = body["tracker"]
    latest = {
        **tracker["latest_message"],
        "text": text,
        "intent": {"name": intent, "confidence": 0.98},
        "entities": entities or [],
        "intent_ranking": [{"name": intent, "confidence": 0.98}],
    }
    values = {name: None for name in DOMAIN["slots"]} | {
        "requested_slot": None,
        "session_started_metadata": None,
    }
    values |= (slots or {}) | (candidates or {})
    session_events = [
        event for event in tracker["events"] if event["event"] in {"action", "session_started"}
    ]
    user_event = next(event for event in tracker["events"] if event["event"] == "user")
    events = [
        *session_events,
        {**user_event, "text": text, "parse_data": latest},
        *(
            {"event": "slot", "timestamp": None, "name": name, "value": value}
            for name, value in (candidates or {}).items()
        ),
    ]
    tracker.update(
        sender_id=CUSTOMER,
        slots=values,
        latest_message=latest,
        events=events,
        active_loop={"name": active_loop} if active_loop else {},
    )
    body.update(next_action=action, sender_id=CUSTOMER, domain=DOMAIN)
    return body


def test_the_server_serves_every_declared_action(action_server: str) -> None:
    served = {item["name"] for item in httpx.get(f"{action_server}/actions").json()}
    declared = {name for name in DOMAIN["actions"] if not name.startswith("utter_")}
    assert served == declared


def test_a_session_start_request_gets_rasa_events_back(action_server: str) -> None:
    body = webhook_request("action_session_start", text="", intent="session_start")
    body["tracker"]["slots"]["session_started_metadata"] = {"language": "en"}
    reply = httpx.post(f"{action_server}/webhook", json=body, timeout=10)
    assert reply.status_code == 200
    events = reply.json()["events"]
    assert [event["event"] for event in events] == ["session_started", "slot", "action"]
    assert events[1]["name"] == "language" and events[1]["value"] == "en"
    assert events[2]["name"] == "action_listen"


def test_a_form_validation_request_validates_through_the_api(action_server: str) -> None:
    body = webhook_request(
        "validate_fault_report_form",
        text="序列号 GR260735BP075461",
        intent="inform",
        entities=[{"entity": "serial_number", "value": "GR260735BP075461", "start": 4, "end": 20}],
        slots={"requested_slot": "serial_number"},
        candidates={"serial_number": "GR260735BP075461"},
        active_loop="fault_report_form",
    )
    reply = httpx.post(f"{action_server}/webhook", json=body, timeout=10)
    assert reply.status_code == 200
    slots = {event["name"]: event["value"] for event in reply.json()["events"]}
    assert slots["serial_number"] == "GR260735BP075461"
    assert slots["product_model"] == "KFR-35GW/BpR3"


def test_a_submission_request_opens_a_case_and_names_responses(action_server: str) -> None:
    body = webhook_request(
        "action_submit_fault_report",
        text="不制冷",
        intent="inform",
        slots={
            "product_model": "KFR-35GW/BpR3",
            "serial_number": "GR251135BP040146",
            "purchase_date": "2025-12-20",
            "fault_description": "空调不制冷",
        },
    )
    reply = httpx.post(f"{action_server}/webhook", json=body, timeout=20)
    assert reply.status_code == 200
    result = reply.json()
    slots = {
        event["name"]: event["value"] for event in result["events"] if event["event"] == "slot"
    }
    assert slots["case_id"].isdigit()
    assert slots["awaiting"] == "step_feedback"
    first = result["responses"][0]
    assert first["response"] == "utter_case_created"
    assert first["case_id"] == slots["case_id"]


def test_an_action_the_server_does_not_have_is_a_404(action_server: str) -> None:
    body = webhook_request("action_order_pizza", text="好的", intent="affirm")
    reply = httpx.post(f"{action_server}/webhook", json=body, timeout=10)
    assert reply.status_code == 404
    assert reply.json()["action_name"] == "action_order_pizza"


def _action_calls(action_server: str, action: str, status: int) -> float:
    exposition = httpx.get(f"{action_server}/metrics", timeout=10).text
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            labels = {"action": action, "status": str(status)}
            if sample.name == metric_names.ACTION_CALLS_TOTAL and sample.labels == labels:
                return float(sample.value)
    return 0.0


def test_metrics_count_action_calls_by_action_and_status(action_server: str) -> None:
    before = _action_calls(action_server, "action_order_pizza", 404)
    body = webhook_request("action_order_pizza", text="好的", intent="affirm")
    httpx.post(f"{action_server}/webhook", json=body, timeout=10)
    assert _action_calls(action_server, "action_order_pizza", 404) == before + 1
