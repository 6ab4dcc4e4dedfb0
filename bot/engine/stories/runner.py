"""Play a test story as a live conversation and compare every step with what happened.

Each story gets a conversation of its own. Its set-up slots are appended as events, then
every user step is sent to the processor, which runs the real actions; the events the turn
logged are compared with the story's steps up to the next user step:

* actions: exactly the story's actions, in order, then the bot listens;
* ``slot_was_set``: each slot was set to that value by the preceding action (or, before
  the first action, by the slot extraction); slots the story does not name are not checked;
* ``active_loop``: the loop was activated or deactivated there, or, when that action
  changed no loop, was already that one (a story names the form after each of its runs).

With ``Mode.NLU`` each user text is first parsed by the real NLU and its intent and
entities compared with the story's annotation; when they differ, the annotated meaning
drives the turn, as in ``rasa test``, so the dialogue is still checked. ``Mode.DIALOGUE``
skips the NLU and sends the annotated meaning. A story stops at its first dialogue
mismatch: what follows would only repeat it.

The runs a story marks with ``api_unavailable_during`` meet an unavailable api, which
needs the runner to be given the switch of the api the action server calls (see
:mod:`bot.engine.stories.outages`); without one, such a story fails with that reason.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from bot.engine.constants import ACTION_LISTEN
from bot.engine.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from bot.engine.processor import MessageProcessor, UserMessage
from bot.engine.stories.outages import ApiSwitch, OutageActions
from bot.engine.stories.reader import (
    ANY_VALUE,
    Expectation,
    ExpectedAction,
    ExpectedLoop,
    ExpectedSlots,
    Story,
    Turn,
    UserTurn,
)

#: Conversations of a run are ``web:story-<run>-<n>``: a channel identity the api accepts.
SENDER_PREFIX = "web:story"


class Mode(enum.Enum):
    NLU = "nlu"
    DIALOGUE = "dialogue"


# what happened ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActualAction:
    name: str


@dataclass(frozen=True, slots=True)
class ActualSlot:
    name: str
    value: Any


@dataclass(frozen=True, slots=True)
class ActualLoop:
    name: str | None


ActualItem = ActualAction | ActualSlot | ActualLoop


@dataclass(frozen=True, slots=True)
class ActualTurn:
    """What a turn logged after the user's message, and the loop active before it."""

    intent: str | None
    items: tuple[ActualItem, ...]
    loop_before: str | None

    @property
    def actions(self) -> list[str]:
        names = [item.name for item in self.items if isinstance(item, ActualAction)]
        return names[:-1] if names and names[-1] == ACTION_LISTEN else names


@dataclass(frozen=True, slots=True)
class Entity:
    entity: str
    value: Any
    role: str | None = None
    group: str | None = None

    def __str__(self) -> str:
        label = self.entity
        if self.role:
            label += f"#{self.role}"
        if self.group:
            label += f"@{self.group}"
        return f"{label}={self.value!r}"


@dataclass(frozen=True, slots=True)
class NluCheck:
    """The real NLU's reading of a story's user text, next to the annotated one."""

    turn: int
    user: UserTurn
    intent: str | None
    confidence: float | None
    entities: frozenset[Entity]
    expected_entities: frozenset[Entity]

    @property
    def intent_ok(self) -> bool:
        return self.intent == self.user.intent

    @property
    def entities_ok(self) -> bool:
        return self.entities == self.expected_entities

    @property
    def ok(self) -> bool:
        return self.intent_ok and self.entities_ok


class Verdict(enum.Enum):
    MET = "ok"
    FAILED = "FAILED"
    NOT_CHECKED = "not checked"


@dataclass(frozen=True, slots=True)
class StepResult:
    expectation: Expectation
    verdict: Verdict
    detail: str = ""


