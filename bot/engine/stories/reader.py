"""Read Rasa 3 test stories: ``stories:`` whose steps are user messages, actions,
``slot_was_set`` and ``active_loop``.

A user step is typed text (``user:``, entities annotated in it as in NLU examples) with the
``intent`` it must be understood as, or an ``intent`` alone: a button payload, or, for an
``EXTERNAL_`` intent (Rasa's naming convention for external events), an intent the backend
triggers. ``slot_was_set`` and ``active_loop`` steps before the first user step set up the
conversation; after it they are expectations. A story's ``metadata`` (which Rasa accepts
on a story and ignores) may list, under ``api_unavailable_during``, custom actions whose
runs meet an unavailable api: each entry is one run of that action, counted from the
story's start. Every name is checked against the domain and a problem is reported with its
file and line, like the rules.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.engine.actions.registry import action_for_name
from bot.engine.actions.remote import RemoteAction
from bot.engine.domain import Domain
from bot.engine.rules_loader import StepParser
from bot.engine.yaml_source import DataError, SourceLocation, load_yaml, location_of

#: Intents named so are triggered by the backend (``POST .../trigger_intent``), not typed.
EXTERNAL_INTENT_PREFIX = "EXTERNAL_"
_FILE_KEYS = {"version", "stories"}
_STORY_KEYS = {"story", "steps", "metadata"}
#: The story ``metadata`` key listing the action runs that meet an unavailable api.
API_UNAVAILABLE_DURING = "api_unavailable_during"
_REFUSED_STEPS = {
    "bot": "end-to-end bot texts are not supported; name the response action",
    "or": "'or' steps are not supported; write one story per alternative",
    "checkpoint": "checkpoints are not supported",
    "metadata": "step metadata is not supported; a story's own metadata is",
}


class AnyValue:
    """A bare ``slot_was_set`` item (``- slot``): any value but null."""

    def __repr__(self) -> str:
        return "<any value>"


ANY_VALUE = AnyValue()


@dataclass(frozen=True, slots=True)
class UserTurn:
    text: str | None
    intent: str
    entities: tuple[dict[str, Any], ...]
    location: SourceLocation | None

    @property
    def is_external(self) -> bool:
        return self.text is None and self.intent.startswith(EXTERNAL_INTENT_PREFIX)

    def message_text(self) -> str:
        """What the user sends: the typed text, or the button payload."""
        if self.text is not None:
            return self.text
        if not self.entities:
            return f"/{self.intent}"
        values: dict[str, Any] = {}
        for entity in self.entities:
            values.setdefault(entity["entity"], []).append(entity.get("value"))
        payload = {name: found[0] if len(found) == 1 else found for name, found in values.items()}
        return f"/{self.intent}{json.dumps(payload, ensure_ascii=False)}"


@dataclass(frozen=True, slots=True)
class ExpectedAction:
    name: str
    location: SourceLocation | None


@dataclass(frozen=True, slots=True)
class ExpectedSlots:
    """One ``slot_was_set`` step: its slots may be set in any order among themselves."""

    values: tuple[tuple[str, Any], ...]
    location: SourceLocation | None


@dataclass(frozen=True, slots=True)
class ExpectedLoop:
    name: str | None
    location: SourceLocation | None


Expectation = ExpectedAction | ExpectedSlots | ExpectedLoop
Step = UserTurn | Expectation


@dataclass(frozen=True, slots=True)
class Turn:
    """A user step and what must follow it until the next one."""

    user: UserTurn
    expected: tuple[Expectation, ...]


@dataclass(frozen=True, slots=True)
class Story:
    name: str
    location: SourceLocation | None
    setup: tuple[ExpectedSlots | ExpectedLoop, ...]
    turns: tuple[Turn, ...]
    #: One action name per run that meets an unavailable api, in no particular order.
    api_unavailable_during: tuple[str, ...] = ()


def story_paths(paths: Iterable[Path]) -> list[Path]:
    """The YAML files named, directories searched recursively, in name order."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(
                child
                for child in path.rglob("*")
                if child.is_file() and child.suffix in {".yml", ".yaml"}
            )
        elif path.is_file():
            found.add(path)
        else:
            raise DataError(None, "test stories", f"{path} does not exist")
    return sorted(found)


def load_stories(paths: Iterable[Path], domain: Domain) -> list[Story]:
    reader = _StoryReader(domain)
    stories: list[Story] = []
    for path in paths:
        stories.extend(reader.read_file(path))
    return stories


