"""Answers to troubleshooting steps: the next step, a solved case, or a visit."""

from __future__ import annotations

from typing import Any

from actions.api_client import AftersalesApi
from actions.fault_report import ActionSubmitFaultReport
from actions.troubleshooting import ActionTroubleshoot
from tests.actions.conversations import CUSTOMER, build_tracker, run

REPORT = {
    "product_model": "KFR-35GW/BpR3",
    "product_category": "air_conditioner",
    "brand": "gree",
    "serial_number": "GR251135BP040146",
    "purchase_date": "2025-12-20",
    "fault_description": "空调开机后一直不制冷",
}


async def _troubleshooting_started() -> dict[str, Any]:
    """The slots after a submitted report whose first step is shown."""
    turn = await run(ActionSubmitFaultReport(), build_tracker(slots=REPORT))
    assert turn.slots["awaiting"] == "step_feedback"
    return {**REPORT, **turn.slots}


def _button(outcome: str, slots: dict[str, Any]) -> Any:
    return build_tracker(
        slots=slots,
        text=f'/inform{{"step_outcome":"{outcome}"}}',
        entities=[{"entity": "step_outcome", "value": outcome}],
    )


async def _case_status(api: AftersalesApi, slots: dict[str, Any]) -> str:
    case = await api.get_case(CUSTOMER, int(slots["case_id"]))
    assert case is not None
    return case.status.value


async def test_not_fixed_shows_the_next_step(api: AftersalesApi) -> None:
    slots = await _troubleshooting_started()
    turn = await run(ActionTroubleshoot(), _button("not_fixed", slots))
    assert turn.slots["troubleshooting_step"] == 2.0
    assert turn.slots["awaiting"] == "step_feedback"
    assert turn.texts[0].startswith("(2/")
    assert turn.responses == ["utter_ask_step_outcome"]


async def test_a_skipped_step_moves_on_like_an_unsolved_one(api: AftersalesApi) -> None:
    slots = await _troubleshooting_started()
    turn = await run(ActionTroubleshoot(), _button("skip", slots))
    assert turn.slots["troubleshooting_step"] == 2.0


async def test_fixed_resolves_the_case(api: AftersalesApi) -> None:
    slots = await _troubleshooting_started()
    turn = await run(ActionTroubleshoot(), _button("fixed", slots))
    assert turn.responses == ["utter_troubleshooting_fixed", "utter_anything_else"]
    assert turn.slots["awaiting"] is None
    assert turn.slots["troubleshooting_guide_id"] is None
    assert await _case_status(api, slots) == "resolved"


async def test_a_typed_yes_means_solved_and_a_typed_no_means_not(api: AftersalesApi) -> None:
    slots = await _troubleshooting_started()
    no = await run(ActionTroubleshoot(), build_tracker(slots=slots, text="还是不行", intent="deny"))
    assert no.slots["troubleshooting_step"] == 2.0
    slots |= no.slots
    yes = await run(ActionTroubleshoot(), build_tracker(slots=slots, text="好了", intent="affirm"))
    assert yes.responses[0] == "utter_troubleshooting_fixed"
    assert await _case_status(api, slots) == "resolved"


async def test_after_the_last_step_a_visit_is_offered_and_the_case_waits_for_it(
    api: AftersalesApi,
) -> None:
    slots = await _troubleshooting_started()
    turn = None
    for _ in range(30):
        turn = await run(ActionTroubleshoot(), _button("not_fixed", slots))
        slots |= turn.slots
        if slots["awaiting"] != "step_feedback":
            break
    assert turn is not None
    assert turn.responses[-1] == "utter_offer_visit"
    assert slots["awaiting"] == "visit_offer"
    assert slots["troubleshooting_guide_id"] is None
    assert await _case_status(api, slots) == "awaiting_visit"

    declined = await run(
        ActionTroubleshoot(), build_tracker(slots=slots, text="不用了", intent="deny")
    )
    assert declined.responses == ["utter_anything_else"]
    assert declined.slots == {"awaiting": None}


async def test_within_the_return_window_the_visit_offer_also_names_the_return(
    api: AftersalesApi,
) -> None:
    slots = await _troubleshooting_started()
    slots |= {
        "warranty_entitlements": ["return", "exchange", "free_repair"],
        "troubleshooting_step": 99.0,
    }
    turn = await run(ActionTroubleshoot(), _button("not_fixed", slots))
    assert turn.responses == ["utter_return_available", "utter_offer_visit"]


async def test_an_answer_without_a_step_in_progress_is_told_so(api: AftersalesApi) -> None:
    turn = await run(ActionTroubleshoot(), _button("fixed", {}))
    assert turn.responses == ["utter_no_step_in_progress", "utter_how_can_i_help"]
    assert turn.slots["awaiting"] is None


async def test_while_the_api_is_down_the_step_stays_open(api_down: AftersalesApi) -> None:
    slots = {**REPORT, "case_id": "7", "troubleshooting_guide_id": "1", "troubleshooting_step": 1.0}
    turn = await run(ActionTroubleshoot(), _button("fixed", slots))
    assert turn.responses == ["utter_try_again_later"]
    assert turn.slots == {"awaiting": "step_feedback"}
