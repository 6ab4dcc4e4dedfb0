"""Rasa's default actions that the engine runs itself."""

from __future__ import annotations

import structlog

from bot.engine.actions.base import Action, ActionRuntime
from bot.engine.constants import (
    ACTION_BACK,
    ACTION_DEACTIVATE_LOOP,
    ACTION_DEFAULT_ASK_REPHRASE,
    ACTION_DEFAULT_FALLBACK,
    ACTION_LISTEN,
    ACTION_RESTART,
    ACTION_SESSION_START,
    REQUESTED_SLOT,
)
from bot.engine.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from bot.engine.nlg import bot_utterance
from bot.engine.tracker import Tracker

logger = structlog.get_logger(__name__)


class ActionListen(Action):
    def name(self) -> str:
        return ACTION_LISTEN

    async def run(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        return []


class ActionBotResponse(Action):
    """Utters the domain response of the same name."""

    def __init__(self, response: str, *, silent_fail: bool = False) -> None:
        self.response = response
        self.silent_fail = silent_fail

    def name(self) -> str:
        return self.response

    async def run(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        message = runtime.responses.generate(self.response, tracker.slots, runtime.output_channel)
        if message is None:
            if not self.silent_fail:
                logger.error("action.response.missing", response=self.response)
            return []
        message["utter_action"] = self.response
        return [bot_utterance(message)]


class _UtteringDefault(ActionBotResponse):
    """A default action that utters its response only when the domain defines it."""

    action_name: str = ""
    response_name: str = ""

    def __init__(self) -> None:
        super().__init__(self.response_name, silent_fail=True)

    def name(self) -> str:
        return self.action_name


class ActionRestart(_UtteringDefault):
    action_name = ACTION_RESTART
    response_name = "utter_restart"

    async def run(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        return [*await super().run(runtime, tracker), Restarted()]


class ActionDefaultFallback(_UtteringDefault):
    """Utters ``utter_default`` and reverts the user message, as Rasa does."""

    action_name = ACTION_DEFAULT_FALLBACK
    response_name = "utter_default"

    async def run(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        return [*await super().run(runtime, tracker), UserUtteranceReverted()]


class ActionBack(_UtteringDefault):
    """Reverts the last two user turns."""

    action_name = ACTION_BACK
    response_name = "utter_back"

    async def run(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        return [
            *await super().run(runtime, tracker),
            UserUtteranceReverted(),
            UserUtteranceReverted(),
        ]


class ActionDefaultAskRephrase(_UtteringDefault):
    action_name = ACTION_DEFAULT_ASK_REPHRASE
    response_name = "utter_ask_rephrase"


class ActionSessionStart(Action):
    """Starts a session, carrying the previous session's slots over when configured."""

    def name(self) -> str:
        return ACTION_SESSION_START

    async def run(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        events: list[Event] = [SessionStarted()]
        if runtime.domain.session_config.carry_over_slots:
            events.extend(
                SlotSet(event.key, event.value, metadata=event.metadata)
                for event in tracker.applied_events()
                if isinstance(event, SlotSet)
            )
        events.append(ActionExecuted(ACTION_LISTEN))
        return events


class ActionDeactivateLoop(Action):
    def name(self) -> str:
        return ACTION_DEACTIVATE_LOOP

    async def run(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]


def default_actions() -> dict[str, Action]:
    actions: list[Action] = [
        ActionListen(),
        ActionRestart(),
        ActionSessionStart(),
        ActionDefaultFallback(),
        ActionDeactivateLoop(),
        ActionDefaultAskRephrase(),
        ActionBack(),
    ]
    return {action.name(): action for action in actions}
