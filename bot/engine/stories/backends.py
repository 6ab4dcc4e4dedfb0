"""The real api and action server for a story run, started as child processes.

The api gets a fresh SQLite database in a temporary directory, migrated and loaded with the
demo data; each listens on a free local port. The action server reaches the api through an
:class:`~bot.engine.stories.api_gate.ApiGate` in this process, which can make the api
unavailable to one conversation (the stories' ``api_unavailable_during``). Given
``clock``, both run with their clocks moved to that moment (and ticking from there), so
relative dates in the stories ("last week", 上周) and the free visit slots are the same
whatever day the stories run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from bot.engine.stories.api_gate import ApiGate, started_api_gate

START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 15.0


class BackendError(RuntimeError):
    """A backend process failed to start; the message ends with its log."""


@dataclass(frozen=True, slots=True)
class Backends:
    api_url: str
    action_endpoint: str
    #: In front of the api for the action server: makes it unavailable on demand.
    api_gate: ApiGate


@contextmanager
def started_backends(
    *, api_url: str | None = None, clock: datetime | None = None
) -> Iterator[Backends]:
    """Start what is missing: the api (unless ``api_url`` names a running one), the gate in
    front of it and an action server calling the api through the gate; all stop when the
    block ends."""
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="stories-")))
        launcher = _Launcher(workdir, clock)
        if api_url is None:
            api_url = stack.enter_context(launcher.api())
        gate = stack.enter_context(started_api_gate(api_url))
        actions_url = stack.enter_context(launcher.actions(gate.url))
        yield Backends(api_url=api_url, action_endpoint=f"{actions_url}/webhook", api_gate=gate)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Launcher:
    def __init__(self, workdir: Path, clock: datetime | None) -> None:
        self.workdir = workdir
        self.clock = clock

    def command(self, *arguments: str) -> list[str]:
        if self.clock is None:
            return [sys.executable, "-m", "aftersales.cli", *arguments]
        return [
            sys.executable,
            "-m",
            "bot.engine.stories.moved_clock",
            self.clock.isoformat(),
            *arguments,
        ]

    @contextmanager
    def api(self) -> Iterator[str]:
        env = {
            **os.environ,
            "AFTERSALES_API_DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / 'api.sqlite3'}",
            "AFTERSALES_API_ATTACHMENTS_DIR": str(self.workdir / "attachments"),
        }
        self._run("api-migrate", self.command("db", "upgrade"), env)
        self._run("api-seed", self.command("seed", "--demo"), env)
        port = free_port()
        with self._serve("api", self.command("api", "--port", str(port)), env) as process:
            url = f"http://127.0.0.1:{port}"
            self._wait_until_ready("api", process, f"{url}/readyz")
            yield url

    @contextmanager
    def actions(self, api_url: str) -> Iterator[str]:
        env = {**os.environ, "AFTERSALES_ACTIONS_API_URL": api_url}
        port = free_port()
        with self._serve("actions", self.command("actions", "--port", str(port)), env) as process:
            url = f"http://127.0.0.1:{port}"
            self._wait_until_ready("actions", process, f"{url}/health")
            yield url

    def _log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def _run(self, name: str, command: Sequence[str], env: dict[str, str]) -> None:
        with self._log(name).open("wb") as log:
            completed = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        if completed.returncode != 0:
            raise BackendError(f"{' '.join(command[2:])} failed:\n{self._tail(name)}")

    @contextmanager
    def _serve(
        self, name: str, command: Sequence[str], env: dict[str, str]
    ) -> Iterator[subprocess.Popen[bytes]]:
        with self._log(name).open("wb") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _wait_until_ready(self, name: str, process: subprocess.Popen[bytes], url: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BackendError(
                    f"the {name} exited with {process.returncode}:\n{self._tail(name)}"
                )
            try:
                if httpx.get(url, timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise BackendError(
            f"the {name} was not ready in {START_TIMEOUT_S:.0f} s:\n{self._tail(name)}"
        )

    def _tail(self, name: str, lines: int = 30) -> str:
        text = self._log(name).read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])