@dataclass(frozen=True, slots=True)
class TurnResult:
    index: int
    turn: Turn
    actual: ActualTurn
    steps: tuple[StepResult, ...]
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass
class StoryResult:
    story: Story
    turns: list[TurnResult] = field(default_factory=list)
    nlu: list[NluCheck] = field(default_factory=list)
    error: str | None = None

    @property
    def dialogue_failure(self) -> TurnResult | None:
        return next((turn for turn in self.turns if not turn.ok), None)

    @property
    def nlu_failures(self) -> list[NluCheck]:
        return [check for check in self.nlu if not check.ok]

    @property
    def passed(self) -> bool:
        return self.error is None and self.dialogue_failure is None and not self.nlu_failures


# running --------------------------------------------------------------------------------


class StoryRunner:
    def __init__(
        self,
        processor: MessageProcessor,
        mode: Mode,
        assigned_slots: frozenset[str] = frozenset(),
        api_switch: ApiSwitch | None = None,
    ) -> None:
        """With ``api_switch``, the processor's action caller is wrapped so that the runs
        the stories mark meet an unavailable api."""
        self.processor = processor
        self.mode = mode
        self.assigned_slots = assigned_slots
        self._outages = (
            OutageActions.install(processor, api_switch) if api_switch is not None else None
        )
        self._run_id = uuid.uuid4().hex[:8]
        self._count = 0

    async def run(self, story: Story) -> StoryResult:
        self._count += 1
        sender = f"{SENDER_PREFIX}-{self._run_id}-{self._count}"
        result = StoryResult(story)
        assigned = AssignedValues(self.assigned_slots)
        if story.api_unavailable_during and self._outages is None:
            marked = ", ".join(story.api_unavailable_during)
            result.error = (
                f"needs the api unavailable during {marked}, which the run can do only "
                "with the servers it starts itself"
            )
            return result
        try:
            with (
                self._outages.marked(sender, story.api_unavailable_during)
                if self._outages is not None
                else nullcontext()
            ):
                await self._play_story(sender, story, result, assigned)
        except Exception as error:  # a crash is a failed story, and the run goes on
            result.error = f"{type(error).__name__}: {error}"
        return result

    async def _play_story(
        self, sender: str, story: Story, result: StoryResult, assigned: AssignedValues
    ) -> None:
        logged = await self._set_up(sender, story, assigned)
        for index, turn in enumerate(story.turns, start=1):
            turn_result, logged = await self._play(sender, index, turn, result, logged, assigned)
            result.turns.append(turn_result)
            if not turn_result.ok:
                break

    async def _set_up(self, sender: str, story: Story, assigned: AssignedValues) -> int:
        """Append the story's set-up; returns how many events the conversation holds."""
        events: list[Event] = []
        for step in story.setup:
            if isinstance(step, ExpectedSlots):
                for name, value in step.values:
                    assigned.set_up(name, value)
                    events.append(SlotSet(name, value))
            else:
                events.append(ActiveLoop(step.name))
        if not events:
            return 0
        return len((await self.processor.append_events(sender, events)).events)

    async def _play(
        self,
        sender: str,
        index: int,
        turn: Turn,
        result: StoryResult,
        logged: int,
        assigned: AssignedValues,
    ) -> tuple[TurnResult, int]:
        before = await self.processor.conversation(sender)
        user = turn.user
        if user.is_external:
            entities = [{"entity": e["entity"], "value": e["value"]} for e in user.entities]
            await self.processor.trigger_intent(sender, user.intent, entities)
        else:
            parse_data = self._understand(index, user, result)
            message = UserMessage(sender, user.message_text(), parse_data=parse_data)
            await self.processor.handle_message(message)
        after = await self.processor.conversation(sender)
        actual = actual_turn(after.events[logged:], before.active_loop_name)
        steps, problem = compare_turn(turn.expected, actual, assigned)
        return TurnResult(index, turn, actual, steps, problem), len(after.events)

    def _understand(self, index: int, user: UserTurn, result: StoryResult) -> dict[str, Any]:
        """The parse the turn runs with: the real NLU's when it agrees with the story."""
        annotated = annotated_parse(user)
        if self.mode is Mode.DIALOGUE and user.text is not None:
            return annotated
        parsed = self.processor.parse(user.message_text())
        if user.text is None:
            return parsed  # a payload: no NLU involved, whatever the mode
        intent = parsed.get("intent") or {}
        # Entities the domain does not declare (a date extractor's ``time``) never reach
        # the dialogue, so they are no part of what the story describes.
        declared = self.processor.domain.entities
        check = NluCheck(
            turn=index,
            user=user,
            intent=intent.get("name"),
            confidence=intent.get("confidence"),
            entities=entity_set(
                [
                    entity
                    for entity in parsed.get("entities") or []
                    if entity.get("entity") in declared
                ]
            ),
            expected_entities=entity_set(annotated["entities"]),
        )
        result.nlu.append(check)
        return parsed if check.ok else annotated