class _StoryReader:
    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        self.steps = StepParser(domain)

    def read_file(self, path: Path) -> list[Story]:
        content = load_yaml(path)
        file_location = location_of(content, SourceLocation(path, 1))
        if content is None:
            return []
        if not isinstance(content, dict):
            raise DataError(file_location, "test stories", "must be a mapping")
        unknown = sorted(set(content) - _FILE_KEYS)
        if unknown:
            raise DataError(file_location, "test stories", f"unsupported keys {unknown}")
        items = content.get("stories")
        where = location_of(items, file_location)
        if items is None:
            return []
        if not isinstance(items, list):
            raise DataError(where, "stories", "must be a list of stories")
        return [self._story(item, location_of(item, where)) for item in items]

    def _story(self, item: Any, where: SourceLocation | None) -> Story:
        if not isinstance(item, dict) or not item.get("story"):
            raise DataError(where, "story", "each story needs a name under 'story'")
        name = str(item["story"])
        construct = f"story '{name}'"
        unknown = sorted(set(item) - _STORY_KEYS)
        if unknown:
            raise DataError(where, construct, f"unsupported keys {unknown}")
        raw_steps = item.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            raise DataError(where, construct, "needs a non-empty list of steps")
        steps = [self._step(raw, location_of(raw, where), construct) for raw in raw_steps]
        story = _assemble(name, where, construct, steps)
        if "metadata" not in item:
            return story
        metadata = item["metadata"]
        metadata_where = location_of(metadata, where)
        outages = self._api_unavailable_during(metadata, metadata_where, construct)
        _check_marked_runs(outages, steps, metadata_where, construct)
        return replace(story, api_unavailable_during=outages)

    def _api_unavailable_during(
        self, metadata: Any, where: SourceLocation | None, construct: str
    ) -> tuple[str, ...]:
        label = f"{construct} metadata"
        if metadata is None:
            return ()
        if not isinstance(metadata, dict):
            raise DataError(where, label, "must be a mapping")
        unknown = sorted(set(metadata) - {API_UNAVAILABLE_DURING})
        if unknown:
            raise DataError(
                where, label, f"unsupported keys {unknown}; supported: {API_UNAVAILABLE_DURING}"
            )
        if API_UNAVAILABLE_DURING not in metadata:
            return ()
        names = metadata[API_UNAVAILABLE_DURING]
        label = f"{label} {API_UNAVAILABLE_DURING}"
        if not isinstance(names, list) or not names:
            raise DataError(where, label, "must be a non-empty list of action names")
        for name in names:
            self.steps.action_step(name, where, label)
            if not isinstance(action_for_name(name, self.domain), RemoteAction):
                raise DataError(
                    where, label, f"'{name}' runs in the engine: only a custom action calls the api"
                )
        return tuple(names)

    def _step(self, raw: Any, where: SourceLocation | None, construct: str) -> Step:
        if not isinstance(raw, dict):
            raise DataError(where, f"{construct} step", "each step must be a mapping")
        for key, problem in _REFUSED_STEPS.items():
            if key in raw:
                raise DataError(where, f"{construct} step", problem)
        if "user" in raw or "intent" in raw:
            return self._user_turn(raw, where, construct)
        if len(raw) != 1:
            raise DataError(where, f"{construct} step", f"unexpected keys {sorted(raw)}")
        key, value = next(iter(raw.items()))
        if key == "action":
            return ExpectedAction(self.steps.action_step(value, where, construct).action, where)
        if key == "slot_was_set":
            return ExpectedSlots(self._slot_values(value, where, construct), where)
        if key == "active_loop":
            return ExpectedLoop(self.steps.loop_step(value, where, construct).loop, where)
        raise DataError(where, f"{construct} step", f"unsupported step '{key}'")

    def _user_turn(self, raw: dict[str, Any], where: SourceLocation | None, construct: str) -> Step:
        if "intent" not in raw:
            raise DataError(
                where, f"{construct} step", "a user text needs its intent: the engine has no e2e"
            )
        unknown = sorted(set(raw) - {"user", "intent", "entities"})
        if unknown:
            raise DataError(where, f"{construct} step", f"unsupported keys {unknown}")
        step = self.steps.user_step(
            {key: raw[key] for key in ("intent", "entities") if key in raw}, where, construct
        )
        if "user" not in raw:
            if any("role" in entity or "group" in entity for entity in step.entities):
                raise DataError(
                    where, f"{construct} entities", "a payload cannot carry roles or groups"
                )
            return UserTurn(None, step.intent, step.entities, where)
        if step.entities:
            raise DataError(
                where, f"{construct} step", "annotate the entities in the user text instead"
            )
        text, entities = self._annotated_text(raw["user"], where, construct)
        return UserTurn(text, step.intent, entities, where)

    def _annotated_text(
        self, raw: Any, where: SourceLocation | None, construct: str
    ) -> tuple[str, tuple[dict[str, Any], ...]]:
        # The NLU reads the same annotation syntax; imported here because the NLU package
        # brings its own heavy dependencies, which a dialogue-only run never needs otherwise.
        from bot.engine.nlu.annotations import AnnotationError, parse_annotated_example

        if not isinstance(raw, str) or not raw.strip():
            raise DataError(where, f"{construct} user", "the user text must be non-empty")
        try:
            text, annotations = parse_annotated_example(raw.strip())
        except AnnotationError as error:
            raise DataError(where, f"{construct} user", str(error)) from None
        entities = []
        for annotation in annotations:
            entity: dict[str, Any] = {
                "entity": annotation.entity,
                "start": annotation.start,
                "end": annotation.end,
                "value": annotation.value,
            }
            if annotation.role is not None:
                entity["role"] = annotation.role
            if annotation.group is not None:
                entity["group"] = annotation.group
            self.steps.entity(
                {entity["entity"]: entity["value"], **_role_and_group(entity)}, where, construct
            )
            entities.append(entity)
        return text, tuple(entities)

    def _slot_values(
        self, raw: Any, where: SourceLocation | None, construct: str
    ) -> tuple[tuple[str, Any], ...]:
        if not isinstance(raw, list) or not raw:
            raise DataError(where, f"{construct} slot_was_set", "must be a non-empty list")
        values: list[tuple[str, Any]] = []
        for item in raw:
            item_where = location_of(item, where)
            if isinstance(item, str):
                if item not in self.domain.slots:
                    label = f"{construct} slot_was_set '{item}'"
                    raise DataError(item_where, label, "unknown slot")
                values.append((item, ANY_VALUE))
            elif isinstance(item, dict) and item:
                for slot, value in item.items():
                    step = self.steps.slot_step(slot, value, item_where, construct, bare=False)
                    values.append((step.slot, step.value))
            else:
                raise DataError(
                    item_where, f"{construct} slot_was_set", f"unexpected item {item!r}"
                )
        return tuple(values)


