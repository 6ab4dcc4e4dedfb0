"""Read ``rules:`` from the training data files and turn each rule into tracker events.

Only the rule constructs the engine reproduces exactly are accepted: intent steps with
entities, actions, ``slot_was_set``, ``active_loop``, ``condition``,
``conversation_start`` and ``wait_for_user_input``. Stories, ``or`` steps, checkpoints,
end-to-end ``user:``/``bot:`` texts and ``metadata`` are refused with their location.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine.constants import (
    ACTION_LISTEN,
    DEFAULT_ACTION_NAMES,
    ENGINE_DEFAULT_ACTIONS,
    REQUESTED_SLOT,
    RULE_SNIPPET_ACTION,
    SHOULD_NOT_BE_SET,
)
from bot.engine.domain import Domain
from bot.engine.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from bot.engine.slots import SlotType, bool_from_any
from bot.engine.yaml_source import DataError, SourceLocation, load_yaml, location_of

DATA_KEYS = {"version", "nlu", "rules", "stories", "responses"}
_RULE_KEYS = {"rule", "steps", "condition", "conversation_start", "wait_for_user_input"}
_DEFAULT_TEXT_VALUE = "filled"


@dataclass(frozen=True, slots=True)
class UserStep:
    intent: str
    entities: tuple[dict[str, Any], ...]
    location: SourceLocation | None


@dataclass(frozen=True, slots=True)
class ActionStep:
    action: str
    location: SourceLocation | None


@dataclass(frozen=True, slots=True)
class SlotStep:
    slot: str
    value: Any
    location: SourceLocation | None


@dataclass(frozen=True, slots=True)
class LoopStep:
    loop: str | None
    location: SourceLocation | None


Step = UserStep | ActionStep | SlotStep | LoopStep


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    location: SourceLocation | None
    conditions: tuple[SlotStep | LoopStep, ...]
    steps: tuple[Step, ...]
    conversation_start: bool
    wait_for_user_input: bool

    def tracker_events(self, domain: Domain) -> list[Event]:
        """The rule as Rasa's training generator replays it (``RuleStep.explicit_events``)."""
        written: list[Event] = [_event_for(step) for step in self.conditions]
        if not self.conversation_start:
            written.append(ActionExecuted(RULE_SNIPPET_ACTION))
        written.extend(_event_for(step) for step in self.steps)
        if not self.wait_for_user_input:
            written.append(ActionExecuted(RULE_SNIPPET_ACTION))
        _mark_first_action_unpredictable(written)
        events: list[Event] = []
        for event in written:
            if isinstance(event, UserUttered):
                if not _is_listen(events[-1] if events else None):
                    events.append(ActionExecuted(ACTION_LISTEN))
                events.append(event)
                events.extend(slots_for_entities(domain, event.entities))
            else:
                events.append(event)
        if not _is_listen(events[-1] if events else None):
            events.append(ActionExecuted(ACTION_LISTEN))
        return events


def data_paths(data_dir: Path) -> list[Path]:
    directory = data_dir / "data"
    if not directory.is_dir():
        return []
    return sorted(
        path for path in directory.rglob("*") if path.is_file() and path.suffix in {".yml", ".yaml"}
    )


def load_rules(paths: Iterable[Path], domain: Domain) -> list[Rule]:
    rules: list[Rule] = []
    for path in paths:
        content = load_yaml(path)
        if content is None:
            continue
        file_location = location_of(content, SourceLocation(path, 1))
        if not isinstance(content, dict):
            raise DataError(file_location, "training data", "must be a mapping")
        for key, value in content.items():
            where = location_of(value, file_location)
            if key not in DATA_KEYS:
                raise DataError(where, f"training data key '{key}'", "unknown or unsupported")
            if key == "stories":
                raise DataError(
                    where,
                    "stories",
                    "stories are not training data for this engine (memoization is not "
                    "supported); write rules, and keep test stories under tests/",
                )
            if key == "responses":
                raise DataError(where, "responses", "retrieval responses are not supported")
            if key == "rules":
                rules.extend(_RuleParser(domain).parse_all(value, where))
    return rules


