"""``aftersales doctor``: what is wrong with this installation, and how to fix it.

Reads every service's settings from the environment, as the services themselves do, and
checks: the secrets in production, the database and its migrations, Redis where the engine
uses it, the service each process calls (api, action server, engine), and the Telegram token
when one is set. Each check prints one line; the exit status is 1 when any failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import ValidationError
from sqlalchemy.engine import URL, make_url

from aftersales.runtime import InsecureDefaultsError, RuntimeSettings

CHECK_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        advice = f"\n      fix: {self.fix}" if self.fix and not self.ok else ""
        return f"[{mark}] {self.check}: {self.detail}{advice}"


Check = Callable[[], Awaitable[list[Finding]]]


async def settings_and_secrets() -> list[Finding]:
    from actions.settings import ActionsSettings
    from api.settings import ApiSettings
    from bot.engine.settings import EngineSettings
    from bot.telegram.settings import BotConfigurationError, BotSettings
    from bot.webchat.settings import ensure_web_chat_usable

    findings: list[Finding] = []
    runtime = RuntimeSettings()
    findings.append(Finding("environment", True, runtime.env.value))
    for name, check in (
        ("api settings", lambda: ApiSettings().ensure_safe_for_environment()),
        ("action server settings", lambda: ActionsSettings().ensure_safe_for_environment()),
        ("engine settings", lambda: EngineSettings().ensure_safe_for_environment()),
        ("web chat settings", lambda: ensure_web_chat_usable(BotSettings())),
    ):
        try:
            check()
        except (InsecureDefaultsError, ValidationError, ValueError) as error:
            findings.append(Finding(name, False, str(error), "set the variable it names"))
        else:
            findings.append(Finding(name, True, "valid"))
    bot = BotSettings()
    if bot.telegram_token is not None and bot.telegram_token.get_secret_value():
        try:
            bot.ensure_usable()
        except (InsecureDefaultsError, BotConfigurationError) as error:
            findings.append(Finding("telegram settings", False, str(error), "set it"))
        else:
            findings.append(Finding("telegram settings", True, f"{bot.mode.value} mode"))
    return findings


async def database() -> list[Finding]:
    from api.db import create_engine
    from api.migrate import UPGRADE_COMMAND, DatabaseNotMigratedError, ensure_migrated
    from api.settings import ApiSettings

    url = make_url(ApiSettings().database_url)
    if await asyncio.to_thread(_sqlite_file_missing, url):
        return [
            Finding(
                "database",
                False,
                f"the SQLite file {url.database} does not exist",
                f"run `{UPGRADE_COMMAND}` to create it (or correct AFTERSALES_API_DATABASE_URL)",
            )
        ]
    engine = create_engine(url.render_as_string(hide_password=False))
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await ensure_migrated(engine)
    except DatabaseNotMigratedError as error:
        return [Finding("database", False, str(error), f"run `{UPGRADE_COMMAND}`")]
    except Exception as error:  # any failure to reach it is the finding
        return [
            Finding(
                "database",
                False,
                f"cannot be reached ({type(error).__name__}: {error})",
                "check AFTERSALES_API_DATABASE_URL and that the server runs",
            )
        ]
    finally:
        await engine.dispose()
    return [Finding("database", True, "reachable and migrated")]


async def redis() -> list[Finding]:
    from redis.asyncio import Redis

    from bot.engine.settings import EngineSettings

    engine = EngineSettings()
    urls = {
        url for url in (engine.tracker_store_url, engine.lock_store_url or "") if _is_redis(url)
    }
    findings = []
    for url in sorted(urls):
        client = Redis.from_url(url, socket_timeout=CHECK_TIMEOUT_SECONDS)
        try:
            await client.ping()
        except Exception as error:
            findings.append(
                Finding(
                    "redis",
                    False,
                    f"cannot be reached ({type(error).__name__})",
                    "check the engine's Redis URLs and that Redis runs",
                )
            )
        else:
            findings.append(Finding("redis", True, "answers"))
        finally:
            await client.aclose()
    return findings


async def downstream_services() -> list[Finding]:
    from actions.settings import ActionsSettings
    from bot.engine.settings import EngineSettings
    from bot.telegram.settings import BotSettings

    engine, bot = EngineSettings(), BotSettings()
    targets = [
        ("api (from the action server)", ActionsSettings().api_url.rstrip("/") + "/healthz"),
        ("api (from the bot)", bot.api_url.rstrip("/") + "/healthz"),
        ("engine (from the bot)", bot.engine_url.rstrip("/") + "/"),
    ]
    if engine.action_endpoint:
        health = engine.action_endpoint.removesuffix("/webhook").rstrip("/") + "/health"
        targets.append(("action server (from the engine)", health))
    findings = []
    async with httpx.AsyncClient(timeout=CHECK_TIMEOUT_SECONDS) as client:
        for name, url in targets:
            try:
                response = await client.get(url)
            except httpx.HTTPError as error:
                findings.append(
                    Finding(name, False, f"{url} unreachable ({type(error).__name__})", _START)
                )
                continue
            ok = response.is_success
            findings.append(Finding(name, ok, f"{url} answered {response.status_code}", _START))
    return findings


async def telegram_token() -> list[Finding]:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramAPIError

    from bot.telegram.settings import BotSettings

    settings = BotSettings()
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        return [Finding("telegram", True, "no token set: the web chat only")]
    session = AiohttpSession(
        api=TelegramAPIServer.from_base(settings.telegram_api_base)
        if settings.telegram_api_base
        else None
    )
    bot = Bot(settings.telegram_token.get_secret_value(), session=session)
    try:
        me = await bot.get_me(request_timeout=int(CHECK_TIMEOUT_SECONDS))
    except (TelegramAPIError, ValueError) as error:
        return [
            Finding(
                "telegram",
                False,
                f"the token was refused or Telegram is unreachable ({error})",
                "check AFTERSALES_BOT_TELEGRAM_TOKEN (from @BotFather)",
            )
        ]
    finally:
        await bot.session.close()
    return [Finding("telegram", True, f"token valid for @{me.username}")]


_START = "start it (`aftersales up`, or the service on its own) or correct its URL setting"
CHECKS: tuple[Check, ...] = (
    settings_and_secrets,
    database,
    redis,
    downstream_services,
    telegram_token,
)


def _sqlite_file_missing(url: URL) -> bool:
    # Connecting would create an empty file (and its folder) where the operator mistyped.
    return (
        url.get_backend_name() == "sqlite"
        and bool(url.database)
        and not Path(str(url.database)).exists()
    )


def _is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://", "unix://"))


async def diagnose(checks: tuple[Check, ...]) -> list[Finding]:
    findings: list[Finding] = []
    for check in checks:
        try:
            findings.extend(await check())
        except (ValidationError, ValueError) as error:
            findings.append(Finding(check.__name__, False, str(error), "correct the setting"))
    return findings


def run() -> int:
    findings = asyncio.run(diagnose(CHECKS))
    for finding in findings:
        print(finding.line())
    failed = sum(not finding.ok for finding in findings)
    verdict = f"{failed} failed" if failed else "all ok"
    print(f"{len(findings)} checks, {verdict}")
    return 1 if failed else 0
