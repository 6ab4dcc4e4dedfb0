"""What every action shares: its name, how it runs and what it may use while running."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from bot.engine.action_client import ActionCaller
from bot.engine.constants import COLLECTOR_CHANNEL
from bot.engine.domain import Domain
from bot.engine.events import ActionExecuted, Event
from bot.engine.nlg import ResponseGenerator
from bot.engine.rule_policy import Prediction
from bot.engine.tracker import Tracker


@dataclass(frozen=True, slots=True)
class ActionRuntime:
    """Everything an action may use: the domain, the responses and the action server."""

    domain: Domain
    responses: ResponseGenerator
    client: ActionCaller | None
    output_channel: str = COLLECTOR_CHANNEL

    def action(self, name: str) -> Action:
        # Resolved here rather than imported at module level: forms ask for slots through
        # other actions, and the registry itself knows forms.
        from bot.engine.actions.registry import action_for_name

        return action_for_name(name, self.domain)


class Action(ABC):
    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    async def run(self, runtime: ActionRuntime, tracker: Tracker) -> list[Event]:
        """Return the events to log; the processor applies them to the conversation."""

    def event_for_successful_execution(self, prediction: Prediction) -> ActionExecuted:
        return ActionExecuted(
            self.name(),
            prediction.policy_name,
            prediction.confidence,
            hide_rule_turn=prediction.hide_rule_turn,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name()!r})"
