"""Read the Rasa 3 training files of nlu_data/ as plain data for consistency checks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

NLU_DATA = Path(__file__).resolve().parents[2] / "nlu_data"

#: Rasa 3.6 default actions: always known, whatever the domain lists.
DEFAULT_ACTIONS = frozenset(
    {
        "action_listen",
        "action_restart",
        "action_session_start",
        "action_default_fallback",
        "action_deactivate_loop",
        "action_revert_fallback_events",
        "action_default_ask_affirmation",
        "action_default_ask_rephrase",
        "action_two_stage_fallback",
        "action_unlikely_intent",
        "action_back",
        "action_extract_slots",
    }
)
DEFAULT_INTENTS = frozenset({"restart", "back", "out_of_scope", "session_start", "nlu_fallback"})
DEFAULT_SLOTS = frozenset({"requested_slot", "session_started_metadata"})
#: Intents the backend triggers; training them would let typed text start a proactive flow.
EXTERNAL_PREFIX = "EXTERNAL_"

_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\](?:\((?P<entity>[^)]*)\)|\{(?P<attributes>[^}]*)\})"
)
_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_][\w-]*)(?P<entities>\{.*\})?$", re.DOTALL)
_PLACEHOLDER = re.compile(r"(?<!\{)\{(?P<name>[A-Za-z_]\w*)\}(?!\})")


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass
class Domain:
    intents: list[str] = field(default_factory=list)
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    slots: dict[str, dict[str, Any]] = field(default_factory=dict)
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)

    @property
    def known_intents(self) -> set[str]:
        return set(self.intents) | DEFAULT_INTENTS

    @property
    def known_slots(self) -> set[str]:
        return set(self.slots) | DEFAULT_SLOTS

    @property
    def known_actions(self) -> set[str]:
        return set(self.actions) | set(self.responses) | set(self.forms) | DEFAULT_ACTIONS

    def featurized_slots(self) -> set[str]:
        return {
            name
            for name, slot in self.slots.items()
            if slot.get("influence_conversation", slot.get("type") != "any")
        }


def load_domain(directory: Path = NLU_DATA / "domain") -> Domain:
    """Merge every file of the split domain, noting names defined in more than one file."""
    domain = Domain()
    for path in sorted(directory.glob("*.yml")):
        content = load_yaml(path) or {}
        for item in content.get("intents", []):
            name = item if isinstance(item, str) else next(iter(item))
            _add_listed(domain.intents, name, domain.duplicates, f"intent {name}")
        for item in content.get("entities", []):
            name, properties = (item, {}) if isinstance(item, str) else next(iter(item.items()))
            _add_mapped(domain.entities, name, properties, domain.duplicates, "entity")
        for item in content.get("actions", []):
            name = item if isinstance(item, str) else next(iter(item))
            _add_listed(domain.actions, name, domain.duplicates, f"action {name}")
        for section in ("slots", "forms", "responses"):
            for name, value in (content.get(section) or {}).items():
                _add_mapped(getattr(domain, section), name, value, domain.duplicates, section)
    return domain


def _add_listed(items: list[str], name: str, duplicates: list[str], label: str) -> None:
    if name in items:
        duplicates.append(label)
    else:
        items.append(name)


def _add_mapped(
    items: dict[str, Any], name: str, value: Any, duplicates: list[str], label: str
) -> None:
    if name in items:
        duplicates.append(f"{label} {name}")
    else:
        items[name] = value


@dataclass(frozen=True)
class Example:
    intent: str
    text: str
    entities: tuple[str, ...]
    source: str


def strip_annotations(raw: str) -> tuple[str, tuple[str, ...]]:
    """The plain text of an annotated example and the names of its entities."""
    names: list[str] = []

    def plain(match: re.Match[str]) -> str:
        if match.group("entity") is not None:
            names.append(match.group("entity").strip())
        else:
            names.append(json.loads("{" + match.group("attributes") + "}")["entity"])
        return match.group("text")

    return _ANNOTATION.sub(plain, raw), tuple(names)


def nlu_examples(directory: Path = NLU_DATA / "data") -> Iterator[Example]:
    for path in sorted(directory.glob("*.yml")):
        for item in (load_yaml(path) or {}).get("nlu", []):
            if "intent" not in item:
                continue
            for line in item["examples"].splitlines():
                line = line.strip()
                if not line.startswith("- "):
                    continue
                text, entities = strip_annotations(line[2:].strip())
                yield Example(item["intent"], text, entities, path.name)


def normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def rules(directory: Path = NLU_DATA / "data") -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(directory.glob("rules_*.yml")):
        for rule in (load_yaml(path) or {}).get("rules", []):
            yield f"{path.name}: {rule.get('rule')}", rule


def stories(directory: Path = NLU_DATA / "tests") -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(directory.glob("test_stories_*.yml")):
        for story in (load_yaml(path) or {}).get("stories", []):
            yield f"{path.name}: {story.get('story')}", story


@dataclass(frozen=True)
class Payload:
    intent: str
    entities: dict[str, Any]


def parse_payload(payload: str) -> Payload:
    """Parse `/intent` or `/intent{"entity": value}` as Rasa does; ValueError when it can't."""
    match = _PAYLOAD.match(payload.strip())
    if match is None:
        raise ValueError(f"{payload!r} is not /intent or /intent{{json}}")
    entities: dict[str, Any] = {}
    if match.group("entities"):
        entities = json.loads(match.group("entities"))
        if not isinstance(entities, dict):
            raise ValueError(f"{payload!r}: the entities must be a JSON object")
    return Payload(match.group("intent"), entities)


def placeholders(text: str) -> set[str]:
    return {match.group("name") for match in _PLACEHOLDER.finditer(text)}


def is_english_condition(variation: dict[str, Any]) -> bool:
    return variation.get("condition") == [{"type": "slot", "name": "language", "value": "en"}]
