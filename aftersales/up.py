"""``aftersales up``: every process of the assistant on this machine, started and stopped together.

Each service runs as its own child process (exactly as it would in production), started in
dependency order and awaited until it answers its health check. Ctrl-C, or any child exiting,
stops them all.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass

import httpx

from aftersales.runtime import RuntimeSettings

STOP_TIMEOUT_S = 15.0
READY_TIMEOUT_S = 180.0


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    arguments: tuple[str, ...]
    health_url: str


def planned_services() -> list[Service]:
    from actions.settings import ActionsSettings
    from api.settings import ApiSettings
    from bot.engine.settings import EngineSettings
    from bot.telegram.settings import BotSettings

    api, actions, engine = ApiSettings(), ActionsSettings(), EngineSettings()
    bot = BotSettings()
    return [
        Service(
            "api",
            ("api", "--migrate", "--demo-data"),
            f"http://{api.host}:{api.port}/readyz",
        ),
        Service("actions", ("actions",), f"http://127.0.0.1:{actions.port}/health"),
        Service("engine", ("engine",), f"http://{engine.host}:{engine.port}/status"),
        Service("bot", ("bot",), f"http://{bot.host}:{bot.port}/health"),
    ]


async def _wait_until_healthy(service: Service, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"{service.name} exited with code {process.returncode}")
            try:
                if (await client.get(service.health_url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise TimeoutError(f"{service.name} did not become healthy in {READY_TIMEOUT_S:.0f} s")


async def _stop(processes: dict[str, asyncio.subprocess.Process]) -> None:
    for process in reversed(processes.values()):
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
    for name, process in reversed(processes.items()):
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            print(f"{name} did not stop in {STOP_TIMEOUT_S:.0f} s; killing it", file=sys.stderr)
            process.kill()
            await process.wait()


async def run_all(services: list[Service]) -> int:
    processes: dict[str, asyncio.subprocess.Process] = {}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        for service in services:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "aftersales.cli", *service.arguments, env=dict(os.environ)
            )
            processes[service.name] = process
            if service.health_url:
                waiting = asyncio.create_task(_wait_until_healthy(service, process))
                stopping = asyncio.create_task(stop.wait())
                done, _ = await asyncio.wait(
                    {waiting, stopping}, return_when=asyncio.FIRST_COMPLETED
                )
                stopping.cancel()
                if waiting not in done:
                    waiting.cancel()
                    return 130
                waiting.result()
            print(f"✓ {service.name} is up", flush=True)
        _print_addresses()
        exits = [asyncio.create_task(process.wait()) for process in processes.values()]
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({*exits, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        crashed = [name for name, process in processes.items() if process.returncode is not None]
        if crashed:
            print(f"{', '.join(crashed)} stopped; stopping the others", file=sys.stderr)
            return 1
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(f"start-up failed: {error}", file=sys.stderr)
        return 1
    finally:
        await _stop(processes)


def _print_addresses() -> None:
    from api.settings import ApiSettings
    from bot.http_app import telegram_configured
    from bot.telegram.settings import BotSettings

    api, bot = ApiSettings(), BotSettings()
    telegram = "on" if telegram_configured(bot) else "off (set TELEGRAM_BOT_TOKEN)"
    print(
        "\nAftersales Assistant is running.\n"
        f"  web chat:            http://{bot.host}:{bot.port}/chat\n"
        f"  api + OpenAPI docs:  http://{api.host}:{api.port}/docs\n"
        "  engine (Rasa API):   http://127.0.0.1:5005/status\n"
        f"  Telegram bot:        {telegram}\n"
        "  Press Ctrl-C to stop everything.\n",
        flush=True,
    )


def up() -> int:
    if RuntimeSettings().is_production:
        print("aftersales up is for local use; start each service on its own in production.")
        return 2
    return asyncio.run(run_all(planned_services()))
