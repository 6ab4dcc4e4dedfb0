"""Small purpose-built bots for the engine tests: project files, a parser, a processor."""

from __future__ import annotations

import random
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.engine.locks import LockStore
from bot.engine.model import DialogueModel, load_dialogue_model
from bot.engine.nlg import ResponseGenerator
from bot.engine.processor import BusyReplies, MessageProcessor, UserMessage
from bot.engine.sql_tracker_store import SqlTrackerStore
from bot.engine.templating import parse_intent_payload
from bot.engine.tracker_store import TrackerStore

RULE_POLICY_CONFIG = """\
recipe: default.v1
language: en
assistant_id: test_assistant
pipeline: []
policies:
  - name: RulePolicy
"""


def write_bot(
    root: Path,
    domain: str,
    rules: str = "",
    config: str = RULE_POLICY_CONFIG,
    extra_files: Mapping[str, str] | None = None,
) -> Path:
    """Write a project (``domain.yml``, ``data/rules.yml``, ``config.yml``) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "domain.yml").write_text(textwrap.dedent(domain), encoding="utf-8")
    (root / "config.yml").write_text(textwrap.dedent(config), encoding="utf-8")
    data = root / "data"
    data.mkdir(exist_ok=True)
    if rules:
        (data / "rules.yml").write_text(textwrap.dedent(rules), encoding="utf-8")
    for name, content in (extra_files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


class KeywordParser:
    """Understands ``/intent{"entity": "value"}`` payloads and whole-text keywords; any
    other text is ``nlu_fallback`` (what the real NLU says when it is unsure)."""

    def __init__(self, keywords: Mapping[str, str] | None = None) -> None:
        self.keywords = dict(keywords or {})

    def parse(self, text: str) -> dict[str, Any]:
        payload = parse_intent_payload(text)
        if payload is not None:
            entities = [
                {"entity": name, "value": value, "start": 0, "end": len(text)}
                for name, value in payload.entities.items()
            ]
            intent = {"name": payload.intent, "confidence": 1.0}
        else:
            entities = []
            name = self.keywords.get(text.strip(), "nlu_fallback")
            intent = {"name": name, "confidence": 1.0 if name != "nlu_fallback" else 0.2}
        return {"text": text, "intent": intent, "entities": entities, "intent_ranking": [intent]}


@dataclass
class ScriptedActions:
    """An in-process stand-in for the action server: each action name maps to the
    result it returns, or to an exception it raises; every request body is recorded."""

    results: dict[str, Any] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def run(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(body)
        result = self.results.get(body["next_action"], {"events": [], "responses": []})
        if isinstance(result, Exception):
            raise result
        if callable(result):
            result = result(body)
        return {
            "events": list(result.get("events", [])),
            "responses": list(result.get("responses", [])),
        }

    def called(self) -> list[str]:
        return [call["next_action"] for call in self.calls]


@dataclass
class Bot:
    """A processor over a written project, with a helper to talk to it."""

    model: DialogueModel
    processor: MessageProcessor
    store: TrackerStore

    async def say(self, text: str, sender: str = "user", **metadata: Any) -> list[dict[str, Any]]:
        return await self.processor.handle_message(UserMessage(sender, text, metadata or None))

    async def texts(self, text: str, sender: str = "user") -> list[str | None]:
        return [message.get("text") for message in await self.say(text, sender)]

    async def events(self, sender: str = "user") -> list[dict[str, Any]]:
        tracker = await self.processor.conversation(sender)
        return [event.as_dict() for event in tracker.events]

    async def close(self) -> None:
        await self.processor.locks.close()
        await self.store.close()


async def start_bot(
    data_dir: Path,
    *,
    parser: Any = None,
    client: Any = None,
    store_url: str = "sqlite+aiosqlite:///:memory:",
    store: TrackerStore | None = None,
    locks: LockStore | None = None,
    seed: int = 7,
    busy_replies: BusyReplies | None = None,
    max_number_of_predictions: int = 10,
) -> Bot:
    """A processor over the project at ``data_dir``; its conversations are kept in
    ``store`` or else in a SQL store at ``store_url``."""
    model = load_dialogue_model(data_dir)
    if store is None:
        store = SqlTrackerStore(store_url)
    await store.create_schema()
    processor = MessageProcessor(
        domain=model.domain,
        policy=model.policy,
        responses=ResponseGenerator(model.domain.responses, random.Random(seed)),
        parser=parser or KeywordParser(),
        store=store,
        client=client,
        locks=locks,
        busy_replies=busy_replies,
        max_number_of_predictions=max_number_of_predictions,
        model_id=model.fingerprint,
        assistant_id=model.policy_config.assistant_id,
    )
    return Bot(model, processor, store)


def event_summary(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Events reduced to what a test compares: type and the fields that matter."""
    summary: list[tuple[Any, ...]] = []
    for event in events:
        kind = event["event"]
        if kind == "action":
            summary.append(("action", event["name"]))
        elif kind == "slot":
            summary.append(("slot", event["name"], event["value"]))
        elif kind == "active_loop":
            summary.append(("active_loop", event["name"]))
        elif kind == "user":
            summary.append(("user", event["parse_data"]["intent"].get("name")))
        elif kind == "bot":
            summary.append(("bot", event["text"]))
        elif kind in {"followup", "action_execution_rejected"}:
            summary.append((kind, event["name"]))
        else:
            summary.append((kind,))
    return summary


