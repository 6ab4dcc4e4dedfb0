"""Start the project's real processes for a benchmark and stop them afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

AFTERSALES = [sys.executable, "-m", "aftersales.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_ready(url: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not become ready in {timeout_s} s")


def postgres_available(url: str) -> bool:
    import asyncio

    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def probe() -> bool:
        try:
            connection = await asyncpg.connect(dsn, timeout=3)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        await connection.close()
        return True

    return asyncio.run(probe())


def run_cli(*args: str, env: dict[str, str]) -> None:
    subprocess.run([*AFTERSALES, *args], env=env, check=True, stdout=subprocess.DEVNULL)


def api_environment(database_url: str, workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AFTERSALES_API_DATABASE_URL": database_url,
        "AFTERSALES_API_ATTACHMENTS_DIR": str(workdir / "attachments"),
    }


@contextmanager
def running_api(database_url: str, workdir: Path, *, seed_demo: bool = True) -> Iterator[str]:
    """Migrate and seed the database, then serve the api in a child process."""
    env = api_environment(database_url, workdir)
    run_cli("db", "upgrade", env=env)
    if seed_demo:
        run_cli("seed", "--demo", env=env)
    with serving_api(env) as base_url:
        yield base_url


@contextmanager
def serving_api(env: dict[str, str]) -> Iterator[str]:
    """One api process on a database that is ready; its address."""
    port = free_port()
    process = subprocess.Popen(
        [*AFTERSALES, "api", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base_url}/readyz")
        yield base_url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
