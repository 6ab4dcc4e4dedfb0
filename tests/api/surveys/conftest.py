"""Survey tests: two consumers (Shanghai, Chinese; London, English) with cases, and no
background reminder timer, so that every reminder pass in a test is the test's own."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from api.surveys.settings import survey_settings
from tests.api.cases.workflow import add_categories, register_customer
from tests.api.surveys.steps import LONDON_CONSUMER, SHANGHAI_CONSUMER


@pytest.fixture(autouse=True)
def no_background_timer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AFTERSALES_API_SURVEYS_TIMER_ENABLED", "false")
    survey_settings.cache_clear()
    yield
    survey_settings.cache_clear()


@pytest.fixture
async def consumers(api_app: FastAPI, admin_client: httpx.AsyncClient) -> None:
    await add_categories(api_app)
    await register_customer(admin_client, SHANGHAI_CONSUMER, locale="zh")
    await register_customer(admin_client, LONDON_CONSUMER, locale="en-GB", timezone="Europe/London")
