"""Round trips with the real rasa-sdk action server over HTTP, and the request shape
checked against a request captured between a Rasa 3.6.21 server and rasa-sdk."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest

from bot.engine.action_client import ActionServerClient
from tests.engine.dialogue_bots import (
    PRODUCT_DOMAIN,
    PRODUCT_KEYWORDS,
    PRODUCT_RULES,
    Bot,
    KeywordParser,
    after_last_user,
    event_summary,
    start_bot,
    write_bot,
)

REFERENCE = json.loads(
    (Path(__file__).parent / "fixtures" / "rasa_action_server_exchange.json").read_text("utf-8")
)
REPOSITORY = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def action_server() -> Iterator[str]:
    """The real rasa-sdk server (Sanic) with the test actions, in a subprocess."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.engine.sdk_server", str(port)],
        cwd=REPOSITORY,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=0.5).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the rasa-sdk action server did not start")
        time.sleep(0.1)
    yield f"{url}/webhook"
    process.terminate()
    process.wait(timeout=10)


class RecordingHttp:
    """An aiohttp session that keeps every request body it sends."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        tracing = aiohttp.TraceConfig()
        tracing.on_request_chunk_sent.append(self._record)
        self.client = aiohttp.ClientSession(trace_configs=[tracing])

    async def _record(
        self,
        _session: aiohttp.ClientSession,
        _context: object,
        sent: aiohttp.TraceRequestChunkSentParams,
    ) -> None:
        self.bodies.append(json.loads(sent.chunk))


@pytest.fixture
async def http() -> AsyncIterator[RecordingHttp]:
    recording = RecordingHttp()
    yield recording
    await recording.client.close()


FORM_DOMAIN = (
    PRODUCT_DOMAIN.replace(
        "  utter_welcome:\n",
        '  utter_bad_model:\n    - text: "That is not a model number."\n  utter_welcome:\n',
    )
    + "actions:\n  - validate_product_form\n"
)


async def test_form_validation_round_trip(
    tmp_path: Path, action_server: str, http: RecordingHttp
) -> None:
    """The form calls ``validate_<form>``; rasa-sdk finds the candidate as the tracker's
    trailing slot event, rejects a bad value (slot reset, message uttered) and
    normalises a good one; the form asks again or completes accordingly."""
    client = ActionServerClient(action_server, http.client, timeout_seconds=5)
    bot = await start_bot(
        write_bot(tmp_path, FORM_DOMAIN, PRODUCT_RULES),
        parser=KeywordParser(PRODUCT_KEYWORDS),
        client=client,
    )
    assert await bot.texts('/inform{"brand": "gree"}') == ["Which gree model?"]
    assert await bot.texts("abc") == ["That is not a model number.", "Which gree model?"]
    assert await bot.texts("kfr-35gw") == ["Noted: gree KFR-35GW."]

    validation = http.bodies[-1]
    digest = http.bodies[0]["domain_digest"]
    assert http.bodies[0]["domain"]["forms"] == {
        "product_form": {"required_slots": ["brand", "model"]}
    }
    assert all(body["domain_digest"] == digest for body in http.bodies)
    assert not any("domain" in body for body in http.bodies[1:]), "the server holds the domain"
    assert validation["next_action"] == "validate_product_form"
    trailing = validation["tracker"]["events"][-3:]
    assert [event["event"] for event in trailing] == ["slot", "action", "slot"]
    assert trailing[0]["name"] == "requested_slot" and trailing[0]["value"] == "model"
    assert trailing[1]["name"] == "product_form"
    assert (trailing[2]["name"], trailing[2]["value"]) == ("model", "kfr-35gw")

    summary = after_last_user(event_summary(await bot.events()))
    assert summary == [
        ("user", "nlu_fallback"),
        ("slot", "model", "kfr-35gw"),
        ("user_featurization",),
        ("action", "product_form"),
        ("slot", "model", "KFR-35GW"),
        ("slot", "requested_slot", None),
        ("active_loop", None),
        ("action", "utter_done"),
        ("bot", "Noted: gree KFR-35GW."),
        ("action", "action_listen"),
    ]
    await bot.close()


async def test_an_action_server_that_lost_the_domain_is_sent_it_again(
    tmp_path: Path, action_server: str
) -> None:
    """rasa-sdk holds one domain. When another engine's domain replaced it, a call without
    the domain is answered 449 and repeated with it, as Rasa does."""
    first, second = RecordingHttp(), RecordingHttp()
    other_domain = FORM_DOMAIN.replace("That is not a model number.", "Not a model code.")
    bots = []
    try:
        for recording, domain, folder in ((first, FORM_DOMAIN, "a"), (second, other_domain, "b")):
            client = ActionServerClient(action_server, recording.client, timeout_seconds=5)
            bot = await start_bot(
                write_bot(tmp_path / folder, domain, PRODUCT_RULES),
                parser=KeywordParser(PRODUCT_KEYWORDS),
                client=client,
            )
            bots.append(bot)
            assert await bot.texts('/inform{"brand": "gree"}') == ["Which gree model?"]
        assert await bots[0].texts("kfr-35gw") == ["Noted: gree KFR-35GW."]
        refused, repeated = first.bodies[-2:]
        assert "domain" not in refused
        assert repeated["domain_digest"] == refused["domain_digest"]
        assert repeated["domain"]["forms"] == {
            "product_form": {"required_slots": ["brand", "model"]}
        }
        assert repeated["tracker"] == refused["tracker"]
        assert second.bodies[0]["domain_digest"] != refused["domain_digest"]
    finally:
        for bot in bots:
            await bot.close()
        await first.client.close()
        await second.client.close()


TICKET_DOMAIN = """\
version: "3.1"
intents:
  - greet
  - goodbye
  - affirm
  - deny
  - mood_great
  - mood_unhappy
  - bot_challenge
  - check_ticket
