"""Showing a troubleshooting guide one step at a time."""

from __future__ import annotations

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api_models import ErrorCodeHit, Guide
from actions.conversation import Language


def start_guide(
    dispatcher: CollectingDispatcher,
    guide: Guide,
    language: Language,
    error_code: ErrorCodeHit | None = None,
) -> list[EventType]:
    dispatcher.utter_message(response="utter_troubleshooting_intro")
    if error_code is not None:
        dispatcher.utter_message(
            text=f"{error_code.code}: {error_code.meaning.in_language(language)}"
        )
    for note in guide.safety_notes:
        dispatcher.utter_message(text=f"⚠️ {note.in_language(language)}")
    return show_step(dispatcher, guide, 1, language)


def show_step(
    dispatcher: CollectingDispatcher, guide: Guide, number: int, language: Language
) -> list[EventType]:
    """Step `number` (from 1) with the question whether it helped."""
    step = guide.steps[number - 1]
    dispatcher.utter_message(
        text=f"({number}/{len(guide.steps)}) {step.instruction.in_language(language)}"
    )
    if step.safety:
        # A step that warns of a danger: a person should be one tap away.
        dispatcher.utter_message(response="utter_offer_human")
    dispatcher.utter_message(response="utter_ask_step_outcome")
    return [
        SlotSet("troubleshooting_guide_id", str(guide.id)),
        SlotSet("troubleshooting_step", float(number)),
        SlotSet("step_outcome", None),
        SlotSet("awaiting", "step_feedback"),
    ]


def guide_finished() -> list[EventType]:
    return [
        SlotSet("troubleshooting_guide_id", None),
        SlotSet("troubleshooting_step", None),
        SlotSet("step_outcome", None),
    ]
