"""One request id follows a consumer's message through every process: from the bot's call
of the engine, through the engine's call of the action server, to the action's call of the
api; each answer echoes it, and log lines written meanwhile carry it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path

import httpx
from fastapi import Request, Response

from aftersales.request_ids import HEADER, add_request_id, request_id_bound
from bot.telegram.engine_client import EngineClient, engine_http_client
from bot.telegram.settings import BotSettings
from tests.bot.live_chain import (
    ASK_FOR_A_PERSON,
    api_app,
    live_action_server,
    live_engine,
    register_consumer,
)
from tests.support.databases import MigratedSqliteTemplate
from tests.support.live_server import serve_in_thread

CONVERSATION = "tg:5151"
REQUEST_ID = "tg-update-777001"


async def test_the_id_of_a_message_reaches_the_api_through_engine_and_actions(
    tmp_path: Path, sqlite_template: MigratedSqliteTemplate
) -> None:
    api = api_app(sqlite_template.fresh_url(tmp_path), tmp_path)
    heard: list[tuple[str, str | None]] = []

    @api.middleware("http")
    async def note_request_ids(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        heard.append((f"{request.method} {request.url.path}", request.headers.get(HEADER)))
        return await call_next(request)

    with ExitStack() as stack:
        api_url = stack.enter_context(serve_in_thread(api))
        await register_consumer(api_url, CONVERSATION, "陈静")
        endpoint = stack.enter_context(live_action_server(api_url))
        engine_url = stack.enter_context(live_engine(tmp_path / "engine", endpoint))
        heard.clear()
        settings = BotSettings(telegram_token=None, engine_url=engine_url)
        async with engine_http_client(settings) as http:
            with request_id_bound(REQUEST_ID):
                await EngineClient(http).send(CONVERSATION, ASK_FOR_A_PERSON, {})
        async with httpx.AsyncClient() as client:
            stranger = await client.get(
                f"{api_url}/healthz", headers={HEADER: "not an id, with spaces"}
            )
            echoed = await client.get(f"{api_url}/healthz", headers={HEADER: REQUEST_ID})

    handoffs = [request_id for call, request_id in heard if call == "POST /api/v1/handoffs"]
    assert handoffs == [REQUEST_ID]
    assert echoed.headers[HEADER] == REQUEST_ID
    replaced = stranger.headers[HEADER]
    assert replaced != "not an id, with spaces" and len(replaced) == 32


def test_log_lines_written_for_a_request_carry_its_id() -> None:
    with request_id_bound(REQUEST_ID):
        inside = add_request_id(None, "info", {"event": "handoff.opened"})
    outside = add_request_id(None, "info", {"event": "handoff.opened"})
    assert inside == {"event": "handoff.opened", "request_id": REQUEST_ID}
    assert outside == {"event": "handoff.opened"}
