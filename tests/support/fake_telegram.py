"""A fake Telegram Bot API server, served over real HTTP, for tests and benchmarks.

It answers the Bot API paths a client such as aiogram uses (``/bot<token>/<method>`` and
``/file/bot<token>/<path>``) for the methods this project calls, keeps the chats, messages,
files, forum topics and pending updates those methods act on, and records every call.

A test plays the Telegram users: it injects updates (texts, commands, button taps, photos
and albums with downloadable bytes, documents, voice, stickers, locations, contacts), then
asserts on the recorded calls or on the chats' messages as Telegram would now show them.
Failures are injected by rule with Telegram's own status codes and JSON error bodies
(``too_many_requests(3)``, ``THREAD_NOT_FOUND``, ``BLOCKED_BY_USER``), as are slow answers.

Long polling honours ``timeout``, ``offset`` (confirming earlier updates), ``limit`` and
``allowed_updates``; a second poller terminates the first with Telegram's 409 conflict. With
a webhook set, pending updates are POSTed to it one at a time (with the secret token header)
until it answers 2xx, as Telegram does.

The server runs in its own thread (``running()``); every method that a test calls is
thread-safe, and the ``wait_for_*`` helpers are coroutines for the test's own event loop.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from tests.support.live_server import serve_in_thread

DEFAULT_TOKEN = "123456789:AAFakeTelegramTokenForTests_0123456789"
MAX_TEXT_CHARS = 4096
MAX_CAPTION_CHARS = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_MEDIA_GROUP = 10
WEBHOOK_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_TOPIC_ICON_COLOR = 0x6FB9F0

# Parameters whose form value is text as sent; every other form value is JSON-encoded by the
# client (numbers, booleans, objects, arrays) and is decoded before a method sees it.
_TEXT_PARAMETERS = frozenset(
    {
        "text",
        "caption",
        "name",
        "title",
        "description",
        "callback_query_id",
        "file_id",
        "url",
        "secret_token",
        "parse_mode",
        "action",
        "language_code",
        "photo",
        "document",
        "icon_custom_emoji_id",
        "data",
        "emoji",
        "ip_address",
    }
)

# Message fields that copyMessage and forwardMessage carry over.
_CONTENT_FIELDS = (
    "text",
    "entities",
    "photo",
    "caption",
    "caption_entities",
    "document",
    "voice",
    "sticker",
    "location",
    "contact",
    "media_group_id",
)


# --- errors ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TelegramError:
    """One of Telegram's error answers: HTTP status and the JSON body it comes with."""

    status: int
    description: str
    retry_after: int | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def too_many_requests(retry_after: int) -> TelegramError:
    return TelegramError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def bad_request(detail: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> TelegramError:
    return TelegramError(403, f"Forbidden: {detail}")


THREAD_NOT_FOUND = bad_request("message thread not found")
TOPIC_CLOSED = bad_request("TOPIC_CLOSED")
BLOCKED_BY_USER = forbidden("bot was blocked by the user")
CHAT_NOT_FOUND = bad_request("chat not found")
UNAUTHORIZED = TelegramError(401, "Unauthorized")
NOT_FOUND = TelegramError(404, "Not Found")
INTERNAL_SERVER_ERROR = TelegramError(500, "Internal Server Error")
GETUPDATES_CONFLICT = TelegramError(
    409,
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
)
WEBHOOK_ACTIVE_CONFLICT = TelegramError(
    409,
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first",
)
NOT_MODIFIED = bad_request(
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class _Refused(Exception):
    def __init__(self, error: TelegramError) -> None:
        super().__init__(error.description)
        self.error = error


# --- records --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One Bot API call as the server received and answered it."""

    method: str
    """The method's canonical name, e.g. ``sendMessage``."""
    params: dict[str, Any]
    files: dict[str, bytes]
    result: Any
    error: dict[str, Any] | None
    at: float

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class FailureRule:
    """Answer matching calls with ``error`` (after ``delay`` seconds) ``times`` times."""

    method: str | None
    error: TelegramError | None
    delay: float = 0.0
    times: int | None = 1
    when: Callable[[dict[str, Any]], bool] | None = None

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method is not None and self.method != method.lower():
            return False
        return self.when is None or self.when(params)


@dataclass(frozen=True, slots=True)
class FakeUser:
    id: int
    first_name: str = "Test"
    language_code: str | None = "zh-hans"
    username: str | None = None
    last_name: str | None = None

    def as_json(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for name in ("last_name", "username", "language_code"):
            value = getattr(self, name)
            if value is not None:
                user[name] = value
        return user

    def private_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    size: int
    path: str
    source_url: str | None = None


@dataclass
class ForumTopic:
    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False


@dataclass
class _Poll:
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    superseded: bool = False


# --- the server -----------------------------------------------------------------------------


class FakeTelegram:
    """The fake Bot API: build it, start it with ``running()``, point the bot at its URL."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "aftersales_test_bot",
        webhook_retry_seconds: float = 0.2,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Aftersales Assistant",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.webhook_retry_seconds = webhook_retry_seconds
        self.base_url = ""
        self._lock = threading.RLock()
        self._calls: list[RecordedCall] = []
        self._rules: list[FailureRule] = []
        self._chats: dict[int, dict[str, Any]] = {}
        self._topics: dict[int, dict[int, ForumTopic]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._message_ids: dict[int, Iterator[int]] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_numbers = itertools.count(1)
        self._update_ids = itertools.count(700_000_001)
        self._callback_ids = itertools.count(4_200_000_000_001)
        self._media_groups = itertools.count(13_000_000_000_001)
        self._forum_ids = itertools.count(1_001_000_000_001)
        self._pending: list[dict[str, Any]] = []
        self._delivered: dict[int, dict[str, Any]] = {}
        self._open_callbacks: set[str] = set()
        self._blocked: set[int] = set()
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._allowed_updates: list[str] | None = None
        self._webhook: dict[str, Any] | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._polls: list[_Poll] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._webhook_wake: asyncio.Event | None = None
        self.app = self._build_app()

    # --- running -------------------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[str]:
        """Serve on a free loopback port; yields the base URL for ``TelegramAPIServer``."""
        with serve_in_thread(self.app) as url:
            self.base_url = url
            try:
                yield url
            finally:
                self.base_url = ""

    def _build_app(self) -> FastAPI:
        @asynccontextmanager
        async def lifespan(_: FastAPI) -> Any:
            self._loop = asyncio.get_running_loop()
            self._webhook_wake = asyncio.Event()
            async with httpx.AsyncClient(timeout=10.0) as http:
                delivery = asyncio.create_task(self._deliver_to_webhook(http))
                try:
                    yield
                finally:
                    delivery.cancel()
                    await asyncio.gather(delivery, return_exceptions=True)
                    self._loop = None

        app = FastAPI(title="Fake Telegram Bot API", lifespan=lifespan)

        @app.api_route("/bot{token}/{method}", methods=["GET", "POST"])
        async def call(token: str, method: str, request: Request) -> JSONResponse:
            return await self._call(token, method, request)

        @app.get("/file/bot{token}/{path:path}")
        async def download(token: str, path: str) -> Response:
            if token != self.token:
                return JSONResponse(UNAUTHORIZED.body(), status_code=401)
            with self._lock:
                stored = next((f for f in self._files.values() if f.path == path), None)
            if stored is None:
                return JSONResponse(NOT_FOUND.body(), status_code=404)
            return Response(stored.content, media_type="application/octet-stream")

        return app

    async def _call(self, token: str, method: str, request: Request) -> JSONResponse:
        if token != self.token:
            return JSONResponse(UNAUTHORIZED.body(), status_code=401)
        handler = getattr(self, f"_m_{method.lower()}", None)
        params, files = await _read_params(request)
        name = _CANONICAL.get(method.lower(), method)
        if handler is None:
            self._record(name, params, files, None, NOT_FOUND)
            return JSONResponse(NOT_FOUND.body(), status_code=404)
        rule = self._take_rule(method, params)
        if rule is not None and rule.delay:
            await asyncio.sleep(rule.delay)
        if rule is not None and rule.error is not None:
            self._record(name, params, files, None, rule.error)
            return JSONResponse(rule.error.body(), status_code=rule.error.status)
        try:
            result = await handler(params, files)
        except _Refused as refusal:
            self._record(name, params, files, None, refusal.error)
            return JSONResponse(refusal.error.body(), status_code=refusal.error.status)
        self._record(name, params, files, result, None)
        return JSONResponse({"ok": True, "result": result})

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        files: dict[str, bytes],
        result: Any,
        error: TelegramError | None,
    ) -> None:
        with self._lock:
            self._calls.append(
                RecordedCall(
                    method=method,
                    params=params,
                    files=files,
                    result=copy.deepcopy(result),
                    error=error.body() if error else None,
                    at=time.monotonic(),
                )
            )

    def _take_rule(self, method: str, params: dict[str, Any]) -> FailureRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, params):
                    if rule.times is not None:
                        rule.times -= 1
                    return rule
        return None

    # --- failures --------------------------------------------------------------------------

    def fail(
        self,
        method: str | None,
        error: TelegramError,
        *,
        times: int | None = 1,
        when: Callable[[dict[str, Any]], bool] | None = None,
        delay: float = 0.0,
    ) -> FailureRule:
        """Answer the next ``times`` matching calls (None: all of them) with ``error``."""
        rule = FailureRule(method.lower() if method else None, error, delay, times, when)
        with self._lock:
            self._rules.append(rule)
        return rule

    def slow_down(
        self,
        method: str | None,
        seconds: float,
        *,
        times: int | None = 1,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> FailureRule:
        """Answer the next matching calls normally, but only after ``seconds``."""
        rule = FailureRule(method.lower() if method else None, None, seconds, times, when)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear_rules(self) -> None:
        with self._lock:
            self._rules.clear()

    def block_bot(self, user: FakeUser) -> dict[str, Any]:
        """The user blocks the bot: every send to their chat is refused with 403, and the
        bot gets the ``my_chat_member`` update Telegram sends about it."""
        with self._lock:
            self._blocked.add(user.id)
        return self._membership_changed(user, "member", "kicked")

    def unblock_bot(self, user: FakeUser) -> dict[str, Any]:
        with self._lock:
            self._blocked.discard(user.id)
        return self._membership_changed(user, "kicked", "member")

    def _membership_changed(self, user: FakeUser, old: str, new: str) -> dict[str, Any]:
        with self._lock:
            chat = self._chats.setdefault(user.id, user.private_chat())
        bot = dict(self.bot_user)
        new_member: dict[str, Any] = {"status": new, "user": bot}
        if new == "kicked":
            new_member["until_date"] = 0
        change = {
            "chat": dict(chat),
            "from": user.as_json(),
            "date": int(time.time()),
            "old_chat_member": {"status": old, "user": bot}
            | ({"until_date": 0} if old == "kicked" else {}),
            "new_chat_member": new_member,
        }
        return self.inject({"my_chat_member": change})

    # --- users, chats and injected updates ---------------------------------------------------

    def add_forum(self, title: str = "Service agents") -> int:
        """A supergroup with topics enabled, in which the bot is an administrator."""
        with self._lock:
            chat_id = -next(self._forum_ids)
            self._chats[chat_id] = {
                "id": chat_id,
                "type": "supergroup",
                "title": title,
                "is_forum": True,
            }
            self._topics[chat_id] = {}
            return chat_id

    def forum_topics(self, chat_id: int) -> dict[int, ForumTopic]:
        with self._lock:
            return copy.deepcopy(self._topics.get(chat_id, {}))

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """An administrator deletes a topic in the app: it and its messages are gone, and
        the Bot API answers ``message thread not found`` for it from now on."""
        with self._lock:
            del self._topics[chat_id][thread_id]
            for key in [
                key
                for key, message in self._messages.items()
                if key[0] == chat_id and message.get("message_thread_id") == thread_id
            ]:
                del self._messages[key]

    def topic_messages(self, chat_id: int, thread_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a forum topic as they look now, oldest first."""
        return [
            message
            for message in self.sent_messages(chat_id)
            if message.get("message_thread_id") == thread_id
        ]

    async def wait_for_topics(
        self, chat_id: int, count: int, *, within: float = 10.0
    ) -> dict[int, ForumTopic]:
        """Wait until the forum has ``count`` topics; returns them."""
        deadline = time.monotonic() + within
        while True:
            topics = self.forum_topics(chat_id)
            if len(topics) >= count:
                return topics
            if time.monotonic() > deadline:
                names = [topic.name for topic in topics.values()]
                raise AssertionError(f"expected {count} topic(s), got {names}")
            await asyncio.sleep(0.02)

    def send_text(
        self,
        user: FakeUser,
        text: str,
        *,
        chat_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a text; a leading ``/command`` gets its bot_command entity."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_length(command)}
            ]
        return self._user_message(user, content, chat_id, message_thread_id)

    def send_photo(
        self,
        user: FakeUser,
        content: bytes,
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
        declared_size: int | None = None,
    ) -> dict[str, Any]:
        """A photo: a thumbnail and the full size, each a downloadable file."""
        body: dict[str, Any] = {"photo": self._photo_sizes(content, declared_size)}
        if caption is not None:
            body["caption"] = caption
        if media_group_id is not None:
            body["media_group_id"] = media_group_id
        return self._user_message(user, body, None, None)

    def send_album(
        self, user: FakeUser, contents: list[bytes], *, caption: str | None = None
    ) -> list[dict[str, Any]]:
        """Photos sent together: one update each, sharing a media_group_id; the caption
        rides on the first, as Telegram's apps send it."""
        group = str(next(self._media_groups))
        return [
            self.send_photo(
                user, content, caption=caption if index == 0 else None, media_group_id=group
            )
            for index, content in enumerate(contents)
        ]

    def send_document(
        self,
        user: FakeUser,
        content: bytes,
        *,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
        declared_size: int | None = None,
    ) -> dict[str, Any]:
        stored = self._store_file(content, "documents", file_name, declared_size)
        body: dict[str, Any] = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": stored.size,
            }
        }
        if caption is not None:
            body["caption"] = caption
        return self._user_message(user, body, None, None)

    def send_voice(self, user: FakeUser, *, duration: int = 3) -> dict[str, Any]:
        stored = self._store_file(b"OggS" + bytes(60), "voice", "voice.oga", None)
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": stored.size,
        }
        return self._user_message(user, {"voice": voice}, None, None)

    def send_sticker(self, user: FakeUser, *, emoji: str = "👍") -> dict[str, Any]:
        stored = self._store_file(b"RIFF\x00\x00\x00\x00WEBP", "stickers", "sticker.webp", None)
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": stored.size,
        }
        return self._user_message(user, {"sticker": sticker}, None, None)

    def send_location(self, user: FakeUser, latitude: float, longitude: float) -> dict[str, Any]:
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(user, {"location": location}, None, None)

    def send_contact(
        self,
        user: FakeUser,
        phone_number: str,
        *,
        first_name: str | None = None,
        own: bool = True,
    ) -> dict[str, Any]:
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or user.first_name,
        }
        if own:
            contact["user_id"] = user.id
        return self._user_message(user, {"contact": contact}, None, None)

    def send_content(self, user: FakeUser, content: dict[str, Any]) -> dict[str, Any]:
        """Any other message the user sends, given as its Bot API fields (a video, a poll…)."""
        return self._user_message(user, dict(content), None, None)

    def tap(
        self,
        user: FakeUser,
        message: dict[str, Any],
        *,
        text: str | None = None,
        data: str | None = None,
        inaccessible: bool = False,
    ) -> dict[str, Any]:
        """The user taps a button of a bot message: by its ``text`` on the keyboard the
        message shows now, or with raw callback ``data`` (an outdated client's keyboard).
        ``inaccessible`` stands for a message older than Telegram still shows bots."""
        key = (message["chat"]["id"], message["message_id"])
        with self._lock:
            current = copy.deepcopy(self._messages.get(key, message))
        if data is None:
            buttons = [
                button
                for row in current.get("reply_markup", {}).get("inline_keyboard", [])
                for button in row
            ]
            chosen = next((button for button in buttons if button.get("text") == text), None)
            if chosen is None:
                shown = [button.get("text") for button in buttons]
                raise AssertionError(f"no button {text!r} on the message; it shows {shown}")
            data = chosen["callback_data"]
        query_id = str(next(self._callback_ids))
        if inaccessible:
            shown_message: dict[str, Any] = {
                "chat": current["chat"],
                "message_id": current["message_id"],
                "date": 0,
            }
        else:
            shown_message = current
        with self._lock:
            self._open_callbacks.add(query_id)
        query = {
            "id": query_id,
            "from": user.as_json(),
            "message": shown_message,
            "chat_instance": f"ci{message['chat']['id']}",
            "data": data,
        }
        return self.inject({"callback_query": query})

    def inject(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (an ``update_id`` is assigned) for getUpdates or the webhook."""
        with self._lock:
            body = {"update_id": next(self._update_ids), **update}
            self._pending.append(body)
        self._wake()
        return copy.deepcopy(body)

    def redeliver(self, update_id: int) -> None:
        """Offer a confirmed update again, as Telegram may after a timeout or a restart."""
        with self._lock:
            body = self._delivered.get(update_id)
            if body is None:
                raise KeyError(f"update {update_id} was never delivered")
            self._pending.append(copy.deepcopy(body))
            self._pending.sort(key=lambda item: item["update_id"])
        self._wake()

    def pending_update_ids(self) -> list[int]:
        with self._lock:
            return [update["update_id"] for update in self._pending]

    def _user_message(
        self,
        user: FakeUser,
        content: dict[str, Any],
        chat_id: int | None,
        thread_id: int | None,
    ) -> dict[str, Any]:
        with self._lock:
            if chat_id is None:
                chat = user.private_chat()
                self._chats.setdefault(user.id, chat)
                # Writing to a bot is only possible after unblocking it.
                self._blocked.discard(user.id)
            else:
                chat = self._chats[chat_id]
                if thread_id is not None and thread_id not in self._topics.get(chat_id, {}):
                    raise AssertionError(f"topic {thread_id} does not exist in chat {chat_id}")
            message = self._new_message(chat, user.as_json(), thread_id, content)
        return self.inject({"message": message})

    # --- files ---------------------------------------------------------------------------------

    def _store_file(
        self, content: bytes, folder: str, name: str, declared_size: int | None
    ) -> StoredFile:
        with self._lock:
            number = next(self._file_numbers)
            extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
            stored = StoredFile(
                file_id=f"AgACAgIAAxkBAAI{number:08d}fakeFileId",
                file_unique_id=f"AQAD{number:06d}",
                content=content,
                size=declared_size if declared_size is not None else len(content),
                path=f"{folder}/file_{number}.{extension}",
            )
            self._files[stored.file_id] = stored
            return stored

    def _photo_sizes(self, content: bytes, declared_size: int | None) -> list[dict[str, Any]]:
        thumbnail = self._store_file(b"thumbnail:" + content[:32], "photos", "thumb.jpg", None)
        full = self._store_file(content, "photos", "photo.jpg", declared_size)
        return [
            {
                "file_id": thumbnail.file_id,
                "file_unique_id": thumbnail.file_unique_id,
                "width": 90,
                "height": 67,
                "file_size": thumbnail.size,
            },
            {
                "file_id": full.file_id,
                "file_unique_id": full.file_unique_id,
                "width": 1280,
                "height": 960,
                "file_size": full.size,
            },
        ]

    def file_content(self, file_id: str) -> bytes:
        with self._lock:
            return self._files[file_id].content

    def file_source_url(self, file_id: str) -> str | None:
        with self._lock:
            return self._files[file_id].source_url

    # --- what the bot did ------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        with self._lock:
            calls = list(self._calls)
        if method is None:
            return calls
        return [call for call in calls if call.method.lower() == method.lower()]

    def sent_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat as they look now (after edits), oldest first."""
        with self._lock:
            messages = [
                copy.deepcopy(message)
                for (chat, _), message in sorted(self._messages.items())
                if chat == chat_id and message.get("from", {}).get("id") == self.bot_id
            ]
        return messages

    def commands(self, *, language_code: str = "", scope: str = "default") -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._commands.get((scope, language_code), []))

    def webhook(self) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._webhook)

    async def wait_for_calls(
        self,
        method: str,
        *,
        count: int = 1,
        where: Callable[[RecordedCall], bool] | None = None,
        within: float = 10.0,
    ) -> list[RecordedCall]:
        """Wait until at least ``count`` calls of ``method`` (matching ``where``) arrived."""
        deadline = time.monotonic() + within
        while True:
            found = [call for call in self.calls(method) if where is None or where(call)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} {method} call(s), got {len(found)}: "
                    f"{[call.params for call in found]}"
                )
            await asyncio.sleep(0.02)

    async def wait_for_messages(
        self, chat_id: int, count: int, *, within: float = 10.0
    ) -> list[dict[str, Any]]:
        """Wait until the bot has ``count`` messages in the chat; returns them all."""
        deadline = time.monotonic() + within
        while True:
            messages = self.sent_messages(chat_id)
            if len(messages) >= count:
                return messages
            if time.monotonic() > deadline:
                texts = [message.get("text") or message.get("caption") for message in messages]
                raise AssertionError(f"expected {count} bot message(s), got {texts}")
            await asyncio.sleep(0.02)

    async def wait_until_confirmed(self, update_id: int, *, within: float = 10.0) -> None:
        """Wait until the bot has confirmed (received and acknowledged) an update."""
        deadline = time.monotonic() + within
        while update_id in self.pending_update_ids():
            if time.monotonic() > deadline:
                raise AssertionError(f"update {update_id} was not confirmed")
            await asyncio.sleep(0.02)

    # --- updates ---------------------------------------------------------------------------

    def _wake(self) -> None:
        loop = self._loop
        if loop is None:
            return
        loop.call_soon_threadsafe(self._wake_in_loop)

    def _wake_in_loop(self) -> None:
        for poll in self._polls:
            poll.wake.set()
        if self._webhook_wake is not None:
            self._webhook_wake.set()

    async def _m_getupdates(self, params: dict[str, Any], _: dict[str, bytes]) -> Any:
        if self._webhook is not None:
            raise _Refused(WEBHOOK_ACTIVE_CONFLICT)
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        if "allowed_updates" in params:
            with self._lock:
                self._allowed_updates = list(params["allowed_updates"]) or None
        for previous in self._polls:
            previous.superseded = True
            previous.wake.set()
        poll = _Poll()
        self._polls.append(poll)
        try:
            deadline = time.monotonic() + timeout
            while True:
                poll.wake.clear()
                batch = self._take_updates(offset, limit)
                if batch:
                    return batch
                if poll.superseded:
                    raise _Refused(GETUPDATES_CONFLICT)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                try:
                    await asyncio.wait_for(poll.wake.wait(), remaining)
                except TimeoutError:
                    return []
        finally:
            self._polls.remove(poll)

    def _take_updates(self, offset: int, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            if offset < 0:
                keep = self._pending[offset:]
                self._confirm(lambda update: update not in keep)
            elif offset:
                self._confirm(lambda update: update["update_id"] < offset)
            allowed = self._allowed_updates
            if allowed is not None:
                self._pending = [
                    update for update in self._pending if _update_type(update) in allowed
                ]
            batch = copy.deepcopy(self._pending[:limit])
        return batch

    def _confirm(self, confirmed: Callable[[dict[str, Any]], bool]) -> None:
        kept = []
        for update in self._pending:
            if confirmed(update):
                self._delivered[update["update_id"]] = update
            else:
                kept.append(update)
        self._pending = kept

    async def _m_setwebhook(self, params: dict[str, Any], _: dict[str, bytes]) -> bool:
        url = str(params.get("url") or "")
        with self._lock:
            if params.get("drop_pending_updates"):
                self._pending.clear()
            if "allowed_updates" in params:
                self._allowed_updates = list(params["allowed_updates"]) or None
            if not url:
                self._webhook = None
                return True
            self._webhook = {
                "url": url,
                "secret_token": params.get("secret_token"),
                "max_connections": int(params.get("max_connections") or 40),
            }
            self._webhook_error = None
        for poll in self._polls:
            poll.superseded = True
        self._wake_in_loop()
        return True

    async def _m_deletewebhook(self, params: dict[str, Any], _: dict[str, bytes]) -> bool:
        with self._lock:
            self._webhook = None
            if params.get("drop_pending_updates"):
                self._pending.clear()
        return True

    async def _m_getwebhookinfo(self, _: dict[str, Any], __: dict[str, bytes]) -> Any:
        with self._lock:
            info: dict[str, Any] = {
                "url": self._webhook["url"] if self._webhook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }
            if self._webhook:
                info["max_connections"] = self._webhook["max_connections"]
            if self._webhook_error:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
            if self._allowed_updates is not None:
                info["allowed_updates"] = list(self._allowed_updates)
        return info

    async def _deliver_to_webhook(self, http: httpx.AsyncClient) -> None:
        assert self._webhook_wake is not None
        while True:
            self._webhook_wake.clear()
            with self._lock:
                webhook = copy.deepcopy(self._webhook)
                update = copy.deepcopy(self._pending[0]) if self._pending else None
            if webhook is None or update is None:
                await self._webhook_wake.wait()
                continue
            headers = {}
            if webhook.get("secret_token"):
                headers[WEBHOOK_SECRET_HEADER] = webhook["secret_token"]
            failure: str | None = None
            try:
                response = await http.post(webhook["url"], json=update, headers=headers)
            except httpx.HTTPError as error:
                failure = f"Connection failed: {type(error).__name__}"
            else:
                if not response.is_success:
                    failure = (
                        "Wrong response from the webhook: "
                        f"{response.status_code} {response.reason_phrase}"
                    )
            with self._lock:
                if failure is None:
                    self._confirm(_with_id(update["update_id"]))
                    continue
                self._webhook_error = (int(time.time()), failure)
            await asyncio.sleep(self.webhook_retry_seconds)

    # --- the methods -----------------------------------------------------------------------

    async def _m_getme(self, _: dict[str, Any], __: dict[str, bytes]) -> Any:
        return dict(self.bot_user)

    async def _m_sendmessage(self, params: dict[str, Any], _: dict[str, bytes]) -> Any:
        chat, thread_id = self._target(params)
        text = str(params.get("text") or "")
        if not text.strip():
            raise _Refused(bad_request("message text is empty"))
        if _utf16_length(text) > MAX_TEXT_CHARS:
            raise _Refused(bad_request("message is too long"))
        content: dict[str, Any] = {"text": text}
        self._attach_markup(content, params)
        return self._send(chat, thread_id, content)

    async def _m_sendphoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat, thread_id = self._target(params)
        content: dict[str, Any] = {"photo": self._photo_from(params.get("photo"), files, "photo")}
        self._attach_caption(content, params)
        self._attach_markup(content, params)
        return self._send(chat, thread_id, content)

    async def _m_sendmediagroup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat, thread_id = self._target(params)
        media = params.get("media")
        if not media:
            raise _Refused(bad_request('parameter "media" is required'))
        if not isinstance(media, list):
            raise _Refused(bad_request("can't parse media JSON object"))
        if len(media) > MAX_MEDIA_GROUP:
            raise _Refused(bad_request("too much messages to send as an album"))
        contents = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") != "photo":
                raise _Refused(bad_request("can't parse InputMedia: media not found"))
            content: dict[str, Any] = {"photo": self._photo_from(item.get("media"), files, "")}
            self._attach_caption(content, item)
            contents.append(content)
        group = str(next(self._media_groups))
        return [
            self._send(chat, thread_id, {**content, "media_group_id": group})
            for content in contents
        ]

    async def _m_sendchataction(self, params: dict[str, Any], _: dict[str, bytes]) -> bool:
        self._target(params)
        if not params.get("action"):
            raise _Refused(bad_request('parameter "action" is required'))
        return True

    async def _m_editmessagetext(self, params: dict[str, Any], _: dict[str, bytes]) -> Any:
        text = str(params.get("text") or "")
        if not text.strip():
            raise _Refused(bad_request("message text is empty"))
        if _utf16_length(text) > MAX_TEXT_CHARS:
            raise _Refused(bad_request("message is too long"))
        with self._lock:
            message = self._editable(params)
            markup = self._markup(params)
            if message.get("text") == text and message.get("reply_markup") == markup:
                raise _Refused(NOT_MODIFIED)
            message["text"] = text
            message.pop("entities", None)
            _set_markup(message, markup)
            message["edit_date"] = int(time.time())
            return copy.deepcopy(message)

    async def _m_editmessagereplymarkup(self, params: dict[str, Any], _: dict[str, bytes]) -> Any:
        with self._lock:
            message = self._editable(params)
            markup = self._markup(params)
            if message.get("reply_markup") == markup:
                raise _Refused(NOT_MODIFIED)
            _set_markup(message, markup)
            message["edit_date"] = int(time.time())
            return copy.deepcopy(message)

    async def _m_answercallbackquery(self, params: dict[str, Any], _: dict[str, bytes]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        with self._lock:
            if query_id not in self._open_callbacks:
                raise _Refused(
                    bad_request(
                        "query is too old and response timeout expired or query ID is invalid"
                    )
                )
            self._open_callbacks.discard(query_id)
        return True

    async def _m_setmycommands(self, params: dict[str, Any], _: dict[str, bytes]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or not commands:
            raise _Refused(bad_request('parameter "commands" is required'))
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            valid_name = 1 <= len(name) <= 32 and all(
                c.islower() or c.isdigit() or c == "_" for c in name
            )
            if not valid_name or not command.get("description"):
                raise _Refused(bad_request("BOT_COMMAND_INVALID"))
        key = (_scope_name(params), str(params.get("language_code") or ""))
        with self._lock:
            self._commands[key] = [dict(command) for command in commands]
        return True

    async def _m_getmycommands(self, params: dict[str, Any], _: dict[str, bytes]) -> Any:
        return self.commands(
            language_code=str(params.get("language_code") or ""), scope=_scope_name(params)
        )

    async def _m_deletemycommands(self, params: dict[str, Any], _: dict[str, bytes]) -> bool:
        with self._lock:
            self._commands.pop((_scope_name(params), str(params.get("language_code") or "")), None)
        return True

    async def _m_getfile(self, params: dict[str, Any], _: dict[str, bytes]) -> Any:
        with self._lock:
            stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _Refused(bad_request("invalid file_id"))
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise _Refused(bad_request("file is too big"))
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.path,
        }

    async def _m_copymessage(self, params: dict[str, Any], _: dict[str, bytes]) -> Any:
        chat, thread_id = self._target(params)
        source = self._source_message(params, "message to copy not found")
        content = {name: source[name] for name in _CONTENT_FIELDS if name in source}
        content.pop("media_group_id", None)
        if "caption" in params:
            self._attach_caption(content, params)
        self._attach_markup(content, params)
        message = self._send(chat, thread_id, content)
        return {"message_id": message["message_id"]}

    async def _m_forwardmessage(self, params: dict[str, Any], _: dict[str, bytes]) -> Any:
        chat, thread_id = self._target(params)
        source = self._source_message(params, "message to forward not found")
        content = {name: source[name] for name in _CONTENT_FIELDS if name in source}
        content.pop("media_group_id", None)
        content["forward_origin"] = {
            "type": "user",
            "date": source["date"],
            "sender_user": source["from"],
        }
        return self._send(chat, thread_id, content)

    async def _m_createforumtopic(self, params: dict[str, Any], _: dict[str, bytes]) -> Any:
        chat = self._forum(params)
        name = str(params.get("name") or "")
        if not name:
            raise _Refused(bad_request('parameter "name" is required'))
        if len(name) > 128:
            raise _Refused(bad_request("TOPIC_TITLE_INVALID"))
        icon_color = int(params.get("icon_color") or DEFAULT_TOPIC_ICON_COLOR)
        with self._lock:
            service = self._new_message(
                chat,
                dict(self.bot_user),
                None,
                {"forum_topic_created": {"name": name, "icon_color": icon_color}},
            )
            thread_id = service["message_id"]
            # The topic's first message is the service message that opens it.
            stored = self._messages[(chat["id"], thread_id)]
            stored["message_thread_id"] = thread_id
            stored["is_topic_message"] = True
            self._topics[chat["id"]][thread_id] = ForumTopic(
                thread_id, name, icon_color, params.get("icon_custom_emoji_id")
            )
        return {"message_thread_id": thread_id, "name": name, "icon_color": icon_color}

    async def _m_editforumtopic(self, params: dict[str, Any], _: dict[str, bytes]) -> bool:
        with self._lock:
            topic = self._topic(params)
            name = params.get("name")
            emoji = params.get("icon_custom_emoji_id")
            changed = (name is not None and name != topic.name) or (
                emoji is not None and emoji != topic.icon_custom_emoji_id
            )
            if not changed:
                raise _Refused(bad_request("TOPIC_NOT_MODIFIED"))
            if name is not None:
                topic.name = str(name)
            if emoji is not None:
                topic.icon_custom_emoji_id = str(emoji) or None
        return True

    async def _m_closeforumtopic(self, params: dict[str, Any], _: dict[str, bytes]) -> bool:
        return self._set_topic_closed(params, closed=True)

    async def _m_reopenforumtopic(self, params: dict[str, Any], _: dict[str, bytes]) -> bool:
        return self._set_topic_closed(params, closed=False)

    async def _m_deleteforumtopic(self, params: dict[str, Any], _: dict[str, bytes]) -> bool:
        with self._lock:
            topic = self._topic(params)
            chat_id = int(params["chat_id"])
            del self._topics[chat_id][topic.thread_id]
            for key in [
                key
                for key, message in self._messages.items()
                if key[0] == chat_id and message.get("message_thread_id") == topic.thread_id
            ]:
                del self._messages[key]
        return True

    # --- helpers of the methods ------------------------------------------------------------

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        try:
            key = int(chat_id)
        except (TypeError, ValueError):
            raise _Refused(CHAT_NOT_FOUND) from None
        with self._lock:
            chat = self._chats.get(key)
            if chat is None:
                raise _Refused(CHAT_NOT_FOUND)
            return chat

    def _target(self, params: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
        if params.get("chat_id") in (None, ""):
            raise _Refused(bad_request("chat_id is empty"))
        chat = self._chat(params["chat_id"])
        with self._lock:
            if chat["id"] in self._blocked:
                raise _Refused(BLOCKED_BY_USER)
        thread = params.get("message_thread_id")
        if thread in (None, "", 0):
            return chat, None
        thread_id = int(thread)
        with self._lock:
            topic = self._topics.get(chat["id"], {}).get(thread_id)
        if topic is None:
            raise _Refused(THREAD_NOT_FOUND)
        if topic.closed:
            raise _Refused(TOPIC_CLOSED)
        return chat, thread_id

    def _forum(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        if not chat.get("is_forum"):
            raise _Refused(bad_request("the chat is not a forum"))
        return chat

    def _topic(self, params: dict[str, Any]) -> ForumTopic:
        chat = self._forum(params)
        thread = params.get("message_thread_id")
        topic = self._topics[chat["id"]].get(int(thread)) if thread not in (None, "") else None
        if topic is None:
            raise _Refused(THREAD_NOT_FOUND)
        return topic

    def _set_topic_closed(self, params: dict[str, Any], *, closed: bool) -> bool:
        with self._lock:
            topic = self._topic(params)
            if topic.closed == closed:
                raise _Refused(bad_request("TOPIC_NOT_MODIFIED"))
            topic.closed = closed
        return True

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise _Refused(bad_request("MESSAGE_ID_INVALID"))
        chat = self._chat(params.get("chat_id"))
        message = self._messages.get((chat["id"], int(params.get("message_id") or 0)))
        if message is None or message.get("from", {}).get("id") != self.bot_id:
            raise _Refused(bad_request("message to edit not found"))
        return message

    def _source_message(self, params: dict[str, Any], missing: str) -> dict[str, Any]:
        source_chat = self._chat(params.get("from_chat_id"))
        with self._lock:
            message = self._messages.get((source_chat["id"], int(params.get("message_id") or 0)))
            if message is None:
                raise _Refused(bad_request(missing))
            return copy.deepcopy(message)

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup in (None, "", {}):
            return None
        if not isinstance(markup, dict):
            raise _Refused(bad_request("can't parse reply keyboard markup JSON object"))
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise _Refused(bad_request("text buttons are unallowed in the inline keyboard"))
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise _Refused(bad_request("BUTTON_DATA_INVALID"))
        if not markup.get("inline_keyboard"):
            return None
        return markup

    def _attach_markup(self, content: dict[str, Any], params: dict[str, Any]) -> None:
        markup = self._markup(params)
        if markup is not None:
            content["reply_markup"] = markup

    def _attach_caption(self, content: dict[str, Any], params: dict[str, Any]) -> None:
        caption = params.get("caption")
        if caption in (None, ""):
            content.pop("caption", None)
            return
        if _utf16_length(str(caption)) > MAX_CAPTION_CHARS:
            raise _Refused(bad_request("message caption is too long"))
        content["caption"] = str(caption)

    def _photo_from(self, value: Any, files: dict[str, bytes], field_name: str) -> Any:
        """A photo given as an upload (``attach://``), a known file_id or an HTTP URL."""
        reference = str(value or "")
        if reference.startswith("attach://"):
            uploaded = files.get(reference.removeprefix("attach://"))
        else:
            uploaded = files.get(field_name) if field_name and not reference else None
        if uploaded is not None:
            return self._photo_sizes(uploaded, None)
        with self._lock:
            known = self._files.get(reference)
        if known is not None:
            return [
                {
                    "file_id": known.file_id,
                    "file_unique_id": known.file_unique_id,
                    "width": 1280,
                    "height": 960,
                    "file_size": known.size,
                }
            ]
        if reference.startswith(("http://", "https://")):
            sizes = self._photo_sizes(b"", None)
            with self._lock:
                self._files[sizes[-1]["file_id"]].source_url = reference
            return sizes
        raise _Refused(bad_request("wrong file identifier/HTTP URL specified"))

    def _send(
        self, chat: dict[str, Any], thread_id: int | None, content: dict[str, Any]
    ) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._new_message(chat, dict(self.bot_user), thread_id, content))

    def _new_message(
        self,
        chat: dict[str, Any],
        sender: dict[str, Any],
        thread_id: int | None,
        content: dict[str, Any],
    ) -> dict[str, Any]:
        numbers = self._message_ids.setdefault(chat["id"], itertools.count(1))
        message: dict[str, Any] = {
            "message_id": next(numbers),
            "from": sender,
            "chat": dict(chat),
            "date": int(time.time()),
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        message.update(copy.deepcopy(content))
        self._messages[(chat["id"], message["message_id"])] = message
        return copy.deepcopy(message)


# --- request decoding -------------------------------------------------------------------------


async def _read_params(request: Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The call's parameters from the query string, a JSON body, or a (multipart) form."""
    params: dict[str, Any] = {
        key: _decode(key, value) for key, value in request.query_params.items()
    }
    files: dict[str, bytes] = {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[key] = await value.read()
            else:
                params[key] = _decode(key, value)
    return params, files


def _decode(key: str, value: str) -> Any:
    if key in _TEXT_PARAMETERS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _set_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup


def _scope_name(params: dict[str, Any]) -> str:
    scope = params.get("scope")
    if isinstance(scope, dict):
        return str(scope.get("type") or "default")
    return "default"


def _with_id(update_id: int) -> Callable[[dict[str, Any]], bool]:
    return lambda update: update["update_id"] == update_id


def _update_type(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_CANONICAL = {
    name.lower(): name
    for name in (
        "getMe",
        "getUpdates",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "sendMessage",
        "sendPhoto",
        "sendMediaGroup",
        "sendChatAction",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "setMyCommands",
        "getMyCommands",
        "deleteMyCommands",
        "getFile",
        "copyMessage",
        "forwardMessage",
        "createForumTopic",
        "editForumTopic",
        "closeForumTopic",
        "reopenForumTopic",
        "deleteForumTopic",
    )
}
