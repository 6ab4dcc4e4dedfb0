"""``aftersales doctor`` against real things: a migrated SQLite file, a running api, the
fake Telegram Bot API, Redis where one runs, and the settings' production checks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aftersales import doctor
from aftersales.doctor import Finding
from api.app import create_app
from api.settings import ApiSettings
from tests.support.databases import MigratedSqliteTemplate
from tests.support.fake_telegram import FakeTelegram
from tests.support.live_server import serve_in_thread


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> MigratedSqliteTemplate:
    return MigratedSqliteTemplate(tmp_path_factory.mktemp("doctor"))


def by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {finding.check: finding for finding in findings}


async def test_a_migrated_database_passes(
    template: MigratedSqliteTemplate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFTERSALES_API_DATABASE_URL", template.fresh_url(tmp_path))
    [finding] = await doctor.database()
    assert finding.ok, finding.line()


async def test_an_empty_database_is_told_to_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    monkeypatch.setenv("AFTERSALES_API_DATABASE_URL", f"sqlite+aiosqlite:///{empty}")
    [finding] = await doctor.database()
    assert not finding.ok
    assert "aftersales db upgrade" in finding.fix


async def test_a_missing_sqlite_file_is_reported_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "typo" / "aftersales.sqlite3"
    monkeypatch.setenv("AFTERSALES_API_DATABASE_URL", f"sqlite+aiosqlite:///{missing}")
    [finding] = await doctor.database()
    assert not finding.ok and "does not exist" in finding.detail
    assert not missing.parent.exists()


async def test_production_with_development_secrets_names_the_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AFTERSALES_ENV", "production")
    findings = by_check(await doctor.settings_and_secrets())
    assert not findings["api settings"].ok
    assert "AFTERSALES_API_KEY_ACTIONS" in findings["api settings"].detail
    assert "AFTERSALES_ENGINE_AUTH_TOKEN" in findings["engine settings"].detail
    assert "AFTERSALES_ACTIONS_API_KEY" in findings["action server settings"].detail


@pytest.fixture
def running_api(
    template: MigratedSqliteTemplate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    settings = ApiSettings(
        database_url=template.fresh_url(tmp_path),
        attachments_dir=tmp_path / "attachments",
        webhook_worker=False,
        warm_up=False,
    )
    with serve_in_thread(create_app(settings)) as url:
        yield url


async def test_services_that_answer_pass_and_others_say_how_to_start_them(
    running_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFTERSALES_ACTIONS_API_URL", running_api)
    monkeypatch.setenv("AFTERSALES_BOT_API_URL", running_api)
    monkeypatch.setenv("AFTERSALES_BOT_ENGINE_URL", "http://127.0.0.1:9")
    findings = by_check(await doctor.downstream_services())
    assert findings["api (from the action server)"].ok
    assert findings["api (from the bot)"].ok
    engine = findings["engine (from the bot)"]
    assert not engine.ok and "aftersales up" in engine.fix


async def test_the_telegram_token_is_asked_of_the_bot_api(monkeypatch: pytest.MonkeyPatch) -> None:
    telegram = FakeTelegram()
    with telegram.running() as base_url:
        monkeypatch.setenv("AFTERSALES_BOT_TELEGRAM_API_BASE", base_url)
        monkeypatch.setenv("AFTERSALES_BOT_TELEGRAM_TOKEN", telegram.token)
        [valid] = await doctor.telegram_token()
        monkeypatch.setenv("AFTERSALES_BOT_TELEGRAM_TOKEN", "42:not-the-token")
        [refused] = await doctor.telegram_token()
    assert valid.ok and "aftersales_test_bot" in valid.detail
    assert not refused.ok and "AFTERSALES_BOT_TELEGRAM_TOKEN" in refused.fix


def test_the_exit_status_says_whether_anything_failed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def fine() -> list[Finding]:
        return [Finding("one", True, "fine")]

    async def broken() -> list[Finding]:
        return [Finding("two", False, "broken", "mend it")]

    monkeypatch.setattr(doctor, "CHECKS", (fine,))
    assert doctor.run() == 0
    monkeypatch.setattr(doctor, "CHECKS", (fine, broken))
    assert doctor.run() == 1
    printed = capsys.readouterr().out
    assert "[FAIL] two: broken" in printed and "fix: mend it" in printed
