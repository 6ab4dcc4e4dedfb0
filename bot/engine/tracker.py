"""The conversation tracker: events in, state out, as Rasa's ``DialogueStateTracker``."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator
from enum import Enum
from typing import Any

import structlog

from bot.engine.constants import (
    ACTION_LISTEN,
    ASSISTANT_ID_KEY,
    MODEL_ID_KEY,
    SHOULD_NOT_BE_SET,
)
from bot.engine.domain import Domain
from bot.engine.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)

logger = structlog.get_logger(__name__)


class EventVerbosity(Enum):
    NONE = 1
    APPLIED = 2
    AFTER_RESTART = 3
    ALL = 4


@dataclasses.dataclass
class ActiveLoopState:
    name: str | None
    is_interrupted: bool
    rejected: bool
    trigger_message: dict[str, Any] | None


class Tracker:
    """State of one conversation, recreated from its events at any time."""

    def __init__(self, sender_id: str, domain: Domain) -> None:
        self.sender_id = sender_id
        self.domain = domain
        self.events: list[Event] = []
        #: How many of ``events`` the tracker store already holds (they are append-only).
        self.persisted_event_count = 0
        #: Added to every new event's metadata, as Rasa tags events with its model.
        self.model_id: str | None = None
        self.assistant_id: str | None = None
        self.slots: dict[str, Any] = {}
        self.slots_set: set[str] = set()
        self.paused = False
        self.followup_action: str | None = ACTION_LISTEN
        self.latest_action: dict[str, str] = {}
        self.latest_message = UserUttered()
        self.latest_bot_utterance = BotUttered()
        self.active_loop: ActiveLoopState | None = None
        self._applied = _AppliedEvents()
        self.reset()
        #: The follow-up action as the events left it; the processor clears
        #: ``followup_action`` itself when it runs it, as Rasa does, but a copy (a replay of
        #: the events, in Rasa) sees the events' value again.
        self._followup_after_events = self.followup_action

    @classmethod
    def from_events(cls, sender_id: str, events: Iterable[Event], domain: Domain) -> Tracker:
        """The tracker these events lead to, as if each had been applied in turn.

        A restart, a session start or a rewind sets the whole state from the events before
        it, so only the last of them and the events after it need applying: long
        conversations full of rewinds load in linear time.
        """
        tracker = cls(sender_id, domain)
        events = list(events)
        last_reset = next(
            (
                index
                for index in range(len(events) - 1, -1, -1)
                if isinstance(events[index], _STATE_RESETTING_EVENTS)
            ),
            None,
        )
        if last_reset is not None:
            tracker.events = events[:last_reset]
            tracker._applied = _AppliedEvents()
            events = events[last_reset:]
        for event in events:
            tracker.update(event)
        return tracker

    # updating -----------------------------------------------------------------------

    def update(self, event: Event) -> None:
        if self.model_id and MODEL_ID_KEY not in event.metadata:
            event.metadata = {**event.metadata, MODEL_ID_KEY: self.model_id}
        if self.assistant_id and ASSISTANT_ID_KEY not in event.metadata:
            event.metadata = {**event.metadata, ASSISTANT_ID_KEY: self.assistant_id}
        self.events.append(event)
        event.apply_to(self)
        self._followup_after_events = self.followup_action

    def update_with_events(self, events: Iterable[Event], *, refresh_timestamps: bool) -> None:
        """Log events created earlier; Rasa stamps them now so they follow the history."""
        for event in events:
            if refresh_timestamps:
                event.timestamp = time.time()
            self.update(event)

    def reset(self) -> None:
        self.reset_slots()
        self.paused = False
        self.latest_action = {}
        self.latest_message = UserUttered()
        self.latest_bot_utterance = BotUttered()
        self.followup_action = ACTION_LISTEN
        self.active_loop = None

    def reset_slots(self) -> None:
        self.slots = {name: slot.initial_value for name, slot in self.domain.slots.items()}
        self.slots_set = set()

    def set_slot(self, name: str, value: Any) -> None:
        definition = self.domain.slots.get(name)
        if definition is None:
            logger.error("tracker.slot.unknown", slot=name, sender_id=self.sender_id)
            return
        self.slots[name] = definition.coerce(value)
        self.slots_set.add(name)

    def change_loop_to(self, name: str | None) -> None:
        if name is None:
            self.active_loop = None
            return
        trigger = self.latest_message.parse_data if self.latest_message else None
        self.active_loop = ActiveLoopState(name, False, False, trigger)

    def set_latest_action(self, action: dict[str, str]) -> None:
        self.latest_action = action
        if self.active_loop is not None and self.active_loop_name:
            self.active_loop.is_interrupted = False
        if self.active_loop is not None and action.get("action_name") == self.active_loop_name:
            self.active_loop.rejected = False

    def replay_events(self) -> None:
        for event in self.applied_events():
            event.apply_to(self)

    # queries ------------------------------------------------------------------------

    def get_slot(self, name: str) -> Any:
        return self.slots.get(name)

    @property
    def active_loop_name(self) -> str | None:
        if self.active_loop is None or self.active_loop.name == SHOULD_NOT_BE_SET:
            return None
        return self.active_loop.name

    @property
    def latest_action_name(self) -> str | None:
        return self.latest_action.get("action_name") or self.latest_action.get("action_text")

    @property
    def is_active_loop_rejected(self) -> bool:
        return self.active_loop is not None and self.active_loop.rejected

    @property
    def is_active_loop_interrupted(self) -> bool:
        return self.active_loop is not None and self.active_loop.is_interrupted

    def get_latest_entity_values(
        self, entity_type: str, role: str | None = None, group: str | None = None
    ) -> Iterator[Any]:
        return (
            entity.get("value")
            for entity in self.latest_message.entities
            if entity.get("entity") == entity_type
            and entity.get("group") == group
            and entity.get("role") == role
        )

    def get_latest_input_channel(self) -> str | None:
        for event in reversed(self.events):
            if isinstance(event, UserUttered):
                return event.input_channel
        return None

    def last_user_event(self) -> UserUttered | None:
        for event in reversed(self.applied_events()):
            if isinstance(event, UserUttered):
                return event
        return None

    def idx_after_latest_restart(self) -> int:
        for index in range(len(self.events) - 1, -1, -1):
            if isinstance(self.events[index], Restarted):
                return index + 1
        return 0

    def events_after_latest_restart(self) -> list[Event]:
        return self.events[self.idx_after_latest_restart() :]

    def applied_events(self) -> list[Event]:
        """Events that shape the state: after the latest restart or session start,
        without reverted turns, and with a loop's happy-path turns collapsed."""
        return list(self._applied.update(self.events))

    # copies ---------------------------------------------------------------------------

    def copy(self) -> Tracker:
        """What Rasa's copy (a replay of all events) yields, without replaying: the same
        events and state, the events' follow-up action, and no model tags for new events."""
        clone = Tracker(self.sender_id, self.domain)
        clone.events = list(self.events)
        clone._applied = self._applied.copy()
        clone.slots = dict(self.slots)
        clone.slots_set = set(self.slots_set)
        clone.paused = self.paused
        clone.followup_action = self._followup_after_events
        clone._followup_after_events = self._followup_after_events
        clone.latest_action = dict(self.latest_action)
        clone.latest_message = self.latest_message
        clone.latest_bot_utterance = self.latest_bot_utterance
        clone.active_loop = dataclasses.replace(self.active_loop) if self.active_loop else None
        return clone

    def travel_back_in_time(self, target_time: float) -> Tracker:
        kept = []
        for event in self.events:
            if event.timestamp > target_time:
                break
            kept.append(event)
        return Tracker.from_events(self.sender_id, kept, self.domain)

    # serialisation ----------------------------------------------------------------------

    def events_for_verbosity(self, verbosity: EventVerbosity) -> list[Event] | None:
        match verbosity:
            case EventVerbosity.ALL:
                return list(self.events)
            case EventVerbosity.AFTER_RESTART:
                return self.events_after_latest_restart()
            case EventVerbosity.APPLIED:
                return self.applied_events()
            case EventVerbosity.NONE:
                return None

    def latest_message_data(self) -> dict[str, Any]:
        data = dict(self.latest_message.parse_data)
        data["entities"] = self.latest_message.entities
        return data

    def current_state(self, verbosity: EventVerbosity = EventVerbosity.NONE) -> dict[str, Any]:
        """The tracker as Rasa's ``/conversations/{id}/tracker`` and action calls show it."""
        events = self.events_for_verbosity(verbosity)
        return {
            "sender_id": self.sender_id,
            "slots": dict(self.slots),
            "latest_message": self.latest_message_data(),
            "latest_event_time": self.events[-1].timestamp if self.events else None,
            "followup_action": self.followup_action,
            "paused": self.paused,
            "events": [event.as_dict() for event in events] if events is not None else None,
            "latest_input_channel": self.get_latest_input_channel(),
            "active_loop": dataclasses.asdict(self.active_loop) if self.active_loop else {},
            "latest_action": self.latest_action,
            "latest_action_name": self.latest_action_name,
        }


