"""Build what the dialogue engine sends an action: the domain and a tracker, as dicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "nlu_data" / "domain"
CUSTOMER = "tg:424242"


def load_domain() -> DomainDict:
    """The split domain merged into one mapping, the shape the engine sends."""
    domain: dict[str, Any] = {"intents": [], "entities": [], "actions": []}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in ("intents", "entities", "actions"):
            domain[key] += content.get(key, [])
        for key in ("slots", "forms", "responses"):
            domain.setdefault(key, {}).update(content.get(key) or {})
        if "session_config" in content:
            domain["session_config"] = content["session_config"]
    return domain


DOMAIN = load_domain()


def build_tracker(
    *,
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    ranking: list[dict[str, Any]] | None = None,
    candidates: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender: str = CUSTOMER,
) -> Tracker:
    """A tracker whose latest event is the user's message; `candidates` are the slot values
    extracted from it, appended last as a form hands them to its validation action."""
    values = {name: None for name in DOMAIN["slots"]}
    values |= {"requested_slot": None, "session_started_metadata": None}
    values |= slots or {}
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.97},
        "entities": entities or [],
        "metadata": metadata or {},
        "intent_ranking": ranking or [{"name": intent, "confidence": 0.97}],
    }
    events: list[dict[str, Any]] = [
        *(history or []),
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}},
    ]
    for name, value in (candidates or {}).items():
        events.append({"event": "slot", "name": name, "value": value})
        values[name] = value
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": values,
            "latest_message": latest,
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


def user_event(text: str, intent: str) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"text": text, "intent": {"name": intent, "confidence": 0.9}},
    }


class Turn:
    """What one action did: its events and the messages it sent."""

    def __init__(self, events: list[dict[str, Any]], messages: list[dict[str, Any]]) -> None:
        self.events = events
        self.messages = messages

    @property
    def slots(self) -> dict[str, Any]:
        """The slot values the action set (the last one wins)."""
        return {event["name"]: event["value"] for event in self.events if event["event"] == "slot"}

    @property
    def responses(self) -> list[str]:
        return [message["response"] for message in self.messages if message.get("response")]

    @property
    def texts(self) -> list[str]:
        return [message["text"] for message in self.messages if message.get("text")]

    def buttons(self, response: str) -> list[dict[str, Any]]:
        for message in self.messages:
            if message.get("response") == response:
                return list(message.get("buttons") or [])
        raise AssertionError(f"{response} was not sent: {self.responses}")


async def run(action: Action, tracker: Tracker) -> Turn:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return Turn(list(events), dispatcher.messages)
