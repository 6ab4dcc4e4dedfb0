"""The launcher that runs a started server with its clock moved to the stories' day."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pytest
import time_machine

from bot.engine.stories import moved_clock


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        ([], "usage: moved_clock"),
        (["2026-11-23T10:00:00+08:00"], "usage: moved_clock"),
        (["yesterday", "api"], "not an ISO date and time"),
        (["2026-11-23T10:00:00", "api"], "needs a UTC offset"),
    ],
)
def test_bad_arguments_are_refused(
    argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert moved_clock.main(argv) == 2
    assert complaint in capsys.readouterr().err


def test_the_command_runs_with_the_clock_moved(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[datetime] = []

    def aftersales(argv: list[str]) -> int:
        seen.append(datetime.now().astimezone())
        return len(argv)

    monkeypatch.setattr("aftersales.cli.main", aftersales)
    assert moved_clock.main(["2026-11-23T10:00:00+08:00", "api", "--port", "1"]) == 3
    [moment] = seen
    assert abs(moment - datetime.fromisoformat("2026-11-23T10:00:00+08:00")).total_seconds() < 60
    assert not time_machine.escape_hatch.is_travelling(), "the clock is back afterwards"


def test_the_launcher_runs_as_a_module() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.engine.stories.moved_clock",
            "2026-11-23T10:00:00+08:00",
            "--help",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0
    assert "test-stories" in completed.stdout