_STATE_RESETTING_EVENTS = (Restarted, SessionStarted, UserUtteranceReverted, ActionReverted)


class _AppliedEvents:
    """Rasa's applied events, kept up to date as events are appended to a tracker."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.upto = 0
        self.loop_names: set[str] = set()

    def _start_over(self) -> None:
        self.events, self.upto, self.loop_names = [], 0, set()

    def copy(self) -> _AppliedEvents:
        clone = _AppliedEvents()
        clone.events = list(self.events)
        clone.upto = self.upto
        clone.loop_names = set(self.loop_names)
        return clone

    def update(self, all_events: list[Event]) -> list[Event]:
        if self.upto > len(all_events):
            self._start_over()
        index = self.upto
        while index < len(all_events):
            event = all_events[index]
            if isinstance(event, ActiveLoop) and event.name and event.name not in self.loop_names:
                # Whether an action counts as a loop execution depends on every loop name
                # in the conversation: a new one means starting over with it known.
                self.loop_names = {
                    item.name for item in all_events if isinstance(item, ActiveLoop) and item.name
                }
                self.events = []
                index = 0
                continue
            self._add(event)
            index += 1
        self.upto = len(all_events)
        return self.events

    def _add(self, event: Event) -> None:
        applied = self.events
        if isinstance(event, Restarted | SessionStarted):
            applied.clear()
        elif isinstance(event, ActionReverted):
            _undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            _undo_till_previous(UserUttered, applied)
            _undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in self.loop_names
            and not _first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            _undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)


def _undo_till_previous(event_type: type[Event], done: list[Event]) -> None:
    while done:
        removed = done.pop()
        if isinstance(removed, event_type):
            break


def _first_loop_execution_or_unhappy_path(loop_name: str, applied: list[Event]) -> bool:
    next_action: str | None = None
    for event in reversed(applied):
        if isinstance(event, ActiveLoop) and event.name is None:
            return True
        if isinstance(event, ActionExecutionRejected) and event.action_name == loop_name:
            return True
        if isinstance(event, UserUttered) and next_action is not None and next_action != loop_name:
            return True
        if isinstance(event, ActionExecuted):
            if event.action_name == loop_name:
                return False
            next_action = event.action_name
    return True


def _undo_till_previous_loop_execution(loop_name: str, done: list[Event]) -> None:
    offset = 0
    for event in reversed(done[:]):
        if isinstance(event, ActionExecuted) and event.action_name == loop_name:
            break
        if isinstance(event, ActionExecuted | UserUttered | DefinePrevUserUtteredFeaturization):
            del done[-1 - offset]
        else:
            offset += 1
