"""The real chain behind the bot, for takeover and proactive delivery tests: the api on a
migrated SQLite file and the embedded engine with a small purpose-built bot, each served over
real HTTP; and clients of the api in the roles that take part."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from api.app import create_app as create_api_app
from api.auth_roles import Role
from api.settings import DEVELOPMENT_KEYS, ApiSettings
from bot.engine.server import create_app as create_engine_app
from bot.engine.settings import EngineSettings
from tests.engine.dialogue_bots import KeywordParser, write_bot
from tests.support.live_server import free_port, serve_in_thread
from tests.support.outbound_hours import deliver_at_any_hour

DOMAIN = """\
version: "3.1"
intents: [greet, request_human, EXTERNAL_survey_due]
entities: [survey_id]
slots:
  survey_id:
    type: any
    influence_conversation: false
    mappings:
      - type: from_entity
        entity: survey_id
  awaiting:
    type: any
    influence_conversation: false
    mappings:
      - type: custom
  validation_failures:
    type: any
    influence_conversation: false
    mappings:
      - type: custom
actions: [action_handoff]
responses:
  utter_handoff_failed:
    - text: "暂时无法转接人工客服，请稍后再试。"
  utter_handoff_in_hours:
    - text: "已为您转接人工客服。"
  utter_greet:
    - text: "您好！请问有什么可以帮您？"
  utter_survey:
    - text: "请为本次服务打分（1-5）。"
"""

RULES = """\
version: "3.1"
rules:
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
- rule: a person
  steps:
  - intent: request_human
  - action: action_handoff
- rule: survey
  steps:
  - intent: EXTERNAL_survey_due
  - action: utter_survey
"""

GREETING = "您好！请问有什么可以帮您？"
ASK_FOR_A_PERSON = "转人工"
SURVEY_QUESTION = "请为本次服务打分（1-5）。"


@contextmanager
def live_engine(
    root: Path, action_endpoint: str = "", port: int | None = None, auth_token: str | None = None
) -> Iterator[str]:
    settings = EngineSettings(
        data_dir=write_bot(root / "project", DOMAIN, RULES),
        tracker_store_url=f"sqlite+aiosqlite:///{root / 'engine.sqlite3'}",
        action_endpoint=action_endpoint,
        cache_dir=root / "cache",
        auth_token=auth_token,
    )
    parser = KeywordParser({"hi": "greet", ASK_FOR_A_PERSON: "request_human"})
    with serve_in_thread(create_engine_app(settings, parser=parser), port=port) as url:
        yield url


@contextmanager
def live_action_server(api_url: str, *, startup_timeout: float = 30.0) -> Iterator[str]:
    """The project's own action server (``aftersales actions``) calling the live api;
    yields the webhook URL the engine calls."""
    port = free_port()
    environment = {
        **os.environ,
        "AFTERSALES_ACTIONS_API_URL": api_url,
        "AFTERSALES_ACTIONS_API_KEY": DEVELOPMENT_KEYS[Role.ACTIONS],
    }
    command = ["-m", "aftersales.cli", "actions", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, *command],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while not _answers(f"{base}/health"):
            if process.poll() is not None:
                raise RuntimeError("the action server stopped during start-up")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the action server did not start within {startup_timeout} s")
            time.sleep(0.05)
        yield f"{base}/webhook"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).is_success
    except httpx.HTTPError:
        return False


def api_app(database_url: str, root: Path) -> FastAPI:
    settings = ApiSettings(
        database_url=database_url,
        attachments_dir=root / "attachments",
        webhook_worker=False,
        warm_up=False,
    )
    return deliver_at_any_hour(create_api_app(settings))


class ApiAs:
    """Calls of the live api in one role (consumer roles name their consumer)."""

    def __init__(self, url: str, role: Role, customer: str | None = None) -> None:
        headers = {"X-API-Key": DEVELOPMENT_KEYS[role]}
        if customer is not None:
            headers["X-Customer-Id"] = customer
        self.http = httpx.AsyncClient(base_url=f"{url}/api/v1", headers=headers, timeout=10.0)

    async def call(self, method: str, path: str, **options: Any) -> Any:
        response = await self.http.request(method, path, **options)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    async def close(self) -> None:
        await self.http.aclose()


def zone_at(local_hour: int) -> str:
    """An IANA zone where the clock shows about ``local_hour`` now."""
    offset = (local_hour - datetime.now(UTC).hour + 12) % 24 - 12
    # The Etc/GMT zones count the other way round: Etc/GMT-8 is eight hours ahead of UTC.
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


def daytime_zone() -> str:
    """Where it is about midday: the outbound queue holds proactive messages back during the
    consumer's night, which is not what these tests are about."""
    return zone_at(12)


def night_zone() -> str:
    """Where it is about three in the morning, far from anyone's working hours."""
    return zone_at(3)


async def register_consumer(url: str, conversation_id: str, name: str) -> None:
    """The consumer's profile, as the actions keep it: a name, and a daytime zone."""
    actions = ApiAs(url, Role.ACTIONS, customer=conversation_id)
    try:
        await actions.call(
            "PUT",
            f"/customers/{conversation_id}",
            json={"display_name": name, "timezone": daytime_zone()},
        )
    finally:
        await actions.close()


async def open_handoff(url: str, conversation_id: str, summary: str) -> dict[str, Any]:
    """Queue the conversation for an agent the way ``action_handoff`` does."""
    actions = ApiAs(url, Role.ACTIONS, customer=conversation_id)
    try:
        handoff: dict[str, Any] = await actions.call(
            "POST",
            "/handoffs",
            json={"conversation_id": conversation_id, "reason": "requested", "summary": summary},
        )
    finally:
        await actions.close()
    return handoff