def slots_for_entities(domain: Domain, entities: list[dict[str, Any]]) -> list[SlotSet]:
    """Slots a rule's user turn sets through ``from_entity`` mappings (Rasa's training-time
    ``Domain.slots_for_entities``; at run time the slot extraction does this)."""
    if not domain.store_entities_as_slots:
        return []
    events = []
    for slot in domain.slots.values():
        matching = []
        for mapping in slot.mappings:
            conditions = mapping.get("conditions")
            if mapping.get("type") != "from_entity" or (
                conditions and conditions[0].get("active_loop") is not None
            ):
                continue
            matching.extend(
                entity.get("value")
                for entity in entities
                if entity.get("entity") == mapping.get("entity")
                and entity.get("role") == mapping.get("role")
                and entity.get("group") == mapping.get("group")
            )
        if matching:
            value = matching if slot.type is SlotType.LIST else matching[-1]
            events.append(SlotSet(slot.name, value))
    return events


def _event_for(step: Step) -> Event:
    match step:
        case UserStep():
            return UserUttered(
                None,
                {"name": step.intent, "full_retrieval_intent_name": None, "confidence": 1.0},
                [dict(entity) for entity in step.entities],
            )
        case ActionStep():
            return ActionExecuted(step.action)
        case SlotStep():
            return SlotSet(step.slot, SHOULD_NOT_BE_SET if step.value is None else step.value)
        case LoopStep():
            return ActiveLoop(SHOULD_NOT_BE_SET if step.loop is None else step.loop)


def _mark_first_action_unpredictable(events: list[Event]) -> None:
    for event in events:
        if isinstance(event, UserUttered):
            return
        if isinstance(event, ActionExecuted):
            event.unpredictable = True
            return


def _is_listen(event: Event | None) -> bool:
    return isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN


