"""Fee questions answered from the api's published schedule: free and why for a repair the
warranty covers; the visit fee, the labour range and what decides the price otherwise; what
the price depends on when there is nothing to look up or the api is away."""

from __future__ import annotations

from typing import Any

from actions.api_client import AftersalesApi
from actions.fees import ActionAnswerFee, money
from tests.actions.conversations import build_tracker, run
from tests.actions.visits import MICROWAVE_OUT_OF_WARRANTY, TV_IN_WARRANTY, reported_case


async def _answer(**slots: Any) -> list[str]:
    turn = await run(ActionAnswerFee(), build_tracker(slots=slots))
    return list(turn.texts)


async def test_a_covered_case_is_free_and_says_why(api: AftersalesApi) -> None:
    case = await reported_case(TV_IN_WARRANTY)
    [answer] = await _answer(case_id=case["case_id"])
    assert answer.startswith("这次维修对您免费：")
    assert "¥" not in answer


async def test_a_paid_case_gets_the_published_figures_in_its_language(api: AftersalesApi) -> None:
    case = await reported_case(MICROWAVE_OUT_OF_WARRANTY)
    [chinese] = await _answer(case_id=case["case_id"])
    [english] = await _answer(case_id=case["case_id"], language="en")
    assert "上门费 ¥" in chinese and "人工费 ¥" in chinese and "配件按标价另计" in chinese
    assert "Visit fee: CNY " in english and "Labour: CNY " in english
    assert "quote" in english


async def test_a_product_without_a_case_is_looked_up_by_its_category(api: AftersalesApi) -> None:
    [paid] = await _answer(product_category="refrigerator", warranty_status="out_of_warranty")
    [unsettled] = await _answer(product_category="refrigerator")
    assert "上门费 ¥" in paid
    assert "尚未确定是否在保修期内" in unsettled and "人工费 ¥" in unsettled


async def test_with_nothing_to_look_up_the_answer_says_what_the_price_depends_on(
    api: AftersalesApi,
) -> None:
    turn = await run(ActionAnswerFee(), build_tracker(slots={}))
    assert turn.responses == ["utter_fee_depends_on_warranty"]


async def test_with_the_api_away_no_figure_is_given(api_down: AftersalesApi) -> None:
    tracker = build_tracker(
        slots={"product_category": "microwave", "warranty_status": "out_of_warranty"}
    )
    turn = await run(ActionAnswerFee(), tracker)
    assert turn.responses == ["utter_fee_paid"]


def test_money_reads_naturally_in_each_language() -> None:
    assert (money(8000, "CNY", "zh"), money(8050, "CNY", "en")) == ("¥80", "CNY 80.50")
    assert money(1999, "HKD", "zh") == "HKD 19.99"
