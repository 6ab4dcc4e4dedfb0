"""Schema-driven fuzzing of every api operation: no input may cause a server error.

Schemathesis generates valid and invalid requests from the app's own OpenAPI document and
sends them over real HTTP to the api running on a migrated SQLite database with the demo
data, authenticated as admin so that every operation is reachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from api.app import create_app
from api.auth_roles import Role
from api.migrate import upgrade
from api.settings import DEVELOPMENT_KEYS, ApiSettings
from tests.support.live_server import serve_in_thread

ADMIN_HEADERS = {"X-API-Key": DEVELOPMENT_KEYS[Role.ADMIN]}


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory: Path = tmp_path_factory.mktemp("fuzz")
    database_url = f"sqlite+aiosqlite:///{directory / 'fuzz.sqlite3'}"
    upgrade(database_url)
    settings_ = ApiSettings(
        database_url=database_url,
        attachments_dir=directory / "attachments",
        load_demo_data=True,
    )
    with serve_in_thread(create_app(settings_)) as base_url:
        yield base_url


# The document is built from the app itself (no server needed), so operations are known at
# collection time; the requests then go to the live server.
_config = schemathesis.Config()
_config.projects.default.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    allow_x00=True,
)
schema = schemathesis.openapi.from_dict(create_app(ApiSettings()).openapi(), config=_config)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_causes_a_server_error(case: schemathesis.Case, live_api: str) -> None:
    case.call_and_validate(base_url=live_api, headers=ADMIN_HEADERS, checks=[not_a_server_error])