class StepParser:
    """Reads the steps rules and test stories share, checking every name against the
    domain; a problem is raised as a :class:`DataError` naming ``construct`` and the line."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    def user_step(
        self, step: dict[str, Any], where: SourceLocation | None, construct: str
    ) -> UserStep:
        unknown = set(step) - {"intent", "entities"}
        if unknown:
            raise DataError(where, f"{construct} step", f"unsupported keys {sorted(unknown)}")
        intent = step["intent"]
        if not isinstance(intent, str) or not intent.strip():
            raise DataError(where, f"{construct} step", "intent must be a name")
        intent = intent.strip().removeprefix("/")
        if intent not in self.domain.intents:
            raise DataError(where, f"{construct} step", f"unknown intent '{intent}'")
        raw_entities = step.get("entities", [])
        if not isinstance(raw_entities, list):
            raise DataError(where, f"{construct} step", "entities must be a list")
        return UserStep(
            intent, tuple(self.entity(raw, where, construct) for raw in raw_entities), where
        )

    def entity(self, raw: Any, where: SourceLocation | None, construct: str) -> dict[str, Any]:
        if isinstance(raw, str):
            entity: dict[str, Any] = {"entity": raw, "value": ""}
        elif isinstance(raw, dict):
            entity = {}
            for key, value in raw.items():
                if key in {"role", "group"}:
                    entity[key] = value
                else:
                    if "entity" in entity:
                        raise DataError(
                            where, f"{construct} entities", f"one entity per item: {raw!r}"
                        )
                    entity["entity"], entity["value"] = key, value
            if "entity" not in entity:
                raise DataError(where, f"{construct} entities", f"no entity in {raw!r}")
        else:
            raise DataError(where, f"{construct} entities", f"unexpected item {raw!r}")
        definition = self.domain.entities.get(entity["entity"])
        if definition is None:
            raise DataError(where, f"{construct} entities", f"unknown entity '{entity['entity']}'")
        if "role" in entity and entity["role"] not in definition.roles:
            raise DataError(where, f"{construct} entities", f"undeclared role '{entity['role']}'")
        if "group" in entity and entity["group"] not in definition.groups:
            raise DataError(where, f"{construct} entities", f"undeclared group '{entity['group']}'")
        return {key: value for key, value in entity.items() if value is not None}

    def action_step(self, action: Any, where: SourceLocation | None, construct: str) -> ActionStep:
        if not isinstance(action, str) or not action:
            raise DataError(where, f"{construct} step", "action must be a name")
        if action == ACTION_LISTEN:
            raise DataError(
                where,
                f"{construct} step",
                "action_listen is implied after every rule; use wait_for_user_input instead",
            )
        if action == RULE_SNIPPET_ACTION:
            raise DataError(
                where, f"{construct} step", "'...' is implied; use conversation_start instead"
            )
        if not self.domain.has_action(action):
            raise DataError(where, f"{construct} step", f"unknown action '{action}'")
        custom = action in self.domain.user_actions or self.domain.is_form(action)
        if action in DEFAULT_ACTION_NAMES and action not in ENGINE_DEFAULT_ACTIONS and not custom:
            raise DataError(
                where, f"{construct} step", f"default action '{action}' is not supported"
            )
        return ActionStep(action, where)

    def loop_step(self, loop: Any, where: SourceLocation | None, construct: str) -> LoopStep:
        if loop is not None and not self.domain.is_form(loop):
            raise DataError(where, f"{construct} active_loop", f"unknown form '{loop}'")
        return LoopStep(loop, where)

    def slot_steps(self, raw: Any, where: SourceLocation | None, construct: str) -> list[SlotStep]:
        if not isinstance(raw, list) or not raw:
            raise DataError(where, f"{construct} slot_was_set", "must be a non-empty list")
        steps = []
        for item in raw:
            item_where = location_of(item, where)
            if isinstance(item, str):
                steps.append(self.slot_step(item, None, item_where, construct, bare=True))
            elif isinstance(item, dict) and item:
                for slot, value in item.items():
                    steps.append(self.slot_step(slot, value, item_where, construct, bare=False))
            else:
                raise DataError(
                    item_where, f"{construct} slot_was_set", f"unexpected item {item!r}"
                )
        return steps

    def slot_step(
        self, slot: str, value: Any, where: SourceLocation | None, construct: str, *, bare: bool
    ) -> SlotStep:
        label = f"{construct} slot_was_set '{slot}'"
        definition = self.domain.slots.get(slot)
        if definition is None:
            raise DataError(where, label, "unknown slot")
        if bare:
            if definition.type is SlotType.TEXT:
                return SlotStep(slot, _DEFAULT_TEXT_VALUE, where)
            if definition.type is SlotType.LIST:
                return SlotStep(slot, [_DEFAULT_TEXT_VALUE], where)
            raise DataError(where, label, f"a {definition.type} slot needs an explicit value")
        if value is None and definition.type is SlotType.LIST:
            raise DataError(where, label, "Rasa features a null list slot as set; test a value")
        if (
            value is not None
            and definition.type is SlotType.CATEGORICAL
            and not definition.categorical_value_is_known(value)
        ):
            raise DataError(where, label, f"{value!r} is not one of the slot's values")
        if value is not None and definition.type is SlotType.BOOL:
            try:
                bool_from_any(value)
            except (TypeError, ValueError):
                raise DataError(where, label, f"{value!r} is not a truth value") from None
        if value is not None and definition.type is SlotType.FLOAT:
            try:
                float(value)
            except (TypeError, ValueError):
                raise DataError(where, label, f"{value!r} is not a number") from None
        return SlotStep(slot, value, where)


class _RuleParser(StepParser):
    def parse_all(self, items: Any, where: SourceLocation | None) -> list[Rule]:
        if items is None:
            return []
        if not isinstance(items, list):
            raise DataError(where, "rules", "must be a list of rules")
        return [self._rule(item, location_of(item, where)) for item in items]

    def _rule(self, item: Any, where: SourceLocation | None) -> Rule:
        if not isinstance(item, dict) or not item.get("rule"):
            raise DataError(where, "rule", "each rule needs a name under 'rule'")
        name = str(item["rule"])
        construct = f"rule '{name}'"
        if "metadata" in item:
            raise DataError(where, construct, "rule metadata is not supported")
        unknown = set(item) - _RULE_KEYS
        if unknown:
            raise DataError(where, construct, f"unsupported keys {sorted(unknown)}")
        raw_steps = item.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            raise DataError(where, construct, "needs a non-empty list of steps")
        conversation_start = _flag(item, "conversation_start", False, where, construct)
        wait = _flag(item, "wait_for_user_input", True, where, construct)
        conditions = self._conditions(item.get("condition", []), where, construct)
        steps = tuple(self._step(step, location_of(step, where), construct) for step in raw_steps)
        self._check_featurised(conditions, construct)
        self._check_featurised(steps, construct)
        user_turns = sum(isinstance(step, UserStep) for step in steps)
        if user_turns > 1:
            raise DataError(
                where,
                construct,
                "has more than one user message; rules must not hard-code a state machine",
            )
        return Rule(name, where, conditions, steps, conversation_start, wait)

    def _check_featurised(self, steps: Sequence[Step], construct: str) -> None:
        """Refuse slot conditions Rasa silently ignores (slots that do not influence the
        conversation), except the documented form submission ``requested_slot: null``
        right after ``active_loop: null``, which only restates what deactivation did."""
        previous: Step | None = None
        for step in steps:
            if (
                isinstance(step, SlotStep)
                and not self.domain.slots[step.slot].influence_conversation
            ):
                implied = (
                    step.slot == REQUESTED_SLOT
                    and step.value is None
                    and isinstance(previous, LoopStep)
                    and previous.loop is None
                )
                if not implied:
                    raise DataError(
                        step.location,
                        f"{construct} slot_was_set '{step.slot}'",
                        "the slot has influence_conversation: false, so Rasa ignores it in rules",
                    )
            previous = step

    def _conditions(
        self, raw: Any, where: SourceLocation | None, construct: str
    ) -> tuple[SlotStep | LoopStep, ...]:
        if not isinstance(raw, list):
            raise DataError(location_of(raw, where), f"{construct} condition", "must be a list")
        conditions: list[SlotStep | LoopStep] = []
        for item in raw:
            item_where = location_of(item, where)
            if not isinstance(item, dict) or len(item) != 1:
                raise DataError(item_where, f"{construct} condition", "each condition is one key")
            key = next(iter(item))
            if key == "slot_was_set":
                conditions.extend(self.slot_steps(item[key], item_where, construct))
            elif key == "active_loop":
                conditions.append(self.loop_step(item[key], item_where, construct))
            else:
                raise DataError(
                    item_where,
                    f"{construct} condition",
                    f"'{key}' is not supported (only slot_was_set and active_loop)",
                )
        return tuple(conditions)

    def _step(self, step: Any, where: SourceLocation | None, construct: str) -> Step:
        if isinstance(step, str):
            raise DataError(where, construct, f"unexpected text step {step!r}")
        if not isinstance(step, dict):
            raise DataError(where, construct, "each step must be a mapping")
        keys = set(step)
        refused = {
            "user": "end-to-end user texts are not supported; name the intent",
            "bot": "end-to-end bot texts are not supported; use a response action",
            "or": "'or' steps are not supported; write one rule per alternative",
            "checkpoint": "checkpoints are not supported",
            "metadata": "step metadata is not supported",
        }
        for key, problem in refused.items():
            if key in keys:
                raise DataError(where, f"{construct} step", problem)
        if "intent" in keys:
            return self.user_step(step, where, construct)
        if len(step) != 1:
            raise DataError(where, f"{construct} step", f"unexpected keys {sorted(keys)}")
        key = next(iter(step))
        if key == "action":
            return self.action_step(step[key], where, construct)
        if key == "slot_was_set":
            slots = self.slot_steps(step[key], where, construct)
            if len(slots) != 1:
                raise DataError(where, f"{construct} step", "set one slot per slot_was_set step")
            return slots[0]
        if key == "active_loop":
            return self.loop_step(step[key], where, construct)
        raise DataError(where, f"{construct} step", f"unsupported step '{key}'")


def _flag(
    item: dict[str, Any], key: str, default: bool, where: SourceLocation | None, construct: str
) -> bool:
    value = item.get(key, default)
    if not isinstance(value, bool):
        raise DataError(where, f"{construct} {key}", f"expected true or false, got {value!r}")
    return value
