"""Quote tests book visits, so they run at the scheduling tests' fixed moment against the
demo gazetteer of served areas."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from fastapi import FastAPI

from tests.api.scheduling.steps import NOW, load_served_areas


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
async def served_areas(api_app: FastAPI, clock: time_machine.Coordinates) -> None:
    await load_served_areas(api_app)