def _check_marked_runs(
    marked: tuple[str, ...], steps: list[Step], where: SourceLocation | None, construct: str
) -> None:
    """Each mark is one run: the story must run the action at least that often."""
    runs = Counter(step.name for step in steps if isinstance(step, ExpectedAction))
    for name, count in Counter(marked).items():
        if runs[name] < count:
            raise DataError(
                where,
                f"{construct} metadata {API_UNAVAILABLE_DURING}",
                f"'{name}' is marked for {count} run(s), the story runs it {runs[name]} time(s)",
            )


def _role_and_group(entity: dict[str, Any]) -> dict[str, Any]:
    return {key: entity[key] for key in ("role", "group") if key in entity}


def _assemble(name: str, where: SourceLocation | None, construct: str, steps: list[Step]) -> Story:
    setup: list[ExpectedSlots | ExpectedLoop] = []
    turns: list[Turn] = []
    current: UserTurn | None = None
    expected: list[Expectation] = []
    for step in steps:
        if isinstance(step, UserTurn):
            if current is not None:
                turns.append(Turn(current, tuple(expected)))
            current, expected = step, []
        elif current is not None:
            expected.append(step)
        elif isinstance(step, ExpectedAction):
            raise DataError(
                step.location,
                f"{construct} step",
                "an action before the first user step: the engine acts only on a message",
            )
        else:
            if isinstance(step, ExpectedSlots) and any(v is ANY_VALUE for _, v in step.values):
                raise DataError(
                    step.location, f"{construct} slot_was_set", "a set-up slot needs a value"
                )
            setup.append(step)
    if current is None:
        raise DataError(where, construct, "has no user step")
    turns.append(Turn(current, tuple(expected)))
    return Story(name, where, tuple(setup), tuple(turns))
