"""Conversation events with Rasa 3.6's JSON shapes and effects on the tracker.

Every event serialises exactly as Rasa's ``Event.as_dict`` does, so trackers stored by
the engine, served on ``/conversations/{id}/tracker`` and sent to the action server look
the same as a Rasa server's.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from bot.engine.constants import (
    ACTION_LISTEN,
    ACTION_SESSION_START,
    ENTITY_LABEL_SEPARATOR,
    EXTERNAL_MESSAGE_PREFIX,
    IS_EXTERNAL,
)

if TYPE_CHECKING:
    from bot.engine.tracker import Tracker


class UnsupportedEventError(ValueError):
    """An event type Rasa 3.6 does not know or the engine cannot apply."""

    def __init__(self, type_name: Any) -> None:
        self.type_name = type_name
        super().__init__(f"unsupported event type {type_name!r}")


class Event:
    type_name: ClassVar[str] = "event"

    def __init__(self, timestamp: float | None = None, metadata: dict[str, Any] | None = None):
        self.timestamp = timestamp or time.time()
        self.metadata = metadata or {}

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"event": self.type_name, "timestamp": self.timestamp}
        if self.metadata:
            data["metadata"] = self.metadata
        return data

    def apply_to(self, tracker: Tracker) -> None:
        """Events without an effect on the conversation state keep this default."""

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> Event:
        return cls(parameters.get("timestamp"), parameters.get("metadata"))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.as_dict()!r})"


class UserUttered(Event):
    type_name = "user"

    def __init__(
        self,
        text: str | None = None,
        intent: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
        parse_data: dict[str, Any] | None = None,
        timestamp: float | None = None,
        input_channel: str | None = None,
        message_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        use_text_for_featurization: bool | None = None,
    ) -> None:
        self.text = text
        self.intent = intent or {}
        self.entities = entities or []
        self.input_channel = input_channel
        self.message_id = message_id
        super().__init__(timestamp, metadata)
        self.use_text_for_featurization = use_text_for_featurization
        if self.text and not self.intent_name:
            self.use_text_for_featurization = True
        elif self.intent_name and not self.text:
            self.use_text_for_featurization = False
        self.parse_data: dict[str, Any] = {
            "intent": self.intent,
            "entities": list(self.entities),
            "text": self.text,
            "message_id": self.message_id,
            "metadata": self.metadata,
        }
        if parse_data:
            self.parse_data.update(parse_data)

    @property
    def intent_name(self) -> str | None:
        return self.intent.get("name")

    def is_empty(self) -> bool:
        return not self.text and not self.intent_name and not self.entities

    def same_message_as(self, other: UserUttered) -> bool:
        """Rasa's notion of equal user messages: same text, intent and entities."""
        return (self.text, self.intent_name, _sorted_items(self.entities)) == (
            other.text,
            other.intent_name,
            _sorted_items(other.entities),
        )

    def entity_labels(self) -> list[str]:
        """Entity names plus ``entity#role`` / ``entity#group`` labels, as Rasa features them."""
        labels = [entity.get("entity") for entity in self.entities]
        labels += [
            f"{entity.get('entity')}{ENTITY_LABEL_SEPARATOR}{entity.get('role')}"
            for entity in self.entities
            if "role" in entity
        ]
        labels += [
            f"{entity.get('entity')}{ENTITY_LABEL_SEPARATOR}{entity.get('group')}"
            for entity in self.entities
            if "group" in entity
        ]
        return labels

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data.update(
            {
                "text": self.text,
                "parse_data": self.parse_data,
                "input_channel": self.input_channel,
                "message_id": self.message_id,
                "metadata": self.metadata,
            }
        )
        return data

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> UserUttered:
        parse_data = parameters.get("parse_data") or {}
        return cls(
            parameters.get("text"),
            parse_data.get("intent"),
            parse_data.get("entities", []),
            parse_data,
            parameters.get("timestamp"),
            parameters.get("input_channel"),
            parameters.get("message_id"),
            parameters.get("metadata"),
        )

    def apply_to(self, tracker: Tracker) -> None:
        tracker.latest_message = self
        tracker.followup_action = None

    @classmethod
    def create_external(
        cls, intent_name: str, entities: list[dict[str, Any]], input_channel: str | None
    ) -> UserUttered:
        return cls(
            text=f"{EXTERNAL_MESSAGE_PREFIX}{intent_name}",
            intent={"name": intent_name},
            metadata={IS_EXTERNAL: True},
            entities=entities,
            input_channel=input_channel,
        )

    @classmethod
    def create_message(
        cls,
        text: str,
        parse_data: dict[str, Any],
        input_channel: str | None,
        metadata: dict[str, Any] | None,
    ) -> UserUttered:
        return cls(
            text,
            parse_data.get("intent"),
            parse_data.get("entities"),
            parse_data,
            input_channel=input_channel,
            message_id=uuid.uuid4().hex,
            metadata=metadata,
        )