def annotated_parse(user: UserTurn) -> dict[str, Any]:
    intent = {"name": user.intent, "confidence": 1.0}
    return {
        "text": user.message_text(),
        "intent": intent,
        "entities": [dict(entity) for entity in user.entities],
        "intent_ranking": [intent],
    }


def entity_set(entities: Sequence[dict[str, Any]]) -> frozenset[Entity]:
    """Entities as a set: several extractors finding the same entity count once."""
    return frozenset(
        Entity(
            str(entity.get("entity")),
            _hashable(entity.get("value")),
            entity.get("role"),
            entity.get("group"),
        )
        for entity in entities
    )


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _hashable(item)) for key, item in value.items()))
    return value


def actual_turn(events: Sequence[Event], loop_before: str | None) -> ActualTurn:
    """The turn's actions, slots and loops from its user message on (a session start
    logged before the message is not part of the story)."""
    start = next(
        (index for index, event in enumerate(events) if isinstance(event, UserUttered)), None
    )
    if start is None:
        return ActualTurn(None, (), loop_before)
    user = events[start]
    assert isinstance(user, UserUttered)
    items: list[ActualItem] = []
    for event in events[start + 1 :]:
        if isinstance(event, ActionExecuted) and event.action_name:
            items.append(ActualAction(event.action_name))
        elif isinstance(event, SlotSet):
            items.append(ActualSlot(event.key, event.value))
        elif isinstance(event, ActiveLoop):
            items.append(ActualLoop(event.name))
    return ActualTurn(user.intent_name, tuple(items), loop_before)


# comparing ------------------------------------------------------------------------------


class AssignedValues:
    """Story values of slots whose values the backend assigns (record ids).

    A story cannot know which case number the api will give, so such a value is a name:
    within one story it stands for the first value the conversation got in its place and
    must go on standing for that one, and two names never stand for the same value. Values
    the story itself sets up are taken literally.
    """

    def __init__(self, slots: frozenset[str]) -> None:
        self.slots = slots
        self._meaning: dict[tuple[str, Any], Any] = {}

    def set_up(self, slot: str, value: Any) -> None:
        if slot in self.slots and value is not None:
            self._meaning[(slot, _hashable(value))] = value

    def matches(self, slot: str, actual: Any, expected: Any) -> bool:
        if slot not in self.slots or expected is None or expected is ANY_VALUE:
            return values_match(actual, expected)
        if actual is None or type(actual) is not type(expected):
            return False
        key = (slot, _hashable(expected))
        if key in self._meaning:
            return bool(self._meaning[key] == actual)
        taken = any(name == slot and value == actual for (name, _), value in self._meaning.items())
        if taken:
            return False
        self._meaning[key] = actual
        return True


@dataclass(frozen=True, slots=True)
class _Segment:
    """State changes after one action (or after the user message), and the loop then."""

    items: tuple[ActualSlot | ActualLoop, ...]
    loop_at_start: str | None