def after_last_user(summary: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    index = max(i for i, item in enumerate(summary) if item[0] == "user")
    return summary[index:]


PRODUCT_DOMAIN = """\
version: "3.1"
intents:
  - greet
  - inform
  - chitchat
  - stop
  - thanks
  - affirm
entities:
  - brand
  - language
slots:
  brand:
    type: text
    mappings:
      - type: from_entity
        entity: brand
  model:
    type: text
    mappings:
      - type: from_text
        not_intent: [chitchat, stop, greet, restart, back]
        conditions:
          - active_loop: product_form
            requested_slot: model
  language:
    type: categorical
    values: [zh, en]
    mappings:
      - type: from_entity
        entity: language
forms:
  product_form:
    required_slots: [brand, model]
responses:
  utter_greet:
    - text: "Hello!"
    - text: "你好！"
      condition:
        - type: slot
          name: language
          value: zh
  utter_ask_brand:
    - text: "Which brand?"
  utter_ask_model:
    - text: "Which {brand} model?"
  utter_chitchat:
    - text: "I am the service assistant."
  utter_done:
    - text: "Noted: {brand} {model}."
  utter_stopped:
    - text: "Stopped."
  utter_default:
    - text: "Sorry, say that again?"
  utter_please_rephrase:
    - text: "I did not understand."
  utter_welcome:
    - text: "You are welcome."
session_config:
  session_expiration_time: 60
  carry_over_slots_to_new_session: true
"""

PRODUCT_RULES = """\
version: "3.1"
rules:
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
- rule: start the form
  steps:
  - intent: inform
  - action: product_form
  - active_loop: product_form
- rule: submit the form
  condition:
  - active_loop: product_form
  steps:
  - action: product_form
  - active_loop: null
  - slot_was_set:
    - requested_slot: null
  - action: utter_done
- rule: chitchat inside the form
  condition:
  - active_loop: product_form
  steps:
  - intent: chitchat
  - action: utter_chitchat
  - action: product_form
  - active_loop: product_form
- rule: stop the form
  condition:
  - active_loop: product_form
  steps:
  - intent: stop
  - action: action_deactivate_loop
  - active_loop: null
  - action: utter_stopped
- rule: low NLU confidence
  steps:
  - intent: nlu_fallback
  - action: utter_please_rephrase
"""

PRODUCT_KEYWORDS = {
    "hi": "greet",
    "joke": "chitchat",
    "stop": "stop",
    "thanks": "thanks",
    "yes": "affirm",
    "restart": "restart",
    "back": "back",
}
