"""The engine's HTTP API: the subset of a Rasa 3.6 server's API the project uses.

Paths, bodies, status codes and error bodies follow Rasa's server, so a real Rasa server
can take the engine's place. As in Rasa, ``?token=`` guards every endpoint except ``/``,
``/version`` and the REST channel when an auth token is configured.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import aiohttp
import httpx
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from aftersales.request_ids import accept_request_ids
from bot.engine import metrics
from bot.engine.action_client import ActionServerClient
from bot.engine.callback import CallbackDelivery
from bot.engine.constants import RASA_VERSION
from bot.engine.events import Event, UnsupportedEventError, event_from_dict
from bot.engine.locks import LockStore
from bot.engine.model import DialogueModel, load_dialogue_model, load_nlu_parser
from bot.engine.nlg import ResponseGenerator
from bot.engine.output import CollectingOutput
from bot.engine.processor import MessageParser, MessageProcessor, UserMessage
from bot.engine.reminders import ReminderScheduler
from bot.engine.settings import EngineSettings
from bot.engine.stores import create_lock_store, create_tracker_store
from bot.engine.tracker import EventVerbosity
from bot.engine.tracker_store import StoredReminder, TrackerStore

logger = structlog.get_logger(__name__)

ENGINE_NAME = "Aftersales embedded dialogue engine"
ENGINE_VERSION = "0.1.0"
DEFAULT_SENDER_ID = "default"
ACTION_CONNECTIONS = 64
"""Keep-alive connections to the action server: enough for every conversation in flight."""


@dataclass
class EngineServices:
    """What a running engine holds: the loaded model, the processor and their resources."""

    settings: EngineSettings
    model: DialogueModel
    processor: MessageProcessor
    store: TrackerStore
    locks: LockStore
    http: httpx.AsyncClient | None
    action_http: aiohttp.ClientSession | None
    reminders: ReminderScheduler

    @classmethod
    async def start(
        cls,
        settings: EngineSettings,
        parser: MessageParser | None = None,
        *,
        model: DialogueModel | None = None,
    ) -> EngineServices:
        settings.ensure_safe_for_environment()
        if model is None:
            model = load_dialogue_model(settings.data_dir, settings.cache_dir)
        if parser is None:
            parser = load_nlu_parser(settings.data_dir, model.domain, settings.cache_dir)
        store = create_tracker_store(settings)
        await store.create_schema()
        locks = create_lock_store(settings)
        http = httpx.AsyncClient() if settings.callback_url else None
        action_http = (
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=ACTION_CONNECTIONS))
            if settings.action_endpoint
            else None
        )
        client = (
            ActionServerClient(
                settings.action_endpoint,
                action_http,
                settings.action_timeout_seconds,
                domain_digest=settings.action_domain_digest,
            )
            if action_http is not None
            else None
        )
        callback = (
            CallbackDelivery(
                settings.callback_url,
                http,
                attempts=settings.callback_attempts,
                first_backoff_seconds=settings.callback_backoff_seconds,
                max_backoff_seconds=settings.callback_max_backoff_seconds,
                timeout_seconds=settings.callback_timeout_seconds,
                token=settings.callback_token,
            )
            if http is not None and settings.callback_url
            else None
        )
        processor = MessageProcessor(
            domain=model.domain,
            policy=model.policy,
            responses=ResponseGenerator(model.domain.responses),
            parser=parser,
            store=store,
            client=client,
            locks=locks,
            busy_replies=settings.busy_replies(),
            max_number_of_predictions=settings.max_number_of_predictions,
            model_id=model.fingerprint,
            assistant_id=model.policy_config.assistant_id,
        )

        async def fire(reminder: StoredReminder) -> None:
            messages = await processor.fire_reminder(reminder)
            logger.info(
                "reminder.fired",
                sender_id=reminder.sender_id,
                reminder=reminder.name,
                messages=len(messages),
            )
            if callback is not None:
                await callback.deliver(messages)
            elif messages:
                # Without a callback, as with Rasa's REST channel, no request is open to
                # take them: they stay in the tracker only.
                logger.warning(
                    "reminder.replies_kept_in_tracker",
                    sender_id=reminder.sender_id,
                    reminder=reminder.name,
                )

        reminders = ReminderScheduler(store, fire, poll_seconds=settings.reminder_poll_seconds)
        processor.reminders = reminders
        await reminders.start()
        logger.info(
            "engine.started",
            model_id=model.fingerprint,
            rules=model.policy.rule_count,
            actions=len(model.domain.action_names),
        )
        return cls(settings, model, processor, store, locks, http, action_http, reminders)

    async def close(self) -> None:
        await self.reminders.stop()
        if self.http is not None:
            await self.http.aclose()
        if self.action_http is not None:
            await self.action_http.close()
        await self.locks.close()
        await self.store.close()


class ErrorResponse(Exception):
    """Rasa's error body: ``{"version", "status", "message", "reason", "details", ...}``."""

    def __init__(
        self, status: HTTPStatus, reason: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        self.status = status
        self.body = {
            "version": RASA_VERSION,
            "status": "failure",
            "message": message,
            "reason": reason,
            "details": details or {},
            "help": None,
            "code": int(status),
        }
        super().__init__(message)


def create_app(
    settings: EngineSettings | None = None,
    *,
    services: EngineServices | None = None,
    parser: MessageParser | None = None,
) -> FastAPI:
    """The engine app; given ``services`` it serves them, else it starts its own."""
    settings = settings or (services.settings if services else EngineSettings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:
            app.state.services = services
            yield
            return
        started = await EngineServices.start(settings, parser)
        app.state.services = started
        try:
            yield
        finally:
            await started.close()

    app = FastAPI(title=ENGINE_NAME, version=ENGINE_VERSION, lifespan=lifespan)
    if services is not None:
        app.state.services = services
    accept_request_ids(app)

    @app.exception_handler(ErrorResponse)
    async def error_response(_: Request, error: ErrorResponse) -> JSONResponse:
        return JSONResponse(error.body, status_code=int(error.status))

    def running(request: Request) -> EngineServices:
        result: EngineServices = request.app.state.services
        return result

    def authorise(request: Request) -> None:
        token = settings.auth_token
        if token is None:
            return
        provided = request.query_params.get("token", "")
        if not secrets.compare_digest(provided.encode(), token.get_secret_value().encode()):
            raise ErrorResponse(
                HTTPStatus.UNAUTHORIZED, "NotAuthenticated", "User is not authenticated."
            )

    @app.get("/")
    async def hello() -> PlainTextResponse:
        return PlainTextResponse(
            f"Hello from Rasa: {RASA_VERSION} ({ENGINE_NAME} {ENGINE_VERSION})"
        )

    @app.get("/version")
    async def version() -> dict[str, str]:
        return {"version": RASA_VERSION, "minimum_compatible_version": RASA_VERSION}

    @app.get("/status")
    async def status(request: Request) -> dict[str, Any]:
        authorise(request)
        model = running(request).model
        return {
            "model_file": f"{model.data_dir.name}@{model.fingerprint}",
            "model_id": model.fingerprint,
            "fingerprint": model.fingerprint,
            "num_active_training_jobs": 0,
        }

    @app.get("/metrics")
    async def prometheus_metrics() -> Response:
        # Like the health endpoints: no token, so the scraper needs no secret; no personal data.
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @app.post("/model/parse", response_class=JSONResponse)
    async def parse(request: Request) -> JSONResponse:
        authorise(request)
        body = await _json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise ErrorResponse(
                HTTPStatus.BAD_REQUEST,
                "BadRequest",
                "No text message defined in request_body. Add text message to request body "
                "in order to obtain the intent and extracted entities.",
            )
        # Built straight from the parse result: no response model to validate it against.
        return JSONResponse(running(request).processor.parse(body["text"]))

    @app.get("/webhooks/rest/")
    async def rest_health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/webhooks/rest/webhook")
    async def rest_webhook(request: Request) -> JSONResponse:
        body = await _json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("message"), str):
            raise ErrorResponse(
                HTTPStatus.BAD_REQUEST, "BadRequest", "The body needs a 'message' string."
            )
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise ErrorResponse(
                HTTPStatus.BAD_REQUEST, "BadRequest", "'metadata' must be an object."
            )
        sender = body.get("sender")
        message = UserMessage(
            sender_id=str(sender) if sender not in (None, "") else DEFAULT_SENDER_ID,
            text=body["message"],
            metadata=metadata,
            input_channel=str(body.get("input_channel") or "rest"),
        )
        output = CollectingOutput()
        try:
            await running(request).processor.handle_message(message, output)
        except Exception:
            # Rasa's REST channel answers with whatever was said before the failure.
            logger.exception("rest.message.failed", sender_id=message.sender_id)
        return JSONResponse(output.messages)

    @app.get("/conversations/{conversation_id:path}/tracker")
    async def get_tracker(request: Request, conversation_id: str) -> dict[str, Any]:
        authorise(request)
        verbosity = _verbosity(request, EventVerbosity.AFTER_RESTART)
        tracker = await running(request).processor.conversation(conversation_id)
        until = request.query_params.get("until")
        if until is not None:
            try:
                tracker = tracker.travel_back_in_time(float(until))
            except ValueError:
                raise ErrorResponse(
                    HTTPStatus.BAD_REQUEST, "BadRequest", "'until' must be a timestamp."
                ) from None
        return tracker.current_state(verbosity)

    @app.post("/conversations/{conversation_id:path}/tracker/events")
    async def append_events(request: Request, conversation_id: str) -> dict[str, Any]:
        authorise(request)
        verbosity = _verbosity(request, EventVerbosity.AFTER_RESTART)
        events = _events_from_body(await _json_body(request))
        side_effects = request.query_params.get("execute_side_effects", "false").lower() == "true"
        tracker = await running(request).processor.append_events(
            conversation_id, events, execute_side_effects=side_effects
        )
        return tracker.current_state(verbosity)

    @app.post("/conversations/{conversation_id:path}/trigger_intent")
    async def trigger_intent(request: Request, conversation_id: str) -> dict[str, Any]:
        authorise(request)
        body = await _json_body(request)
        intent = body.get("name") if isinstance(body, dict) else None
        if not intent or not isinstance(intent, str):
            raise ErrorResponse(
                HTTPStatus.BAD_REQUEST,
                "BadRequest",
                "Name of the intent not provided in request body.",
                {"parameter": "name", "in": "body"},
            )
        verbosity = _verbosity(request, EventVerbosity.AFTER_RESTART)
        services = running(request)
        if intent not in services.model.domain.intents:
            raise ErrorResponse(
                HTTPStatus.NOT_FOUND,
                "NotFound",
                f"The intent {intent} does not exist in the domain.",
            )
        entities = body.get("entities") or []
        if not isinstance(entities, list | dict):
            raise ErrorResponse(
                HTTPStatus.BAD_REQUEST, "BadRequest", "'entities' must be a list or an object."
            )
        result = await services.processor.trigger_intent(conversation_id, intent, entities)
        return {"tracker": result.tracker.current_state(verbosity), "messages": result.messages}

    return app


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        raise ErrorResponse(HTTPStatus.BAD_REQUEST, "BadRequest", "The request body is empty.")
    try:
        return await request.json()
    except ValueError:
        raise ErrorResponse(
            HTTPStatus.BAD_REQUEST, "BadRequest", "The request body is not valid JSON."
        ) from None


def _verbosity(request: Request, default: EventVerbosity) -> EventVerbosity:
    raw = request.query_params.get("include_events", default.name).upper()
    try:
        return EventVerbosity[raw]
    except KeyError:
        names = ", ".join(member.name for member in EventVerbosity)
        raise ErrorResponse(
            HTTPStatus.BAD_REQUEST,
            "BadRequest",
            f"Invalid parameter value for 'include_events'. Should be one of {names}",
            {"parameter": "include_events", "in": "query"},
        ) from None


def _events_from_body(body: Any) -> list[Event]:
    items = body if isinstance(body, list) else [body]
    try:
        events = [event_from_dict(item) for item in items]
    except (UnsupportedEventError, TypeError, ValueError) as error:
        raise ErrorResponse(
            HTTPStatus.BAD_REQUEST,
            "BadRequest",
            f"Failed to validate the events format. Error: {error}",
        ) from None
    if not events:
        raise ErrorResponse(
            HTTPStatus.BAD_REQUEST,
            "BadRequest",
            "Couldn't extract a proper event from the request body.",
            {"parameter": "", "in": "body"},
        )
    return events