entities:
  - ticket_id
slots:
  ticket_id:
    type: text
    influence_conversation: false
    mappings:
      - type: from_entity
        entity: ticket_id
  ticket_status:
    type: text
    influence_conversation: false
    mappings:
      - type: custom
actions:
  - action_check_ticket
responses:
  utter_greet:
    - text: "Hey! How are you?"
  utter_cheer_up:
    - text: "Here is something to cheer you up:"
      image: "https://i.imgur.com/nGF1K8f.jpg"
  utter_did_that_help:
    - text: "Did that help you?"
  utter_happy:
    - text: "Great, carry on!"
  utter_goodbye:
    - text: "Bye"
  utter_iamabot:
    - text: "I am a bot, powered by Rasa."
session_config:
  session_expiration_time: 60
  carry_over_slots_to_new_session: true
"""

TICKET_RULES = """\
version: "3.1"
rules:
- rule: check a ticket
  steps:
  - intent: check_ticket
  - action: action_check_ticket
"""

TICKET_CONFIG = """\
recipe: default.v1
language: en
assistant_id: tffree_logreg
policies:
  - name: RulePolicy
"""


class ReferenceParser:
    """Parses the captured message exactly as the reference Rasa server's NLU did."""

    def parse(self, text: str) -> dict[str, Any]:
        captured = REFERENCE["request_body"]["tracker"]["latest_message"]
        assert text == captured["text"]
        return {
            key: captured[key]
            for key in ("intent", "entities", "text", "text_tokens", "intent_ranking")
        }


def _shape(value: Any) -> Any:
    """Keys and value types, recursively: what must agree between two requests."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    return type(value).__name__


async def test_request_matches_the_captured_rasa_request(
    tmp_path: Path, action_server: str, http: RecordingHttp
) -> None:
    expected = REFERENCE["request_body"]
    client = ActionServerClient(action_server, http.client, timeout_seconds=5, domain_digest=False)
    bot = await start_bot(
        write_bot(tmp_path, TICKET_DOMAIN, TICKET_RULES, TICKET_CONFIG),
        parser=ReferenceParser(),
        client=client,
    )
    replies = await bot.say(expected["tracker"]["latest_message"]["text"], sender="sdk321")
    [sent] = http.bodies
    assert sorted(sent) == sorted(expected)
    assert sent["next_action"] == expected["next_action"]
    assert sent["sender_id"] == expected["sender_id"]
    assert sent["version"] == expected["version"]
    assert sent["domain"] == expected["domain"]

    tracker, expected_tracker = sent["tracker"], expected["tracker"]
    assert sorted(tracker) == sorted(expected_tracker)
    for key in ("slots", "followup_action", "paused", "latest_input_channel", "active_loop"):
        assert tracker[key] == expected_tracker[key], key
    for key in ("latest_action", "latest_action_name"):
        assert tracker[key] == expected_tracker[key], key
    message = dict(tracker["latest_message"])
    expected_message = dict(expected_tracker["latest_message"])
    assert len(message.pop("message_id")) == len(expected_message.pop("message_id")) == 32
    assert message == expected_message
    assert tracker["latest_event_time"] == tracker["events"][-1]["timestamp"]

    events, expected_events = tracker["events"], expected_tracker["events"]
    assert [event["event"] for event in events] == [event["event"] for event in expected_events]
    for event, reference in zip(events, expected_events, strict=True):
        assert _event_shape(event) == _event_shape(reference), event["event"]
        assert sorted(event.get("metadata", {})) == sorted(reference.get("metadata", {}))
        for key in ("name", "policy", "confidence", "action_text", "hide_rule_turn", "value"):
            assert event.get(key) == reference.get(key), (event["event"], key)
    assert events[3]["metadata"]["assistant_id"] == "tffree_logreg"

    # The reply of the captured exchange, applied: its slot event and its response.
    assert replies == [{"recipient_id": "sdk321", "text": "Ticket 24681 is being processed."}]
    state = (await bot.processor.conversation("sdk321")).current_state()
    assert state["slots"]["ticket_status"] == "processing"
    await bot.close()


def _event_shape(event: dict[str, Any]) -> Any:
    """An event's shape without what differs between runs (times, ids, model metadata)."""
    comparable = {**event, "timestamp": 0.0, "metadata": None}
    if event["event"] == "user":
        comparable["message_id"] = ""
        comparable["parse_data"] = {**event["parse_data"], "message_id": ""}
    return _shape(comparable)


