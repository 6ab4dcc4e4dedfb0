"""Handoff tests run with two registered consumers and a catalogue for their cases."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.api.cases.workflow import add_categories, register_customer
from tests.api.handoffs.steps import CONSUMER, OTHER_CONSUMER


@pytest.fixture
async def consumers(api_app: FastAPI, admin_client: httpx.AsyncClient) -> None:
    await add_categories(api_app)
    await register_customer(admin_client, CONSUMER)
    await register_customer(admin_client, OTHER_CONSUMER, timezone="Europe/London")
