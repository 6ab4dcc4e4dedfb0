"""One message in, the bot's replies out: Rasa 3.6's ``MessageProcessor``.

A turn starts or renews the session, logs the parsed user message, extracts slots, then
predicts and runs actions until the policy listens (at most ``max_number_of_predictions``
actions, like Rasa's circuit breaker). The conversation is saved even when a turn fails,
so nothing the user said is lost; it is also saved right after each custom action that ran,
so that an engine dying later in the turn cannot make another replica carry out what that
action did (open a case, book a visit) a second time. When the action server cannot be
reached, the turn ends with a short "system busy" reply in the user's language instead of
silence.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog

from bot.engine import metrics
from bot.engine.action_client import (
    ActionCaller,
    ActionRejected,
    ActionServerError,
    ActionServerUnavailable,
)
from bot.engine.actions.base import Action, ActionRuntime
from bot.engine.actions.extract_slots import ActionExtractSlots
from bot.engine.actions.forms import FormAction
from bot.engine.actions.registry import action_for_name
from bot.engine.actions.remote import RemoteAction
from bot.engine.constants import (
    ACTION_LISTEN,
    ACTION_SESSION_START,
    DEFAULT_MAX_NUMBER_OF_PREDICTIONS,
    INTENT_NLU_FALLBACK,
    INTENT_RESTART,
    POLICY_FOLLOWUP,
    REST_INPUT_CHANNEL,
    SESSION_START_METADATA_SLOT,
)
from bot.engine.domain import Domain
from bot.engine.events import (
    ActionExecuted,
    ActionExecutionRejected,
    BotUttered,
    Event,
    FollowupAction,
    ReminderCancelled,
    ReminderScheduled,
    SessionStarted,
    SlotSet,
    UnsupportedEventError,
    UserUttered,
    events_from_dicts,
)
from bot.engine.locks import InProcessLockStore, LockStore
from bot.engine.nlg import ResponseGenerator, bot_utterance
from bot.engine.output import CollectingOutput
from bot.engine.rule_policy import Prediction, RulePolicy
from bot.engine.tracker import Tracker
from bot.engine.tracker_store import StoredReminder, TrackerStore

logger = structlog.get_logger(__name__)


class MessageParser(Protocol):
    """Turns a user's text into Rasa's ``/model/parse`` result."""

    def parse(self, text: str) -> dict[str, Any]: ...


class ReminderSink(Protocol):
    async def schedule(self, sender_id: str, event: ReminderScheduled) -> None: ...

    async def cancel(self, sender_id: str, event: ReminderCancelled) -> None: ...


@dataclass(frozen=True, slots=True)
class UserMessage:
    """A message from a user; ``parse_data``, when given, is used instead of parsing the
    text (as Rasa's ``UserMessage.parse_data``: test stories give the annotated intent)."""

    sender_id: str
    text: str
    metadata: dict[str, Any] | None = None
    input_channel: str = REST_INPUT_CHANNEL
    parse_data: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class BusyReplies:
    """What the user reads when the action server cannot be reached, per language."""

    zh: str = "系统暂时繁忙，您刚才的信息已经保存，请稍后再发一条消息继续。"
    en: str = (
        "The system is busy right now. What you said is saved; "
        "please send another message in a moment to continue."
    )
    language_slot: str = "language"
    default_language: str = "zh"

    def for_tracker(self, tracker: Tracker) -> str:
        language = tracker.get_slot(self.language_slot) or self.default_language
        return self.en if str(language).lower().startswith("en") else self.zh


@dataclass(slots=True)
class TurnResult:
    tracker: Tracker
    messages: list[dict[str, Any]] = field(default_factory=list)


class MessageProcessor:
    def __init__(
        self,
        *,
        domain: Domain,
        policy: RulePolicy,
        responses: ResponseGenerator,
        parser: MessageParser,
        store: TrackerStore,
        client: ActionCaller | None,
        locks: LockStore | None = None,
        busy_replies: BusyReplies | None = None,
        max_number_of_predictions: int = DEFAULT_MAX_NUMBER_OF_PREDICTIONS,
        model_id: str | None = None,
        assistant_id: str | None = None,
        cached_conversations: int = 1024,
    ) -> None:
        self.domain = domain
        self.policy = policy
        self.parser = parser
        self.store = store
        self.locks = locks or InProcessLockStore()
        self.busy_replies = busy_replies or BusyReplies()
        self.max_number_of_predictions = max_number_of_predictions
        self.model_id = model_id
        self.assistant_id = assistant_id
        self.runtime = ActionRuntime(domain, responses, client)
        self.reminders: ReminderSink | None = None
        self.cached_conversations = cached_conversations
        self._trackers: OrderedDict[str, Tracker] = OrderedDict()

    # public entry points ---------------------------------------------------------------

    def parse(self, text: str) -> dict[str, Any]:
        return self.parser.parse(text)

    async def handle_message(
        self, message: UserMessage, output: CollectingOutput | None = None
    ) -> list[dict[str, Any]]:
        """Handle one user message; the replies are returned and collected in ``output``
        (so a caller still has the replies sent before an unexpected failure)."""
        output = output if output is not None else CollectingOutput()
        started = time.perf_counter()
        async with self._turn(message.sender_id) as tracker:
            await self._update_session(tracker, output, message.metadata)
            parse_data = (
                message.parse_data
                if message.parse_data is not None
                else self.parser.parse(message.text)
            )
            if parse_data.get("intent", {}).get("name") == INTENT_NLU_FALLBACK:
                metrics.NLU_FALLBACKS.inc()
            tracker.update(
                UserUttered.create_message(
                    message.text, parse_data, message.input_channel, message.metadata
                )
            )
            await self._run_extract_slots(tracker, output)
            await self._prediction_loop(tracker, output)
        metrics.TURNS.inc()
        metrics.TURN_SECONDS.observe(time.perf_counter() - started)
        return output.messages

    async def trigger_intent(
        self, sender_id: str, intent: str, entities: list[dict[str, Any]] | dict[str, Any] | None
    ) -> TurnResult:
        """Run the conversation as if the user had sent ``intent`` (an external event)."""
        output = CollectingOutput()
        async with self._turn(sender_id) as tracker:
            await self._update_session(tracker, output, None)
            await self._trigger_external(tracker, intent, entities, output)
        return TurnResult(tracker.copy(), output.messages)

    async def append_events(
        self, sender_id: str, events: Sequence[Event], *, execute_side_effects: bool = False
    ) -> Tracker:
        """Append events as ``POST /conversations/{id}/tracker/events`` does: a new
        conversation first gets its session start, unless the events bring their own;
        with ``execute_side_effects`` reminders among them are scheduled or cancelled."""
        async with self._turn(sender_id) as tracker:
            if not tracker.events and not _begins_with_session_start(events):
                await self._update_session(tracker, CollectingOutput(), None)
            for event in events:
                tracker.update(event)
            if execute_side_effects:
                await self._handle_reminders(list(events), tracker)
        return tracker.copy()

    async def conversation(self, sender_id: str) -> Tracker:
        """The full tracker; a conversation without events shows its (unsaved) session start."""
        async with self.locks.lock(sender_id):
            tracker = (await self._load(sender_id)).copy()
            tracker.model_id, tracker.assistant_id = self.model_id, self.assistant_id
            if not tracker.events:
                await self._update_session(tracker, CollectingOutput(), None)
            return tracker

    async def fire_reminder(self, reminder: StoredReminder) -> list[dict[str, Any]]:
        """Trigger a due reminder's intent unless the conversation moved on (Rasa's rules)."""
        output = CollectingOutput()
        async with self._turn(reminder.sender_id) as tracker:
            await self._update_session(tracker, output, None)
            if _reminder_is_outdated(tracker, reminder):
                logger.info(
                    "reminder.outdated", sender_id=reminder.sender_id, reminder=reminder.name
                )
            else:
                await self._trigger_external(tracker, reminder.intent, reminder.entities, output)
        return output.messages

    @asynccontextmanager
    async def _turn(self, sender_id: str) -> AsyncIterator[Tracker]:
        """A conversation, locked, loaded and saved at the end, whatever happened: a turn
        that fails keeps what it logged, and its tracker is reloaded from the store."""
        async with self.locks.lock(sender_id):
            tracker = await self._load(sender_id)
            try:
                yield tracker
            except BaseException:
                await self._save(tracker, remember=False)
                raise
            await self._save(tracker, remember=True)

    # storage -------------------------------------------------------------------------------

    async def _load(self, sender_id: str) -> Tracker:
        """The conversation's tracker: from memory when recently used, else from the store.

        With locks inside this process only this process writes a conversation, so a
        tracker kept in memory after a successful save is the stored conversation. When
        another replica may have handled the conversation since (a shared lock store), or
        the store may have dropped it (expiry), the tracker in memory is used only while
        the store holds as many events as it.
        """
        cached = self._trackers.pop(sender_id, None)
        if cached is not None and (
            not (self.locks.shared or self.store.expires_conversations)
            or await self.store.event_count(sender_id) == cached.persisted_event_count
        ):
            self._trackers[sender_id] = cached
            return cached
        events = events_from_dicts(await self.store.load_events(sender_id))
        tracker = Tracker.from_events(sender_id, events, self.domain)
        tracker.persisted_event_count = len(events)
        tracker.model_id = self.model_id
        tracker.assistant_id = self.assistant_id
        return tracker

    async def _save(self, tracker: Tracker, *, remember: bool) -> None:
        self._trackers.pop(tracker.sender_id, None)
        new_events = tracker.events[tracker.persisted_event_count :]
        await self.store.append_events(
            tracker.sender_id,
            tracker.persisted_event_count,
            [event.as_dict() for event in new_events],
        )
        tracker.persisted_event_count = len(tracker.events)
        if remember and self.cached_conversations:
            self._trackers[tracker.sender_id] = tracker
            while len(self._trackers) > self.cached_conversations:
                self._trackers.popitem(last=False)

    # the turn ------------------------------------------------------------------------------

    async def _update_session(
        self, tracker: Tracker, output: CollectingOutput, metadata: dict[str, Any] | None
    ) -> None:
        if tracker.applied_events() and not self._session_expired(tracker):
            return
        if metadata:
            tracker.update(SlotSet(SESSION_START_METADATA_SLOT, metadata))
        await self._run_action(
            action_for_name(ACTION_SESSION_START, self.domain),
            tracker,
            output,
            Prediction(ACTION_SESSION_START, 1.0, None),
        )

    def _session_expired(self, tracker: Tracker) -> bool:
        config = self.domain.session_config
        if not config.sessions_enabled:
            return False
        latest = tracker.last_user_event()
        if latest is None:
            return False
        return (time.time() - latest.timestamp) / 60 > config.expiration_minutes

    async def _trigger_external(
        self,
        tracker: Tracker,
        intent: str,
        entities: list[dict[str, Any]] | dict[str, Any] | None,
        output: CollectingOutput,
    ) -> None:
        if isinstance(entities, dict):
            entity_list = [{"entity": name, "value": value} for name, value in entities.items()]
        elif isinstance(entities, list):
            entity_list = entities
        else:
            entity_list = []
        tracker.update(
            UserUttered.create_external(intent, entity_list, tracker.get_latest_input_channel())
        )
        await self._run_extract_slots(tracker, output)
        await self._prediction_loop(tracker, output)

    async def _run_extract_slots(self, tracker: Tracker, output: CollectingOutput) -> None:
        try:
            events = await ActionExtractSlots().run(self.runtime, tracker)
        except ActionServerUnavailable as error:
            logger.warning("extract_slots.action_server_unavailable", error=str(error))
            events = self._busy_events(tracker)
        self._send_bot_messages(events, tracker, output)
        tracker.update_with_events(events, refresh_timestamps=True)

    async def _prediction_loop(self, tracker: Tracker, output: CollectingOutput) -> None:
        should_predict = True
        while should_predict and self._should_handle_message(tracker):
            if self._action_limit_reached(tracker):
                logger.warning("processor.circuit_breaker", sender_id=tracker.sender_id)
                break
            prediction = self._predict(tracker)
            action = action_for_name(prediction.action_name, self.domain)
            should_predict = await self._run_action(action, tracker, output, prediction)

    @staticmethod
    def _should_handle_message(tracker: Tracker) -> bool:
        return not tracker.paused or tracker.latest_message.intent_name == INTENT_RESTART

    def _action_limit_reached(self, tracker: Tracker) -> bool:
        if not _should_predict_another_action(tracker.latest_action_name):
            return False
        predicted = 0
        for event in reversed(tracker.events):
            if isinstance(event, ActionExecuted):
                if event.action_name in (ACTION_LISTEN, ACTION_SESSION_START):
                    break
                predicted += 1
        return predicted >= self.max_number_of_predictions

    def _predict(self, tracker: Tracker) -> Prediction:
        followup = tracker.followup_action
        if followup:
            tracker.followup_action = None
            if self.domain.has_action(followup):
                return Prediction(followup, 1.0, POLICY_FOLLOWUP)
            logger.error("processor.followup.unknown", action=followup)
        return self.policy.predict(tracker)

    async def _run_action(
        self, action: Action, tracker: Tracker, output: CollectingOutput, prediction: Prediction
    ) -> bool:
        temporary = tracker.copy()
        temporary.update_with_events(prediction.events, refresh_timestamps=True)
        try:
            events = await action.run(self.runtime, temporary)
        except ActionRejected:
            tracker.update(
                ActionExecutionRejected(
                    action.name(), prediction.policy_name, prediction.confidence
                )
            )
            return _should_predict_another_action(action.name())
        except ActionServerUnavailable as error:
            logger.warning(
                "action.action_server_unavailable", action=action.name(), error=str(error)
            )
            # A custom session start that cannot run loses its events, as in Rasa, but
            # still ends with the listen it would have logged, so the user's message is
            # handled as usual; any other action ends the turn with the busy reply.
            if action.name() == ACTION_SESSION_START:
                events = [ActionExecuted(ACTION_LISTEN)]
            else:
                events = self._busy_events(tracker, action)
        except (ActionServerError, UnsupportedEventError) as error:
            # Rasa drops such a result as a whole and goes on predicting.
            logger.error(
                "action.result.refused",
                action=action.name(),
                sender_id=tracker.sender_id,
                error=str(error),
            )
            events = []
        except Exception:
            logger.exception("action.failed", action=action.name(), sender_id=tracker.sender_id)
            events = []
        self._log_action(tracker, action, events, prediction)
        if isinstance(action, RemoteAction):
            await self._save(tracker, remember=False)
        if any(isinstance(event, UserUttered) for event in events):
            await self._run_extract_slots(tracker, output)
        self._send_bot_messages(events, tracker, output)
        await self._handle_reminders(events, tracker)
        return _should_predict_another_action(action.name())

    def _log_action(
        self, tracker: Tracker, action: Action, events: list[Event], prediction: Prediction
    ) -> None:
        if not any(isinstance(event, ActionExecutionRejected) for event in events):
            tracker.update_with_events(prediction.events, refresh_timestamps=True)
            tracker.update(action.event_for_successful_execution(prediction))
        tracker.update_with_events(events, refresh_timestamps=True)

    def _busy_events(self, tracker: Tracker, action: Action | None = None) -> list[Event]:
        """Tell the user to come back, end the turn, and keep nothing unvalidated: slots a
        form could not validate go back to their values from before the message."""
        events: list[Event] = []
        if isinstance(action, FormAction):
            events.extend(_restore_form_candidates(tracker, action, self.domain))
        events.append(bot_utterance({"text": self.busy_replies.for_tracker(tracker)}))
        events.append(FollowupAction(ACTION_LISTEN))
        return events

    @staticmethod
    def _send_bot_messages(events: list[Event], tracker: Tracker, output: CollectingOutput) -> None:
        for event in events:
            if isinstance(event, BotUttered):
                output.send(tracker.sender_id, event)

    async def _handle_reminders(self, events: list[Event], tracker: Tracker) -> None:
        for event in events:
            if isinstance(event, ReminderScheduled | ReminderCancelled) and self.reminders is None:
                logger.warning("reminder.no_scheduler", sender_id=tracker.sender_id)
            elif isinstance(event, ReminderScheduled) and self.reminders is not None:
                await self.reminders.schedule(tracker.sender_id, event)
            elif isinstance(event, ReminderCancelled) and self.reminders is not None:
                await self.reminders.cancel(tracker.sender_id, event)


def _should_predict_another_action(action_name: str | None) -> bool:
    return action_name not in (ACTION_LISTEN, ACTION_SESSION_START)


def _begins_with_session_start(events: Sequence[Event]) -> bool:
    return (
        len(events) >= 2
        and isinstance(events[0], ActionExecuted)
        and events[0].action_name == ACTION_SESSION_START
        and isinstance(events[1], SessionStarted)
    )


def _reminder_is_outdated(tracker: Tracker, reminder: StoredReminder) -> bool:
    def is_this_reminder(event: Event) -> bool:
        return isinstance(event, ReminderScheduled) and event.name == reminder.name

    still_valid = any(is_this_reminder(event) for event in tracker.applied_events())
    message_after = True
    for event in reversed(tracker.events):
        if is_this_reminder(event):
            message_after = False
            break
        if isinstance(event, UserUttered) and event.text:
            break
    return (reminder.kill_on_user_message and message_after) or not still_valid


def _restore_form_candidates(tracker: Tracker, form: FormAction, domain: Domain) -> list[Event]:
    latest_user_index = next(
        (
            index
            for index in range(len(tracker.events) - 1, -1, -1)
            if tracker.events[index] is tracker.latest_message
        ),
        None,
    )
    if latest_user_index is None:
        return []
    before = Tracker.from_events(tracker.sender_id, tracker.events[:latest_user_index], domain)
    required = set(domain.required_slots(form.name()))
    changed = {
        event.key
        for event in tracker.events[latest_user_index:]
        if isinstance(event, SlotSet) and event.key in required
    }
    return [SlotSet(name, before.get_slot(name)) for name in sorted(changed)]
