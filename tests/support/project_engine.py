"""The embedded engine on the project's own ``nlu_data``, served over HTTP for the tests
that drive the whole chain; its trained model is kept in the pytest cache between runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.engine.server import create_app as create_engine_app
from bot.engine.settings import EngineSettings
from tests.support.live_server import serve_in_thread

PROJECT = Path(__file__).resolve().parents[2]
ENGINE_START_SECONDS = 300.0
"""The first start trains the NLU; later ones load it from the cache."""


@contextmanager
def serving_project_engine(action_endpoint: str, workdir: Path, model_cache: Path) -> Iterator[str]:
    """The engine's address; its conversations live in a SQLite file in ``workdir``."""
    settings = EngineSettings(
        data_dir=PROJECT / "nlu_data",
        tracker_store_url=f"sqlite+aiosqlite:///{workdir / 'engine.sqlite3'}",
        action_endpoint=action_endpoint,
        cache_dir=model_cache,
    )
    with serve_in_thread(
        create_engine_app(settings), startup_timeout=ENGINE_START_SECONDS
    ) as engine_url:
        yield engine_url
