"""Conversation log tests: two registered consumers, one with a case and a photo."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.api.cases.samples import JPEG
from tests.api.cases.workflow import add_categories, open_case, register_customer

CONSUMER = "tg:6001"
OTHER_CONSUMER = "web:session-6002"


@pytest.fixture
async def attachments(api_app: FastAPI, admin_client: httpx.AsyncClient) -> dict[str, int]:
    """The id of one photo attached to a case of each consumer."""
    await add_categories(api_app)
    ids: dict[str, int] = {}
    for consumer in (CONSUMER, OTHER_CONSUMER):
        await register_customer(admin_client, consumer)
        case = await open_case(admin_client, consumer)
        upload = await admin_client.post(
            f"/api/v1/cases/{case['id']}/attachments",
            files={"file": ("photo.jpg", JPEG, "image/jpeg")},
            data={"kind": "fault_photo"},
        )
        assert upload.status_code == 201, upload.text
        ids[consumer] = upload.json()["id"]
    return ids
