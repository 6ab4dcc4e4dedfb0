"""Health check of the image: asks the service the container runs whether it is alive.

The service is the ``aftersales`` subcommand of the container's main process; a one-shot
command (``db upgrade``, ``seed``) has no endpoint and counts as healthy. Standard library only:
the slim image has no curl.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

#: service -> (environment variable of its port, default port, health path)
ENDPOINTS: dict[str, tuple[str, int, str]] = {
    "api": ("AFTERSALES_API_PORT", 8000, "/healthz"),
    "actions": ("AFTERSALES_ACTIONS_PORT", 5055, "/health"),
    "engine": ("AFTERSALES_ENGINE_PORT", 5005, "/status"),
    "bot": ("AFTERSALES_BOT_PORT", 8080, "/health"),
}
ENGINE_TOKEN_VARIABLE = "AFTERSALES_ENGINE_AUTH_TOKEN"


def service_of(command_line: Sequence[str]) -> str | None:
    """The service named right after the ``aftersales`` program, if any."""
    for index, argument in enumerate(command_line[:-1]):
        if Path(argument).name == "aftersales":
            service = command_line[index + 1]
            return service if service in ENDPOINTS else None
    return None


def health_url(service: str, environ: Mapping[str, str]) -> str:
    port_variable, default_port, path = ENDPOINTS[service]
    url = f"http://127.0.0.1:{environ.get(port_variable) or default_port}{path}"
    token = environ.get(ENGINE_TOKEN_VARIABLE)
    if service == "engine" and token:
        # The engine, like Rasa, guards /status with ?token= when a token is set.
        url += f"?token={quote(token)}"
    return url


def main_process_command_line() -> list[str]:
    raw = Path("/proc/1/cmdline").read_bytes()
    return [part.decode() for part in raw.split(b"\0") if part]


def main() -> int:
    service = service_of(main_process_command_line())
    if service is None:
        return 0
    try:
        with urllib.request.urlopen(health_url(service, os.environ), timeout=4) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"{service} is not healthy: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
