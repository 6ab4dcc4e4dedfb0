"""The engine's HTTP API: Rasa's paths, bodies, status codes and error shapes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from aftersales import metric_names
from aftersales.runtime import InsecureDefaultsError
from bot.engine.server import EngineServices, create_app
from bot.engine.settings import EngineSettings
from tests.engine.dialogue_bots import (
    PRODUCT_DOMAIN,
    PRODUCT_KEYWORDS,
    PRODUCT_RULES,
    KeywordParser,
    write_bot,
)

TOKEN = "s3cret"


def _settings(tmp_path: Path, **overrides: object) -> EngineSettings:
    values: dict[str, object] = {
        "data_dir": write_bot(tmp_path / "bot", PRODUCT_DOMAIN, PRODUCT_RULES),
        "tracker_store_url": f"sqlite+aiosqlite:///{tmp_path / 'engine.sqlite3'}",
        "action_endpoint": "",
        "cache_dir": tmp_path / "cache",
    }
    values.update(overrides)
    return EngineSettings(**values)


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[EngineServices]:
    started = await EngineServices.start(
        _settings(tmp_path, auth_token=SecretStr(TOKEN)), parser=KeywordParser(PRODUCT_KEYWORDS)
    )
    yield started
    await started.close()


@pytest.fixture
async def client(services: EngineServices) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services=services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://engine") as http:
        yield http


async def test_root_names_rasa_version_and_engine(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.text.startswith("Hello from Rasa: 3.6.21")
    assert "engine" in response.text
    assert (await client.get("/version")).json()["version"] == "3.6.21"


async def test_status_needs_the_token_like_rasas_auth_token(
    client: httpx.AsyncClient, services: EngineServices
) -> None:
    refused = await client.get("/status")
    assert refused.status_code == 401
    assert refused.json() == {
        "version": "3.6.21",
        "status": "failure",
        "message": "User is not authenticated.",
        "reason": "NotAuthenticated",
        "details": {},
        "help": None,
        "code": 401,
    }
    assert (await client.get("/status", params={"token": "wrong"})).status_code == 401
    status = (await client.get("/status", params={"token": TOKEN})).json()
    assert status["model_id"] == services.model.fingerprint
    assert status["num_active_training_jobs"] == 0
    assert status["model_file"].endswith(services.model.fingerprint)


async def test_model_parse(client: httpx.AsyncClient) -> None:
    parsed = await client.post("/model/parse", params={"token": TOKEN}, json={"text": "hi"})
    assert parsed.json()["intent"] == {"name": "greet", "confidence": 1.0}
    missing = await client.post("/model/parse", params={"token": TOKEN}, json={"message": "hi"})
    assert missing.status_code == 400
    assert missing.json()["reason"] == "BadRequest"
    empty = await client.post("/model/parse", params={"token": TOKEN}, content=b"")
    assert empty.status_code == 400


async def test_rest_webhook_round_trip(client: httpx.AsyncClient) -> None:
    """The REST channel needs no token, as in Rasa; replies carry the recipient id."""
    response = await client.post(
        "/webhooks/rest/webhook", json={"sender": "web:1", "message": '/inform{"brand": "gree"}'}
    )
    assert response.status_code == 200
    assert response.json() == [{"recipient_id": "web:1", "text": "Which gree model?"}]
    response = await client.post(
        "/webhooks/rest/webhook",
        json={"sender": "web:1", "message": "KFR", "metadata": {"channel": "web"}},
    )
    assert response.json() == [{"recipient_id": "web:1", "text": "Noted: gree KFR."}]
    anonymous = await client.post("/webhooks/rest/webhook", json={"message": "hi"})
    assert anonymous.json() == [{"recipient_id": "default", "text": "Hello!"}]
    assert (await client.get("/webhooks/rest/")).json() == {"status": "ok"}


@pytest.mark.parametrize(
    "body",
    [{"sender": "x"}, {"sender": "x", "message": 5}, ["hi"], {"message": "hi", "metadata": "no"}],
)
async def test_rest_webhook_refuses_malformed_bodies(client: httpx.AsyncClient, body) -> None:
    response = await client.post("/webhooks/rest/webhook", json=body)
    assert response.status_code == 400


async def test_tracker_endpoint_and_verbosity(
    client: httpx.AsyncClient, services: EngineServices
) -> None:
    fresh = await client.get("/conversations/tg:7/tracker", params={"token": TOKEN})
    assert [event["event"] for event in fresh.json()["events"]] == [
        "action",
        "session_started",
        "action",
    ]
    assert await services.store.load_events("tg:7") == []
    await client.post("/webhooks/rest/webhook", json={"sender": "tg:7", "message": "hi"})
    state = (await client.get("/conversations/tg:7/tracker", params={"token": TOKEN})).json()
    assert state["sender_id"] == "tg:7"
    assert state["latest_message"]["intent"]["name"] == "greet"
    assert state["latest_action_name"] == "action_listen"
    assert state["latest_input_channel"] == "rest"
    none = await client.get(
        "/conversations/tg:7/tracker", params={"token": TOKEN, "include_events": "none"}
    )
    assert none.json()["events"] is None
    bad = await client.get(
        "/conversations/tg:7/tracker", params={"token": TOKEN, "include_events": "SOME"}
    )
    assert bad.status_code == 400
    assert bad.json()["details"] == {"parameter": "include_events", "in": "query"}


async def test_pause_and_resume_through_appended_events(client: httpx.AsyncClient) -> None:
    """An agent takes the chat over (``pause``) and hands it back (``resume``)."""
    events_url = "/conversations/tg:8/tracker/events"
    paused = await client.post(events_url, params={"token": TOKEN}, json={"event": "pause"})
    assert paused.status_code == 200
    assert paused.json()["paused"] is True
    silent = await client.post("/webhooks/rest/webhook", json={"sender": "tg:8", "message": "hi"})
    assert silent.json() == []
    resumed = await client.post(events_url, params={"token": TOKEN}, json=[{"event": "resume"}])
    assert resumed.json()["paused"] is False
    answer = await client.post("/webhooks/rest/webhook", json={"sender": "tg:8", "message": "hi"})
    assert answer.json() == [{"recipient_id": "tg:8", "text": "Hello!"}]


@pytest.mark.parametrize(
    "body", [{"event": "session_ended"}, {"no": "event"}, [], {"event": "slot", "value": 1}]
)
async def test_appending_invalid_events_is_refused(client: httpx.AsyncClient, body) -> None:
    response = await client.post(
        "/conversations/tg:9/tracker/events", params={"token": TOKEN}, json=body
    )
    assert response.status_code == 400
    assert response.json()["status"] == "failure"


async def test_trigger_intent(client: httpx.AsyncClient) -> None:
    url = "/conversations/tg:10/trigger_intent"
    response = await client.post(
        url, params={"token": TOKEN}, json={"name": "greet", "entities": {"language": "zh"}}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["messages"] == [{"recipient_id": "tg:10", "text": "你好！"}]
    assert body["tracker"]["latest_message"]["text"] == "EXTERNAL: greet"
    assert body["tracker"]["slots"]["language"] == "zh"
    unknown = await client.post(url, params={"token": TOKEN}, json={"name": "EXTERNAL_nothing"})
    assert unknown.status_code == 404
    assert unknown.json()["reason"] == "NotFound"
    nameless = await client.post(url, params={"token": TOKEN}, json={"entities": {}})
    assert nameless.status_code == 400
    assert nameless.json()["details"] == {"parameter": "name", "in": "body"}


async def test_app_starts_its_own_services_from_settings(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path), parser=KeywordParser(PRODUCT_KEYWORDS))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://engine") as http:
            reply = await http.post("/webhooks/rest/webhook", json={"sender": "a", "message": "hi"})
            assert reply.json() == [{"recipient_id": "a", "text": "Hello!"}]
            assert (await http.get("/status")).status_code == 200


async def test_production_refuses_to_start_without_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFTERSALES_ENV", "production")
    with pytest.raises(InsecureDefaultsError):
        await EngineServices.start(_settings(tmp_path), parser=KeywordParser())


async def test_webhook_answers_with_what_was_said_before_a_failure(tmp_path: Path) -> None:
    """Like Rasa's REST channel: an unexpected failure still answers 200 with the replies
    collected so far (here none), and the conversation carries on afterwards."""

    class ExplodingParser(KeywordParser):
        def parse(self, text: str) -> dict[str, object]:
            if text == "boom":
                raise RuntimeError("parser failure")
            return super().parse(text)

    services = await EngineServices.start(
        _settings(tmp_path), parser=ExplodingParser(PRODUCT_KEYWORDS)
    )
    try:
        transport = httpx.ASGITransport(app=create_app(services=services))
        async with httpx.AsyncClient(transport=transport, base_url="http://engine") as http:
            failed = await http.post(
                "/webhooks/rest/webhook", json={"sender": "a", "message": "boom"}
            )
            assert (failed.status_code, failed.json()) == (200, [])
            fine = await http.post("/webhooks/rest/webhook", json={"sender": "a", "message": "hi"})
            assert fine.json() == [{"recipient_id": "a", "text": "Hello!"}]
    finally:
        await services.close()


def _metric(exposition: str, name: str) -> float:
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    raise AssertionError(f"{name} not exposed")


async def test_metrics_count_turns_their_time_and_nlu_fallbacks(client: httpx.AsyncClient) -> None:
    """No token, as for the health endpoints; the dashboard's turn figures come from here."""
    before = (await client.get("/metrics")).text
    await client.post("/webhooks/rest/webhook", json={"sender": "m:1", "message": "hi"})
    await client.post("/webhooks/rest/webhook", json={"sender": "m:1", "message": "xyzzy qq"})
    response = await client.get("/metrics")
    assert response.status_code == 200
    after = response.text
    for name, grown in (
        (f"{metric_names.ENGINE_TURNS_TOTAL}", 2),
        (f"{metric_names.ENGINE_TURN_SECONDS}_count", 2),
        (f"{metric_names.NLU_FALLBACK_TOTAL}", 1),
    ):
        assert _metric(after, name) - _metric(before, name) == grown, name