class DefinePrevUserUtteredFeaturization(Event):
    type_name = "user_featurization"

    def __init__(
        self,
        use_text_for_featurization: bool,
        timestamp: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(timestamp, metadata)
        self.use_text_for_featurization = use_text_for_featurization

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["use_text_for_featurization"] = self.use_text_for_featurization
        return data

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> Event:
        return cls(
            parameters.get("use_text_for_featurization"),
            parameters.get("timestamp"),
            parameters.get("metadata"),
        )

    def apply_to(self, tracker: Tracker) -> None:
        if tracker.latest_action_name == ACTION_LISTEN and tracker.latest_message:
            tracker.latest_message.use_text_for_featurization = self.use_text_for_featurization


class EntitiesAdded(Event):
    type_name = "entities"

    def __init__(
        self,
        entities: list[dict[str, Any]],
        timestamp: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(timestamp, metadata)
        self.entities = entities

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["entities"] = self.entities
        return data

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> Event:
        return cls(
            parameters.get("entities") or [],
            parameters.get("timestamp"),
            parameters.get("metadata"),
        )

    def apply_to(self, tracker: Tracker) -> None:
        if tracker.latest_action_name != ACTION_LISTEN:
            return
        for entity in self.entities:
            if entity not in tracker.latest_message.entities:
                tracker.latest_message.entities.append(entity)


class BotUttered(Event):
    type_name = "bot"

    def __init__(
        self,
        text: str | None = None,
        data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        timestamp: float | None = None,
    ) -> None:
        self.text = text
        self.data = data or {}
        super().__init__(timestamp, metadata)

    def message(self) -> dict[str, Any]:
        """The message as Rasa hands it to an output channel."""
        message = dict(self.data)
        message["text"] = self.text
        message["timestamp"] = self.timestamp
        message.update(self.metadata)
        if message.get("image") == message.get("attachment"):
            message["attachment"] = None
        return message

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data.update({"text": self.text, "data": self.data, "metadata": self.metadata})
        return data

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> Event:
        return cls(
            parameters.get("text"),
            parameters.get("data"),
            parameters.get("metadata"),
            parameters.get("timestamp"),
        )

    def apply_to(self, tracker: Tracker) -> None:
        tracker.latest_bot_utterance = self


class SlotSet(Event):
    type_name = "slot"

    def __init__(
        self,
        key: str,
        value: Any = None,
        timestamp: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.key = key
        self.value = value
        super().__init__(timestamp, metadata)

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data.update({"name": self.key, "value": self.value})
        return data

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> Event:
        return cls(
            parameters.get("name"),
            parameters.get("value"),
            parameters.get("timestamp"),
            parameters.get("metadata"),
        )

    def apply_to(self, tracker: Tracker) -> None:
        tracker.set_slot(self.key, self.value)


class Restarted(Event):
    type_name = "restart"

    def apply_to(self, tracker: Tracker) -> None:
        tracker.reset()
        tracker.followup_action = ACTION_SESSION_START


class UserUtteranceReverted(Event):
    type_name = "rewind"

    def apply_to(self, tracker: Tracker) -> None:
        tracker.reset()
        tracker.replay_events()


class ActionReverted(Event):
    type_name = "undo"

    def apply_to(self, tracker: Tracker) -> None:
        tracker.reset()
        tracker.replay_events()


class AllSlotsReset(Event):
    type_name = "reset_slots"

    def apply_to(self, tracker: Tracker) -> None:
        tracker.reset_slots()


class ConversationPaused(Event):
    type_name = "pause"

    def apply_to(self, tracker: Tracker) -> None:
        tracker.paused = True


class ConversationResumed(Event):
    type_name = "resume"

    def apply_to(self, tracker: Tracker) -> None:
        tracker.paused = False


class SessionStarted(Event):
    type_name = "session_started"

    def apply_to(self, tracker: Tracker) -> None:
        tracker.reset()


class FollowupAction(Event):
    type_name = "followup"

    def __init__(
        self, name: str, timestamp: float | None = None, metadata: dict[str, Any] | None = None
    ) -> None:
        self.action_name = name
        super().__init__(timestamp, metadata)

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["name"] = self.action_name
        return data

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> Event:
        return cls(parameters.get("name"), parameters.get("timestamp"), parameters.get("metadata"))

    def apply_to(self, tracker: Tracker) -> None:
        tracker.followup_action = self.action_name


class ActionExecuted(Event):
    type_name = "action"

    def __init__(
        self,
        action_name: str | None = None,
        policy: str | None = None,
        confidence: float | None = None,
        timestamp: float | None = None,
        metadata: dict[str, Any] | None = None,
        action_text: str | None = None,
        hide_rule_turn: bool = False,
    ) -> None:
        if action_name is None and action_text is None:
            raise ValueError("an action event needs an action name")
        self.action_name = action_name
        self.policy = policy
        self.confidence = confidence
        self.action_text = action_text
        self.hide_rule_turn = hide_rule_turn
        #: Set on a rule's first action: training never learns to predict it.
        self.unpredictable = False
        super().__init__(timestamp, metadata)

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data.update(
            {
                "name": self.action_name,
                "policy": self.policy,
                "confidence": self.confidence,
                "action_text": self.action_text,
                "hide_rule_turn": self.hide_rule_turn,
            }
        )
        return data

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> Event:
        return cls(
            parameters.get("name"),
            parameters.get("policy"),
            parameters.get("confidence"),
            parameters.get("timestamp"),
            parameters.get("metadata"),
            parameters.get("action_text"),
            parameters.get("hide_rule_turn", False),
        )

    def as_sub_state(self) -> dict[str, str]:
        if self.action_name:
            return {"action_name": self.action_name}
        return {"action_text": self.action_text or ""}

    def apply_to(self, tracker: Tracker) -> None:
        tracker.set_latest_action(self.as_sub_state())
        tracker.followup_action = None


class AgentUttered(Event):
    type_name = "agent"

    def __init__(
        self,
        text: str | None = None,
        data: Any = None,
        timestamp: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.text = text
        self.data = data
        super().__init__(timestamp, metadata)

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data.update({"text": self.text, "data": self.data})
        return data

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> Event:
        return cls(
            parameters.get("text"),
            parameters.get("data"),
            parameters.get("timestamp"),
            parameters.get("metadata"),
        )


class ActiveLoop(Event):
    type_name = "active_loop"

    def __init__(
        self,
        name: str | None,
        timestamp: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        super().__init__(timestamp, metadata)

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["name"] = self.name
        return data

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> Event:
        return cls(parameters.get("name"), parameters.get("timestamp"), parameters.get("metadata"))

    def apply_to(self, tracker: Tracker) -> None:
        tracker.change_loop_to(self.name)


class LoopInterrupted(Event):
    type_name = "loop_interrupted"

    def __init__(
        self,
        is_interrupted: bool,
        timestamp: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(timestamp, metadata)
        self.is_interrupted = is_interrupted

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["is_interrupted"] = self.is_interrupted
        return data

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> Event:
        return cls(
            parameters.get("is_interrupted", False),
            parameters.get("timestamp"),
            parameters.get("metadata"),
        )

    def apply_to(self, tracker: Tracker) -> None:
        if tracker.active_loop is not None:
            tracker.active_loop.is_interrupted = self.is_interrupted


class ActionExecutionRejected(Event):
    type_name = "action_execution_rejected"

    def __init__(
        self,
        action_name: str,
        policy: str | None = None,
        confidence: float | None = None,
        timestamp: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.action_name = action_name
        self.policy = policy
        self.confidence = confidence
        super().__init__(timestamp, metadata)

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data.update(
            {"name": self.action_name, "policy": self.policy, "confidence": self.confidence}
        )
        return data

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> Event:
        return cls(
            parameters.get("name"),
            parameters.get("policy"),
            parameters.get("confidence"),
            parameters.get("timestamp"),
            parameters.get("metadata"),
        )

    def apply_to(self, tracker: Tracker) -> None:
        if tracker.active_loop is not None and self.action_name == tracker.active_loop_name:
            tracker.active_loop.rejected = True


class ReminderScheduled(Event):
    type_name = "reminder"

    def __init__(
        self,
        intent: str,
        trigger_date_time: datetime,
        entities: list[dict[str, Any]] | dict[str, Any] | None = None,
        name: str | None = None,
        kill_on_user_message: bool = True,
        timestamp: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.intent = intent
        self.entities = entities
        self.trigger_date_time = trigger_date_time
        self.kill_on_user_message = kill_on_user_message
        self.name = name if name is not None else str(uuid.uuid1())
        super().__init__(timestamp, metadata)

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data.update(
            {
                "intent": self.intent,
                "date_time": self.trigger_date_time.isoformat(),
                "entities": self.entities,
                "name": self.name,
                "kill_on_user_msg": self.kill_on_user_message,
            }
        )
        return data

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> Event:
        raw_date = parameters.get("date_time")
        try:
            trigger = datetime.fromisoformat(str(raw_date))
        except ValueError as error:
            raise UnsupportedEventError(f"reminder with date_time {raw_date!r}") from error
        return cls(
            parameters.get("intent") or "",
            trigger,
            parameters.get("entities"),
            name=parameters.get("name"),
            kill_on_user_message=parameters.get("kill_on_user_msg", True),
            timestamp=parameters.get("timestamp"),
            metadata=parameters.get("metadata"),
        )


class ReminderCancelled(Event):
    """Cancels reminders; like Rasa, its serialised form keeps only the event type."""

    type_name = "cancel_reminder"

    def __init__(
        self,
        name: str | None = None,
        intent: str | None = None,
        entities: list[dict[str, Any]] | dict[str, Any] | None = None,
        timestamp: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.intent = intent
        self.entities = entities
        super().__init__(timestamp, metadata)

    @classmethod
    def _from_parameters(cls, parameters: dict[str, Any]) -> Event:
        return cls(
            parameters.get("name"),
            parameters.get("intent"),
            parameters.get("entities"),
            parameters.get("timestamp"),
            parameters.get("metadata"),
        )

    def cancels(self, name: str, intent: str, entities: Any) -> bool:
        """Whether a reminder with these properties is cancelled (unset fields match all)."""
        return (
            (not self.name or self.name == name)
            and (not self.intent or self.intent == intent)
            and (not self.entities or str(self.entities) == str(entities))
        )


_EVENT_TYPES: dict[str, Callable[[dict[str, Any]], Event]] = {
    cls.type_name: cls._from_parameters
    for cls in (
        UserUttered,
        DefinePrevUserUtteredFeaturization,
        EntitiesAdded,
        BotUttered,
        SlotSet,
        Restarted,
        UserUtteranceReverted,
        ActionReverted,
        AllSlotsReset,
        ConversationPaused,
        ConversationResumed,
        SessionStarted,
        FollowupAction,
        ActionExecuted,
        AgentUttered,
        ActiveLoop,
        LoopInterrupted,
        ActionExecutionRejected,
        ReminderScheduled,
        ReminderCancelled,
    )
}
SUPPORTED_EVENT_TYPES = frozenset(_EVENT_TYPES)


def event_from_dict(data: dict[str, Any]) -> Event:
    if not isinstance(data, dict):
        raise UnsupportedEventError(type(data).__name__)
    type_name = data.get("event")
    factory = _EVENT_TYPES.get(type_name) if isinstance(type_name, str) else None
    if factory is None:
        raise UnsupportedEventError(type_name)
    if type_name == "action" and data.get("name") is None and data.get("action_text") is None:
        raise UnsupportedEventError("action without a name")
    if type_name == "slot" and not isinstance(data.get("name"), str):
        raise UnsupportedEventError("slot without a name")
    return factory(data)


def events_from_dicts(items: Iterable[dict[str, Any]]) -> list[Event]:
    """Deserialise events; raises :class:`UnsupportedEventError` on the first unknown one."""
    return [event_from_dict(item) for item in items]


def _sorted_items(entities: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(sorted(entity), default=str) for entity in entities]
