"""Case tests run against a catalogue that knows a few categories."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.api.cases.workflow import add_categories


@pytest.fixture
async def categories(api_app: FastAPI) -> None:
    await add_categories(api_app)
