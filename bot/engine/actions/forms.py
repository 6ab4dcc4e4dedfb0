"""Forms: Rasa 3.6's ``FormAction`` loop, step for step.

On activation the form extracts slots again (now that its mapping conditions apply) and
validates any required slot that is already filled. On each later user turn it validates
the slots the user just filled by calling ``validate_<form>`` on the action server (the
candidates are the trailing ``slot`` events of the tracker it sends), rejects itself when
the requested slot was not filled, so that rules can handle the unhappy path, and asks for
the next empty required slot. With every required slot filled it sets
``requested_slot: null`` and deactivates.
"""

from __future__ import annotations

from typing import Any

from bot.engine.action_client import ActionRejected
from bot.engine.actions.base import Action, ActionRuntime
from bot.engine.actions.extract_slots import ActionExtractSlots
from bot.engine.actions.remote import RemoteAction
from bot.engine.constants import ACTION_LISTEN, REQUESTED_SLOT, UTTER_PREFIX
from bot.engine.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Event,
    Restarted,
    SlotSet,
    UserUttered,
)
from bot.engine.tracker import Tracker


class FormAction(Action):
    def __init__(self, form_name: str) -> None:
        self._form_name = form_name

    def name(self) -> str:
        return self._form_name

    def validation_action(self) -> str:
        return f"validate_{self._form_name}"

    async def run(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        events: list[Event] = []
        if tracker.active_loop_name != self._form_name:
            events += await self._activate(runtime, tracker)
        if not _is_done(events):
            events += await self._do(runtime, tracker, events)
        if _is_done(events):
            events.append(ActiveLoop(None))
        return events

    # activation ------------------------------------------------------------------------

    async def _activate(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        events: list[Event] = [ActiveLoop(self._form_name)]
        activated = tracker.copy()
        activated.update_with_events(events, refresh_timestamps=True)
        extracted = await ActionExtractSlots().run(runtime, activated)
        activated.update_with_events(extracted, refresh_timestamps=True)
        extracted_slots = [event for event in extracted if isinstance(event, SlotSet)]
        if not runtime.domain.has_action(self.validation_action()):
            return [*events, *extracted_slots]
        prefilled = {
            name: activated.get_slot(name)
            for name in runtime.domain.required_slots(self._form_name)
            if activated.get_slot(name) is not None
        }
        validated = await self._validate_slots(prefilled, runtime, activated)
        validated_names = {event.key for event in validated if isinstance(event, SlotSet)}
        return [
            *events,
            *validated,
            *(event for event in extracted_slots if event.key not in validated_names),
        ]

    # a turn of the loop ---------------------------------------------------------------------

    async def _do(
        self, runtime: ActionRuntime, tracker: Tracker, events_so_far: list[Event]
    ) -> list[Event]:
        events: list[Event] = []
        if not [event for event in events_so_far if not isinstance(event, ActiveLoop)]:
            events = await self._validate_if_required(runtime, tracker)
        if not _rejected_manually(events):
            events += await self._request_next_slot(runtime, tracker, [*events_so_far, *events])
        return events

    async def _validate_if_required(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        needs_validation = tracker.active_loop is None or (
            tracker.latest_action_name == ACTION_LISTEN and not tracker.is_active_loop_interrupted
        )
        if needs_validation:
            return await self._validate(runtime, tracker)
        # Back from an unhappy path: nothing to validate, but the validation action may
        # still decide which slot comes next.
        return await self._validate_slots({}, runtime, tracker)

    async def _validate(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        extracted = self._slot_extractions(runtime, tracker)
        events = await self._validate_slots(extracted, runtime, tracker)
        some_slots_validated = any(
            isinstance(event, SlotSet) and event.key != REQUESTED_SLOT for event in events
        )
        slot_to_fill = self._slot_to_fill(tracker)
        if (
            slot_to_fill
            and not extracted
            and not some_slots_validated
            and not _rejected_manually(events)
        ):
            raise ActionRejected(
                self._form_name,
                f"Failed to extract slot {slot_to_fill} with action {self._form_name}",
            )
        return events

    def _slot_extractions(self, runtime: ActionRuntime, tracker: Tracker) -> dict[str, Any]:
        """Required slots set since the latest user message (the validation candidates)."""
        required = set(runtime.domain.required_slots(self._form_name))
        requested = self._slot_to_fill(tracker)
        if requested:
            required.add(requested)
        values: dict[str, Any] = {}
        for event in _events_since_latest_user_message(tracker):
            if isinstance(event, SlotSet) and event.key in required:
                values[event.key] = event.value
        return values

    async def _validate_slots(
        self, candidates: dict[str, Any], runtime: ActionRuntime, tracker: Tracker
    ) -> list[Event]:
        if not runtime.domain.has_action(self.validation_action()):
            return []
        slot_events = [SlotSet(name, value) for name, value in candidates.items()]
        temporary = self._temporary_tracker(tracker, slot_events, runtime)
        return await RemoteAction(self.validation_action()).run(runtime, temporary)

    async def _request_next_slot(
        self, runtime: ActionRuntime, tracker: Tracker, events_so_far: list[Event]
    ) -> list[Event]:
        if _is_done(events_so_far):
            return [SlotSet(REQUESTED_SLOT, None)]
        slot_to_request = next(
            (
                event.value
                for event in events_so_far
                if isinstance(event, SlotSet) and event.key == REQUESTED_SLOT
            ),
            None,
        )
        temporary = self._temporary_tracker(tracker, events_so_far, runtime)
        events: list[Event] = []
        if not slot_to_request:
            slot_to_request = next(
                (
                    name
                    for name in runtime.domain.required_slots(self._form_name)
                    if temporary.get_slot(name) is None
                ),
                None,
            )
            events.append(SlotSet(REQUESTED_SLOT, slot_to_request))
        if slot_to_request:
            return [*events, *await self._ask_for_slot(runtime, slot_to_request, temporary)]
        return [SlotSet(REQUESTED_SLOT, None)]

    async def _ask_for_slot(
        self, runtime: ActionRuntime, slot_name: str, tracker: Tracker
    ) -> list[Event]:
        candidates = (
            f"action_ask_{self._form_name}_{slot_name}",
            f"{UTTER_PREFIX}ask_{self._form_name}_{slot_name}",
            f"action_ask_{slot_name}",
            f"{UTTER_PREFIX}ask_{slot_name}",
        )
        name = next((name for name in candidates if runtime.domain.has_action(name)), None)
        if name is None:
            return []
        return await runtime.action(name).run(runtime, tracker)

    def _slot_to_fill(self, tracker: Tracker) -> str | None:
        if tracker.active_loop_name != self._form_name:
            return None
        requested = tracker.get_slot(REQUESTED_SLOT)
        return requested if isinstance(requested, str) else None

    def _temporary_tracker(
        self, tracker: Tracker, additional: list[Event], runtime: ActionRuntime
    ) -> Tracker:
        """The tracker the validation action sees: the form's own execution followed by
        the candidate slots, so that they are the tracker's trailing ``slot`` events."""
        return Tracker.from_events(
            tracker.sender_id,
            [
                *tracker.events_after_latest_restart(),
                SlotSet(REQUESTED_SLOT, self._slot_to_fill(tracker)),
                ActionExecuted(self._form_name),
                *additional,
            ],
            runtime.domain,
        )


def _events_since_latest_user_message(tracker: Tracker) -> list[Event]:
    events = tracker.events
    latest = tracker.latest_message
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, Restarted) or (
            isinstance(event, UserUttered) and event.same_message_as(latest)
        ):
            return events[index:]
    return list(events)


def _rejected_manually(events: list[Event]) -> bool:
    return any(isinstance(event, ActionExecutionRejected) for event in events)


def _is_done(events: list[Event]) -> bool:
    if _rejected_manually(events):
        return False
    last_requested = next(
        (
            event
            for event in reversed(events)
            if isinstance(event, SlotSet) and event.key == REQUESTED_SLOT
        ),
        None,
    )
    if last_requested is not None and last_requested.value is None:
        return True
    last_loop = next((event for event in reversed(events) if isinstance(event, ActiveLoop)), None)
    return last_loop is not None and last_loop.name is None
