"""What ``aftersales engine`` runs: serve the engine, or only check the project data."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from bot.engine.settings import EngineSettings
from bot.engine.yaml_source import DataError


def check(data_dir: Path | None = None) -> int:
    """Load and validate the data like the server does at start-up; report the first error."""
    from bot.engine.model import load_dialogue_model

    settings = EngineSettings()
    directory = data_dir or settings.data_dir
    try:
        model = load_dialogue_model(directory)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    domain = model.domain
    print(
        f"{directory}: {len(domain.intents)} intents, {len(domain.entities)} entities, "
        f"{len(domain.slots)} slots, {len(domain.forms)} forms, "
        f"{len(domain.responses)} responses, {model.policy.rule_count} rule keys; "
        f"model id {model.fingerprint}"
    )
    return 0


def serve(host: str | None = None, port: int | None = None, data_dir: Path | None = None) -> int:
    import uvicorn

    from aftersales.logs import configure_logging
    from bot.engine.server import create_app

    configure_logging("engine")
    # httpx logs every request at INFO: one line per action call.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    overrides = {"data_dir": data_dir} if data_dir else {}
    settings = EngineSettings(**overrides)
    # Logs go through the project's logging; one access line per turn would cost more
    # than the turn's own logging, as in the api.
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        access_log=False,
    )
    return 0