async def test_captured_response_body_is_applied(tmp_path: Path) -> None:
    """The captured response, fed back as is: slot event applied, response uttered with
    the SDK's empty fields (buttons, custom, template...) ignored."""
    captured = REFERENCE["response_body"]

    class CapturedServer:
        async def run(self, body: dict[str, Any]) -> dict[str, Any]:
            return json.loads(json.dumps(captured))

    bot = await start_bot(
        write_bot(tmp_path, TICKET_DOMAIN, TICKET_RULES, TICKET_CONFIG),
        parser=ReferenceParser(),
        client=CapturedServer(),
    )
    replies = await bot.say(REFERENCE["request_body"]["tracker"]["latest_message"]["text"])
    assert replies == [{"recipient_id": "user", "text": "Ticket 24681 is being processed."}]
    summary = after_last_user(event_summary(await bot.events()))
    assert summary == [
        ("user", "check_ticket"),
        ("slot", "ticket_id", "24681"),
        ("user_featurization",),
        ("action", "action_check_ticket"),
        ("bot", "Ticket 24681 is being processed."),
        ("slot", "ticket_status", "processing"),
        ("action", "action_listen"),
    ]
    bot_event = (await bot.events())[-3]
    assert set(bot_event["metadata"]) == {"model_id", "assistant_id"}
    await bot.close()


ERRORS_DOMAIN = """\
version: "3.1"
intents: [reject, odd, template, slow, language]
entities: [language]
slots:
  ticket_status:
    type: text
    mappings:
      - type: custom
  language:
    type: text
    influence_conversation: false
    mappings:
      - type: from_entity
        entity: language
responses:
  utter_ticket_status:
    - text: "Status: {ticket_status}"
  utter_default:
    - text: "Sorry?"
actions:
  - action_reject
  - action_unknown_event
  - action_template_status
  - action_slow
"""

ERRORS_RULES = """\
version: "3.1"
rules:
- rule: reject
  steps:
  - intent: reject
  - action: action_reject
- rule: odd
  steps:
  - intent: odd
  - action: action_unknown_event
- rule: template
  steps:
  - intent: template
  - action: action_template_status
- rule: slow
  steps:
  - intent: slow
  - action: action_slow
"""


@pytest.fixture
async def errors_bot(tmp_path: Path, action_server: str, http: RecordingHttp) -> AsyncIterator[Bot]:
    client = ActionServerClient(action_server, http.client, timeout_seconds=0.5)
    bot = await start_bot(write_bot(tmp_path, ERRORS_DOMAIN, ERRORS_RULES), client=client)
    yield bot
    await bot.close()


async def test_rejected_action_lets_the_policy_choose_again(errors_bot: Bot) -> None:
    """A 400 with ``action_name`` is Rasa's ActionExecutionRejection: the action is logged
    as rejected (not executed) and the prediction falls to the core fallback."""
    assert await errors_bot.texts("/reject") == ["Sorry?"]
    summary = after_last_user(event_summary(await errors_bot.events()))
    assert summary[:3] == [
        ("user", "reject"),
        ("action_execution_rejected", "action_reject"),
        ("user_featurization",),
    ]
    assert ("action", "action_default_fallback") in summary


async def test_unknown_event_loses_the_action_result(errors_bot: Bot) -> None:
    """Rasa refuses a result with an unknown event as a whole: the action is logged,
    none of its events or messages are applied."""
    assert await errors_bot.texts("/odd") == []
    tracker = await errors_bot.processor.conversation("user")
    assert tracker.slots["ticket_status"] is None
    assert tracker.latest_action_name == "action_listen"


async def test_response_names_render_with_the_actions_values(errors_bot: Bot) -> None:
    assert await errors_bot.texts("/template") == ["Status: closed"]
    bot_event = next(
        event for event in reversed(await errors_bot.events()) if event["event"] == "bot"
    )
    assert bot_event["metadata"]["utter_action"] == "utter_ticket_status"
    assert bot_event["metadata"]["template"] == "utter_ticket_status"


async def test_action_server_timeout_gets_the_busy_reply(errors_bot: Bot) -> None:
    assert await errors_bot.texts("/slow") == [
        "系统暂时繁忙，您刚才的信息已经保存，请稍后再发一条消息继续。"
    ]
    assert await errors_bot.texts('/slow{"language": "en"}') == [
        "The system is busy right now. What you said is saved; "
        "please send another message in a moment to continue."
    ]
    tracker = await errors_bot.processor.conversation("user")
    assert tracker.latest_message.intent_name == "slow"
    assert tracker.latest_action_name == "action_listen"