def _segments(actual: ActualTurn) -> tuple[list[str], list[_Segment]]:
    actions: list[str] = []
    segments: list[_Segment] = []
    current: list[ActualSlot | ActualLoop] = []
    loop = loop_at_start = actual.loop_before
    for item in actual.items:
        if isinstance(item, ActualAction):
            segments.append(_Segment(tuple(current), loop_at_start))
            actions.append(item.name)
            current, loop_at_start = [], loop
        else:
            current.append(item)
            if isinstance(item, ActualLoop):
                loop = item.name
    segments.append(_Segment(tuple(current), loop_at_start))
    if actions and actions[-1] == ACTION_LISTEN:
        actions.pop()
        segments.pop()
    return actions, segments


def compare_turn(
    expected: Sequence[Expectation], actual: ActualTurn, assigned: AssignedValues
) -> tuple[tuple[StepResult, ...], str | None]:
    """Check the story's steps against the turn; the first failure ends the check."""
    actions, segments = _segments(actual)
    results: list[StepResult] = []
    problem: str | None = None
    action_index = 0
    for expectation in expected:
        if problem is not None:
            results.append(StepResult(expectation, Verdict.NOT_CHECKED))
            continue
        if isinstance(expectation, ExpectedAction):
            verdict, detail = _check_action(expectation, actions, action_index)
            action_index += 1
        else:
            segment = segments[action_index] if action_index < len(segments) else None
            verdict, detail = _check_state(expectation, segment, assigned)
        results.append(StepResult(expectation, verdict, detail))
        if verdict is Verdict.FAILED:
            problem = detail
    if problem is None and action_index < len(actions):
        extra = ", ".join(actions[action_index:])
        problem = f"the bot ran {extra} where the story waits for the user"
    return tuple(results), problem


def _check_action(
    expectation: ExpectedAction, actions: list[str], index: int
) -> tuple[Verdict, str]:
    if index >= len(actions):
        return Verdict.FAILED, f"expected {expectation.name}, but the bot waited for the user"
    if actions[index] != expectation.name:
        return Verdict.FAILED, f"expected {expectation.name}, predicted {actions[index]}"
    return Verdict.MET, ""


def _check_state(
    expectation: ExpectedSlots | ExpectedLoop, segment: _Segment | None, assigned: AssignedValues
) -> tuple[Verdict, str]:
    """A state step holds when the events of its segment include it, in any order: Rasa's
    stories write ``active_loop: null`` before ``requested_slot: null``, a form logs them
    the other way round."""
    items = segment.items if segment is not None else ()
    if isinstance(expectation, ExpectedLoop):
        loops = [item.name for item in items if isinstance(item, ActualLoop)]
        if expectation.name in loops:
            return Verdict.MET, ""
        if segment is not None and not loops and segment.loop_at_start == expectation.name:
            return Verdict.MET, ""
        seen = f"loop events {loops}" if loops else "no loop event"
        return Verdict.FAILED, f"active_loop {_shown(expectation.name)} expected, {seen}"
    for name, value in expectation.values:
        set_to = [
            item.value for item in items if isinstance(item, ActualSlot) and item.name == name
        ]
        if not any(assigned.matches(name, actual, value) for actual in set_to):
            seen = f"set to {', '.join(map(_shown, set_to))}" if set_to else "not set"
            return Verdict.FAILED, f"slot {name} expected {_shown(value)}, {seen}"
    return Verdict.MET, ""


def _shown(value: Any) -> str:
    return "null" if value is None else repr(value)


def values_match(actual: Any, expected: Any) -> bool:
    """Story values as YAML writes them: numbers compare by value, truth values only
    with truth values, anything else exactly."""
    if expected is ANY_VALUE:
        return actual is not None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return float(expected) == float(actual)
    return bool(actual == expected) and type(actual) is type(expected)
