"""One browser's messages through the pipeline the Telegram front end uses: flood guard,
conversation log, handoff check, the engine's REST channel, and the answer back.

While a person has the conversation (`bot.channel.handoffs`) messages go to the agents only;
once the handoff has ended the engine gets the conversation back. While the engine cannot be
reached, messages are kept in order and the consumer is told once; they are sent before
anything newer, with the next message or as soon as the engine is back (`bot.webchat.replay`).
A photo is stored with the consumer's open case (or held until there is one) and passed to
the engine in the message's metadata, as Telegram photos are.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import structlog

from bot.channel.handoffs import HandoffWatch, PersonState
from bot.telegram.agents.texts import AGENT_FINISHED
from bot.telegram.api_client import AftersalesApi, ApiRejected, ApiUnavailable, FileUpload
from bot.telegram.conversation_log import ConversationLog, LogEntry
from bot.telegram.engine_client import EngineClient, EngineFailed, EngineUnreachable
from bot.telegram.language import Language
from bot.telegram.payloads import chosen_language, intent_payload, reads_as_payload
from bot.telegram.rate_limits import Admission, FloodGuard
from bot.telegram.texts import (
    BUSY_RETRY,
    BUSY_SAVED,
    FILE_NOT_ACCEPTED,
    FILE_NOT_SAVED,
    FILE_TOO_LARGE,
    FILE_TYPE_NOT_ACCEPTED,
    TOO_MANY_MESSAGES,
    Bilingual,
    size_label,
)
from bot.webchat.messages import log_text, notice, present
from bot.webchat.sessions import ChatSession, HeldPhoto, KeptMessage
from bot.webchat.settings import WebChatSettings
from bot.webchat.texts import (
    BUTTON_EXPIRED,
    EMPTY_MESSAGE,
    NOT_A_PHOTO,
    TEXT_TOO_LONG,
    TYPED_PAYLOAD,
    WITH_THE_AGENTS,
)

log = structlog.get_logger(__name__)

CHANNEL = "web"
PHOTO_KIND = "fault_photo"
MAX_HELD_PHOTOS = 5
HELD_PHOTO_TTL_SECONDS = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Turn:
    """What the page shows after one message: the answer, and the HTTP status to send."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    status: int = HTTPStatus.OK
    agent_holds: bool = False

    def body(self) -> dict[str, Any]:
        return {"messages": self.messages, "agent_holds": self.agent_holds}


@dataclass(frozen=True, slots=True)
class Photo:
    content: bytes
    file_name: str
    media_type: str | None


def engine_metadata(
    session: ChatSession, message_id: str, attachments: list[dict[str, Any]]
) -> dict[str, Any]:
    """What the engine learns about a web message beside its text (the same keys as a
    Telegram message's, with the session in place of the chat)."""
    return {
        "language": session.language,
        "channel": CHANNEL,
        "session_id": session.id,
        "message_id": message_id,
        "attachments": attachments,
    }


