"""A technician's quote put to the consumer and decided in the conversation, against the real
api: shown itemised with approve/decline buttons, the decision recorded, a decided or replaced
quote said to be so, and a decision kept asked for while the api is away."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from actions.api_client import AftersalesApi
from actions.quotes import ActionDecideQuote, ActionPresentQuote
from api.auth_roles import Role
from api.settings import DEVELOPMENT_KEYS
from tests.actions.conversations import build_tracker, run
from tests.actions.visits import MICROWAVE_OUT_OF_WARRANTY, booked_visit


def _text(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


QUOTE = {
    "cause": _text("磁控管老化", "The magnetron is worn out"),
    "work": _text("更换磁控管", "Replace the magnetron"),
    "risks": _text("无", "None"),
    "lines": [
        {"kind": "visit", "description": _text("上门费", "Visit fee"), "unit_price_fen": 3000},
        {
            "kind": "labour",
            "code": "electrical",
            "band": "standard",
            "description": _text("更换磁控管", "Magnetron replacement"),
            "unit_price_fen": 6000,
        },
        {
            "kind": "part",
            "code": "magnetron",
            "genuine": True,
            "description": _text("磁控管", "Magnetron"),
            "unit_price_fen": 18000,
        },
    ],
}


@pytest.fixture
async def technician(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The api as the technician's tools call it (the backend role)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api_app),
        base_url="http://api/api/v1",
        headers={"X-API-Key": DEVELOPMENT_KEYS[Role.BACKEND]},
    ) as client:
        yield client


async def _quoted(api: AftersalesApi, technician: httpx.AsyncClient) -> tuple[int, int]:
    visit_id = int(await booked_visit(api, MICROWAVE_OUT_OF_WARRANTY, fee_consent=True))
    posted = await technician.post(f"/visits/{visit_id}/quotes", json=QUOTE)
    assert posted.status_code == 201, posted.text
    return visit_id, int(posted.json()["id"])


def _ready(visit_id: int, quote_id: int, **slots: Any) -> Any:
    entities = [
        {"entity": "quote_id", "value": quote_id},
        {"entity": "visit_id", "value": visit_id},
    ]
    return build_tracker(slots=slots, intent="EXTERNAL_quote_ready", entities=entities)


async def test_a_quote_is_shown_itemised_and_approved_with_a_tap(
    api: AftersalesApi, technician: httpx.AsyncClient
) -> None:
    visit_id, quote_id = await _quoted(api, technician)
    shown = await run(ActionPresentQuote(), _ready(visit_id, quote_id))
    [text] = shown.texts
    assert "故障原因：磁控管老化" in text and "合计：¥270" in text
    assert "· 磁控管（原厂配件）: ¥180" in text
    [message] = shown.messages
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]
    assert shown.slots == {"quote_id": str(quote_id), "awaiting": "quote_decision"}

    tracker = build_tracker(slots={"quote_id": str(quote_id)}, intent="affirm")
    decided = await run(ActionDecideQuote(), tracker)
    assert decided.texts == ["好的，已确认报价。工程师会按报价维修，收费不会超过 ¥270。"]
    assert decided.slots == {"awaiting": None}
    [quote] = (await technician.get(f"/visits/{visit_id}/quotes")).json()
    assert quote["status"] == "approved"

    again = await run(ActionPresentQuote(), _ready(visit_id, quote_id, language="en"))
    assert again.texts == [
        "This quote has already been decided or replaced by a newer one from the engineer; "
        "please go by the latest quote."
    ]


async def test_a_quote_declined_in_english(
    api: AftersalesApi, technician: httpx.AsyncClient
) -> None:
    visit_id, quote_id = await _quoted(api, technician)
    shown = await run(ActionPresentQuote(), _ready(visit_id, quote_id, language="en"))
    assert "Total: CNY 270" in shown.texts[0] and "(genuine part)" in shown.texts[0]
    tracker = build_tracker(slots={"quote_id": str(quote_id), "language": "en"}, intent="deny")
    decided = await run(ActionDecideQuote(), tracker)
    assert decided.texts[0].startswith("Noted: you declined the quote")
    [quote] = (await technician.get(f"/visits/{visit_id}/quotes")).json()
    assert quote["status"] == "declined"


async def test_deciding_a_replaced_quote_says_so(
    api: AftersalesApi, technician: httpx.AsyncClient
) -> None:
    visit_id, first = await _quoted(api, technician)
    newer = await technician.post(f"/visits/{visit_id}/quotes", json=QUOTE)
    assert newer.status_code == 201
    tracker = build_tracker(slots={"quote_id": str(first)}, intent="affirm")
    decided = await run(ActionDecideQuote(), tracker)
    assert decided.texts == ["这份报价已处理过，或已被工程师的新报价取代；请以最新的报价为准。"]
    assert decided.slots == {"awaiting": None}


async def test_with_the_api_away_the_decision_is_asked_for_again(
    api_down: AftersalesApi,
) -> None:
    tracker = build_tracker(slots={"quote_id": "7", "awaiting": "quote_decision"}, intent="affirm")
    decided = await run(ActionDecideQuote(), tracker)
    assert decided.texts == ["系统繁忙，您的决定暂未保存，请稍后再回复一次“同意”或“不修了”。"]
    assert decided.slots == {"awaiting": "quote_decision"}
