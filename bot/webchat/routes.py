"""The web chat's HTTP surface under ``/chat``: the page, its session, messages, photos and
the event stream of pushed messages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    UploadFile,
)
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from bot.telegram.language import Language
from bot.webchat.language import language_from_accept
from bot.webchat.pipeline import Photo, Turn
from bot.webchat.service import WebChat
from bot.webchat.sessions import (
    COOKIE_NAME,
    ChatSession,
    StreamEvent,
    TooManyListeners,
    is_session_id,
    new_session_id,
)
from bot.webchat.texts import every_language_label

STATIC_DIR = Path(__file__).parent / "static"
PAGE = STATIC_DIR / "index.html"
MESSAGE_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' http: https: blob:; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
COOKIE_MAX_AGE_SECONDS = 180 * 24 * 3600

MessageId = Annotated[str, Field(pattern=MESSAGE_ID_PATTERN)]


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: MessageId = Field(description="The page's id of this message (idempotency).")
    text: str | None = Field(default=None, max_length=100_000)
    button: str | None = Field(default=None, max_length=64, description="An offered key.")
    language: Literal["zh", "en"] | None = None


class LanguageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: MessageId
    language: Literal["zh", "en"]


def running(request: Request) -> WebChat:
    web_chat: WebChat = request.app.state.webchat
    return web_chat


WebChatDep = Annotated[WebChat, Depends(running)]


def current_session(
    request: Request, web_chat: WebChatDep, language: Language | None = None
) -> ChatSession:
    """The browser's session; a request without the cookie the page set is refused."""
    session_id = request.cookies.get(COOKIE_NAME)
    if not is_session_id(session_id):
        raise HTTPException(401, "no chat session: open /chat first")
    assert session_id is not None
    detected = language_from_accept(
        request.headers.get("accept-language"), web_chat.default_language
    )
    session = web_chat.sessions.open(session_id, language or detected)
    if language is not None:
        session.language = language
    return session


def _answer(turn: Turn) -> JSONResponse:
    return JSONResponse(turn.body(), status_code=turn.status, headers=SECURITY_HEADERS)


def mount_webchat(app: FastAPI) -> None:
    """Serve the page, its files and its api on ``app``."""
    app.include_router(webchat_router())
    app.mount("/chat/static", StaticFiles(directory=STATIC_DIR), name="webchat-static")


def webchat_router() -> APIRouter:
    router = APIRouter(prefix="/chat", tags=["web chat"])

    @router.get("", response_class=HTMLResponse, include_in_schema=False)
    async def page(request: Request, web_chat: WebChatDep) -> Response:
        response = HTMLResponse(PAGE.read_text(encoding="utf-8"), headers=SECURITY_HEADERS)
        if not is_session_id(request.cookies.get(COOKIE_NAME)):
            response.set_cookie(
                COOKIE_NAME,
                new_session_id(),
                max_age=COOKIE_MAX_AGE_SECONDS,
                path="/chat",
                httponly=True,
                samesite="lax",
                secure=web_chat.settings.cookie_secure,
            )
        return response

    @router.get("/api/session")
    async def session_info(
        request: Request,
        web_chat: WebChatDep,
        language: Annotated[Literal["zh", "en"] | None, Query()] = None,
    ) -> JSONResponse:
        session = current_session(request, web_chat, language)
        body = {"language": session.language, "labels": every_language_label()}
        return JSONResponse(body, headers=SECURITY_HEADERS)

    @router.post("/api/messages")
    async def message(body: MessageIn, request: Request, web_chat: WebChatDep) -> JSONResponse:
        session = current_session(request, web_chat, body.language)
        pipeline = web_chat.pipeline
        if body.button is not None and body.text is None:
            return _answer(await pipeline.choose(session, body.button, body.message_id))
        if body.text is not None and body.button is None:
            return _answer(await pipeline.say(session, body.text, body.message_id))
        raise HTTPException(422, "send either text or a button")

    @router.post("/api/language")
    async def switch_language(
        body: LanguageIn, request: Request, web_chat: WebChatDep
    ) -> JSONResponse:
        session = current_session(request, web_chat)
        turn = await web_chat.pipeline.switch_language(session, body.language, body.message_id)
        return _answer(turn)

    @router.post("/api/photos")
    async def photo(
        request: Request,
        web_chat: WebChatDep,
        file: Annotated[UploadFile, File(description="The photo.")],
        message_id: Annotated[str, Form(pattern=MESSAGE_ID_PATTERN)],
        caption: Annotated[str, Form(max_length=100_000)] = "",
        language: Annotated[Literal["zh", "en"] | None, Form()] = None,
    ) -> JSONResponse:
        session = current_session(request, web_chat, language)
        # One byte past the limit is enough to know it is too large.
        content = await file.read(web_chat.settings.max_upload_bytes + 1)
        upload = Photo(content, file.filename or "photo", file.content_type)
        return _answer(await web_chat.pipeline.send_photo(session, upload, caption, message_id))

    @router.get("/api/events")
    async def events(
        request: Request,
        web_chat: WebChatDep,
        language: Annotated[Literal["zh", "en"] | None, Query()] = None,
    ) -> StreamingResponse:
        session = current_session(request, web_chat, language)
        try:
            queue = session.listen()
        except TooManyListeners:
            raise HTTPException(429, "too many pages of this chat are open") from None
        web_chat.sessions.listening_changed.set()
        stream = _event_stream(request, session, queue, web_chat.settings.heartbeat_seconds)
        headers = {**SECURITY_HEADERS, "X-Accel-Buffering": "no"}
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)

    return router


async def _event_stream(
    request: Request,
    session: ChatSession,
    queue: asyncio.Queue[StreamEvent],
    heartbeat_seconds: float,
) -> AsyncIterator[str]:
    try:
        yield "retry: 2000\n\n"
        while not await request.is_disconnected():
            try:
                event = await asyncio.wait_for(queue.get(), heartbeat_seconds)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            yield _sse(event)
            event.taken.set()
    finally:
        session.stop_listening(queue)


def _sse(event: StreamEvent) -> str:
    data: dict[str, Any] = {"key": event.key, "messages": event.messages}
    return f"id: {event.key}\nevent: messages\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