class WebChatPipeline:
    def __init__(
        self,
        *,
        engine: EngineClient,
        api: AftersalesApi,
        handoffs: HandoffWatch,
        conversation_log: ConversationLog,
        flood: FloodGuard,
        settings: WebChatSettings,
    ) -> None:
        self._engine = engine
        self._api = api
        self._handoffs = handoffs
        self._log = conversation_log
        self._flood = flood
        self._settings = settings

    async def say(self, session: ChatSession, text: str, message_id: str) -> Turn:
        if refused := self._refused_flood(session):
            return refused
        text = text.strip()
        if not text:
            return Turn([notice(session, EMPTY_MESSAGE)], HTTPStatus.UNPROCESSABLE_ENTITY)
        limit = self._settings.max_text_chars
        if len(text) > limit:
            answer = notice(session, TEXT_TOO_LONG, limit=limit)
            return Turn([answer], HTTPStatus.UNPROCESSABLE_ENTITY)
        async with session.turn:
            self._record_in(session, text, message_id)
            if reads_as_payload(text):
                # Typed payload syntax could set any slot; only offered buttons may send it.
                return self._own_words(session, message_id, TYPED_PAYLOAD)
            return await self._converse(session, text, message_id)

    async def choose(self, session: ChatSession, key: str, message_id: str) -> Turn:
        if refused := self._refused_flood(session):
            return refused
        async with session.turn:
            button = session.take_button(key)
            if button is None:
                return self._own_words(session, message_id, BUTTON_EXPIRED)
            self._record_in(session, button.title, message_id)
            language = chosen_language(button.payload)
            if language is not None:
                session.language = language
            return await self._converse(session, button.payload, message_id)

    async def switch_language(
        self, session: ChatSession, language: Language, message_id: str
    ) -> Turn:
        """The page's language switch: the engine is told, as Telegram's ``/lang`` does."""
        if refused := self._refused_flood(session):
            return refused
        async with session.turn:
            session.language = language
            self._record_in(session, f"[language: {language}]", message_id)
            payload = intent_payload("set_language", {"language": language})
            return await self._converse(session, payload, message_id)

    async def send_photo(
        self, session: ChatSession, photo: Photo, caption: str, message_id: str
    ) -> Turn:
        if refused := self._refused_flood(session):
            return refused
        if photo.media_type is None or not photo.media_type.startswith("image/"):
            return Turn([notice(session, NOT_A_PHOTO)], HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        if len(photo.content) > self._settings.max_upload_bytes:
            too_large = notice(
                session, FILE_TOO_LARGE, limit=size_label(self._settings.max_upload_bytes)
            )
            return Turn([too_large], HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        caption = caption.strip()[: self._settings.max_text_chars]
        async with session.turn:
            try:
                attachment_id, media_type = await self._keep(session, photo)
            except _Refused as refusal:
                self._record_in(session, caption or "[photo]", message_id)
                answer = notice(session, refusal.text, **refusal.values)
                self._record_out(session, [answer], message_id)
                return Turn([answer], refusal.status)
            self._record_in(session, caption or "[photo]", message_id, attachment_id)
            typed = caption and not reads_as_payload(caption)
            text = caption if typed else intent_payload("inform")
            attachments = [
                {"attachment_id": attachment_id, "kind": "photo", "media_type": media_type}
            ]
            return await self._converse(session, text, message_id, attachments)

    async def _converse(
        self,
        session: ChatSession,
        message: str,
        message_id: str,
        attachments: list[dict[str, Any]] | None = None,
    ) -> Turn:
        conversation_id = session.conversation_id
        person = await self._handoffs.state(conversation_id)
        if person.assistant_stands_aside:
            log.info("webchat.person_has_it", conversation_id=conversation_id, state=person)
            return self._with_the_agents(session, person, message_id)
        session.told_waiting = False
        shown = session.take_unshown()
        kept = KeptMessage(
            message, message_id, engine_metadata(session, message_id, list(attachments or []))
        )
        try:
            if person is PersonState.NOBODY and session.may_be_paused:
                shown += await self._hand_back(session, message_id)
            replayed, all_sent = await self.replay_kept(session)
            shown += replayed
            if not all_sent:
                raise EngineUnreachable("kept messages are still waiting for the engine")
            shown += await self._ask(session, kept)
        except EngineUnreachable as error:
            log.warning(
                "webchat.engine_unreachable", conversation_id=conversation_id, error=str(error)
            )
            shown += self._keep_for_engine(session, kept)
            return Turn(shown)
        except EngineFailed as error:
            log.warning("webchat.engine_failed", conversation_id=conversation_id, error=str(error))
            shown += self._own_words(session, message_id, BUSY_RETRY).messages
            return Turn(shown)
        await self._attach_held(session)
        return Turn(shown)

    async def replay_kept(self, session: ChatSession) -> tuple[list[dict[str, Any]], bool]:
        """Send the kept messages to the engine, oldest first: the answers shown, and whether
        every kept message was sent (False: the engine is still out of reach)."""
        shown: list[dict[str, Any]] = []
        while session.kept:
            kept = session.kept[0]
            try:
                shown += await self._ask(session, kept)
            except EngineUnreachable:
                return shown, False
            except EngineFailed as error:
                # The engine may have recorded it: sending it again could repeat the turn.
                log.warning("webchat.replay_failed", session=session.id, error=str(error))
                shown += self._own_words(session, kept.message_id, BUSY_RETRY).messages
            session.kept.pop(0)
            log.info("webchat.replayed", session=session.id, message_id=kept.message_id)
        return shown, True

    async def _ask(self, session: ChatSession, kept: KeptMessage) -> list[dict[str, Any]]:
        answer = await self._engine.send(session.conversation_id, kept.message, kept.metadata)
        shown = [shown for item in answer if (shown := present(session, item)) is not None]
        self._record_out(session, shown, kept.message_id)
        return shown

    async def _hand_back(self, session: ChatSession, message_id: str) -> list[dict[str, Any]]:
        """Give a conversation paused for a person, whose handoff has ended, back to the
        engine, and tell the consumer the assistant is back."""
        try:
            paused = await self._engine.is_paused(session.conversation_id)
        except EngineFailed as error:
            # An engine without the tracker api (a Rasa server without --enable-api) still
            # answers messages: carry on without the hand-back rather than refuse them all.
            log.warning("webchat.pause_unknown", session=session.id, error=str(error))
            session.may_be_paused = False
            return []
        if not paused:
            session.may_be_paused = False
            return []
        try:
            await self._engine.resume(session.conversation_id)
        except EngineFailed as error:
            log.warning("webchat.hand_back_failed", session=session.id, error=str(error))
            return []  # tried again with the next message
        session.may_be_paused = False
        log.info("webchat.handed_back", session=session.id)
        return self._own_words(session, f"{message_id}:resumed", AGENT_FINISHED).messages

    def _with_the_agents(self, session: ChatSession, person: PersonState, message_id: str) -> Turn:
        session.may_be_paused = True
        if person is PersonState.AGENT or session.told_waiting:
            return Turn(agent_holds=person is PersonState.AGENT)
        session.told_waiting = True
        return self._own_words(session, message_id, WITH_THE_AGENTS)

    def _keep_for_engine(self, session: ChatSession, kept: KeptMessage) -> list[dict[str, Any]]:
        """Keep the message for the engine; the consumer is told with the first one kept."""
        told = bool(session.kept)
        if not session.keep(kept):
            return self._own_words(session, kept.message_id, BUSY_RETRY).messages
        if told:
            return []
        return self._own_words(session, kept.message_id, BUSY_SAVED).messages

    def _refused_flood(self, session: ChatSession) -> Turn | None:
        if self._flood.admit(session.id) is Admission.ADMIT:
            return None
        return Turn([notice(session, TOO_MANY_MESSAGES)], HTTPStatus.TOO_MANY_REQUESTS)

    def _own_words(self, session: ChatSession, message_id: str, text: Bilingual) -> Turn:
        answer = notice(session, text)
        self._record_out(session, [answer], message_id)
        return Turn([answer])

    async def _keep(self, session: ChatSession, photo: Photo) -> tuple[int | None, str | None]:
        """Attach the photo to the open case: its attachment id and detected type; (None,
        declared type) while it is held for a case to come."""
        case_id = await self._open_case(session)
        if case_id is not None:
            try:
                return await self._attach(session, case_id, photo)
            except ApiUnavailable as error:
                log.warning("webchat.photo_deferred", session=session.id, error=str(error))
        self._hold(session, photo)
        return None, photo.media_type

    async def _attach(self, session: ChatSession, case_id: int, photo: Photo) -> tuple[int, str]:
        upload = FileUpload(
            content=photo.content,
            file_name=photo.file_name,
            declared_type=photo.media_type,
            kind=PHOTO_KIND,
        )
        try:
            uploaded = await self._api.attach(session.conversation_id, case_id, upload)
        except ApiRejected as rejection:
            log.info("webchat.photo_refused", status=rejection.status, code=rejection.code)
            raise _Refused.of(rejection) from rejection
        return uploaded.id, uploaded.media_type

    def _hold(self, session: ChatSession, photo: Photo) -> None:
        now = time.time()
        session.held_photos = [
            held for held in session.held_photos if now - held.received_at < HELD_PHOTO_TTL_SECONDS
        ]
        if len(session.held_photos) >= MAX_HELD_PHOTOS:
            raise _Refused(FILE_NOT_SAVED, HTTPStatus.SERVICE_UNAVAILABLE)
        session.held_photos.append(
            HeldPhoto(photo.content, photo.file_name, photo.media_type, received_at=now)
        )

    async def _attach_held(self, session: ChatSession) -> None:
        if not session.held_photos:
            return
        case_id = await self._open_case(session)
        if case_id is None:
            return
        for held in list(session.held_photos):
            try:
                await self._attach(
                    session, case_id, Photo(held.content, held.file_name, held.media_type)
                )
            except ApiUnavailable:
                return
            except _Refused as refusal:
                log.info("webchat.held_photo_refused", session=session.id, status=refusal.status)
            session.held_photos.remove(held)
            log.info("webchat.held_photo_attached", session=session.id, case_id=case_id)

    async def _open_case(self, session: ChatSession) -> int | None:
        try:
            return await self._api.newest_open_case(session.conversation_id)
        except (ApiUnavailable, ApiRejected) as error:
            log.warning("webchat.case_lookup_failed", session=session.id, error=str(error))
            return None

    def _record_in(
        self,
        session: ChatSession,
        text: str,
        message_id: str,
        attachment_id: int | None = None,
    ) -> None:
        self._log.record(
            LogEntry(
                conversation_id=session.conversation_id,
                direction="in",
                text=text,
                channel_message_id=message_id,
                sent_at=datetime.now(UTC),
                attachment_id=attachment_id,
            )
        )

    def _record_out(
        self, session: ChatSession, messages: list[dict[str, Any]], message_id: str
    ) -> None:
        record_shown(self._log, session, messages, f"{message_id}:reply")


def record_shown(
    conversation_log: ConversationLog,
    session: ChatSession,
    messages: list[dict[str, Any]],
    prefix: str,
) -> None:
    """Log messages shown to the page; ``prefix`` makes each one's id unique and stable."""
    for number, message in enumerate(messages, start=1):
        conversation_log.record(
            LogEntry(
                conversation_id=session.conversation_id,
                direction="out",
                text=log_text(message),
                channel_message_id=f"{prefix}:{number}",
                sent_at=datetime.now(UTC),
            )
        )


class _Refused(Exception):
    def __init__(self, text: Bilingual, status: int, **values: Any) -> None:
        super().__init__(text.en)
        self.text = text
        self.status = status
        self.values = values

    @classmethod
    def of(cls, rejection: ApiRejected) -> _Refused:
        if rejection.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE:
            limit = rejection.extra.get("max_bytes")
            if isinstance(limit, int):
                return cls(FILE_TOO_LARGE, rejection.status, limit=size_label(limit))
        if rejection.status == HTTPStatus.UNSUPPORTED_MEDIA_TYPE:
            return cls(FILE_TYPE_NOT_ACCEPTED, rejection.status)
        return cls(FILE_NOT_ACCEPTED, HTTPStatus.UNPROCESSABLE_ENTITY)
