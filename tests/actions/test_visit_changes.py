"""Moving and cancelling a booked visit, against the real api."""

from __future__ import annotations

import json

from actions.api_client import AftersalesApi
from actions.api_models import Visit, VisitStatus
from actions.visit_changes import ActionCancelVisit, ActionRescheduleVisit
from actions.visit_windows import window_key
from tests.actions.conversations import CUSTOMER, build_tracker, run
from tests.actions.visits import MICROWAVE_OUT_OF_WARRANTY, booked_visit


async def _visit(api: AftersalesApi, visit_id: str) -> Visit:
    for case in await api.list_cases(CUSTOMER):
        for visit in await api.case_visits(CUSTOMER, case.id):
            if visit.id == int(visit_id):
                return visit
    raise AssertionError(f"no visit {visit_id}")


async def test_a_visit_is_moved_to_the_window_chosen(api: AftersalesApi) -> None:
    visit_id = await booked_visit(api)
    before = await _visit(api, visit_id)

    offer = await run(
        ActionRescheduleVisit(), build_tracker(text="改约", intent="reschedule_visit")
    )
    assert offer.slots == {
        "visit_id": visit_id,
        "visit_window": None,
        "awaiting": "reschedule_choice",
    }
    buttons = offer.buttons("utter_choose_new_visit_window")
    windows = [
        json.loads(button["payload"].removeprefix("/inform"))["visit_window"] for button in buttons
    ]
    assert window_key(before.window) not in windows

    chosen = windows[-1]
    moved = await run(
        ActionRescheduleVisit(),
        build_tracker(
            slots={"awaiting": "reschedule_choice", "visit_id": visit_id, "visit_window": chosen},
            intent="inform",
        ),
    )
    assert moved.responses == ["utter_visit_rescheduled"]
    assert moved.slots == {"awaiting": None}
    assert window_key((await _visit(api, visit_id)).window) == chosen


async def test_with_several_visits_the_consumer_is_asked_which(api: AftersalesApi) -> None:
    first = await booked_visit(api)
    second = await booked_visit(api, MICROWAVE_OUT_OF_WARRANTY, fee_consent=True)

    asked = await run(ActionCancelVisit(), build_tracker(text="取消上门", intent="cancel_visit"))
    assert asked.slots == {"awaiting": None}
    payloads = [button["payload"] for button in asked.buttons("utter_which_visit")]
    assert sorted(payloads) == sorted(
        f'/cancel_visit{{"visit_id":"{visit_id}"}}' for visit_id in (first, second)
    )

    named = await run(
        ActionCancelVisit(),
        build_tracker(
            text=payloads[0],
            intent="cancel_visit",
            entities=[{"entity": "visit_id", "value": second}],
        ),
    )
    assert named.slots["visit_id"] == second
    assert named.slots["awaiting"] == "cancel_confirmation"


async def test_a_cancellation_is_confirmed_with_its_reason(api: AftersalesApi) -> None:
    visit_id = await booked_visit(api)
    asked = await run(
        ActionCancelVisit(), build_tracker(text="上门取消吧，不用来了", intent="cancel_visit")
    )
    assert asked.responses == ["utter_confirm_cancel_visit"]
    assert asked.slots["awaiting"] == "cancel_confirmation"
    assert asked.slots["cancel_reason"] == "上门取消吧，不用来了"

    slots = {**asked.slots, "cancel_reason": "resolved"}
    cancelled = await run(ActionCancelVisit(), build_tracker(slots=slots, intent="affirm"))
    assert cancelled.responses == ["utter_visit_cancelled"]
    assert cancelled.slots["awaiting"] is None
    visit = await _visit(api, visit_id)
    assert visit.status is VisitStatus.CANCELLED
    response = await api._http.get(f"/visits/{visit_id}", headers={"X-Customer-Id": CUSTOMER})
    assert response.json()["cancel_reason"] == "The problem was solved without a visit."


async def test_a_declined_cancellation_keeps_the_visit(api: AftersalesApi) -> None:
    visit_id = await booked_visit(api)
    slots = {"awaiting": "cancel_confirmation", "visit_id": visit_id}
    kept = await run(ActionCancelVisit(), build_tracker(slots=slots, intent="deny"))
    assert kept.responses == ["utter_visit_kept"]
    assert kept.slots["awaiting"] is None
    assert (await _visit(api, visit_id)).status is VisitStatus.BOOKED


async def test_nothing_to_change_without_a_booked_visit(api: AftersalesApi) -> None:
    for action, intent in (
        (ActionRescheduleVisit(), "reschedule_visit"),
        (ActionCancelVisit(), "cancel_visit"),
    ):
        turn = await run(action, build_tracker(intent=intent))
        assert turn.responses == ["utter_no_visit_found"]
        assert turn.slots == {"awaiting": None}


async def test_the_api_down_keeps_the_question_open(api_down: AftersalesApi) -> None:
    choice = {
        "awaiting": "reschedule_choice",
        "visit_id": "3",
        "visit_window": "2026-11-27T13:00/16:00",
    }
    moved = await run(ActionRescheduleVisit(), build_tracker(slots=choice, intent="inform"))
    assert moved.responses == ["utter_visit_change_unavailable"]
    assert moved.slots == {"awaiting": "reschedule_choice"}

    confirmation = {"awaiting": "cancel_confirmation", "visit_id": "3"}
    cancelled = await run(ActionCancelVisit(), build_tracker(slots=confirmation, intent="affirm"))
    assert cancelled.responses == ["utter_visit_change_unavailable"]
    assert cancelled.slots == {"awaiting": "cancel_confirmation"}

    asked = await run(ActionCancelVisit(), build_tracker(intent="cancel_visit"))
    assert asked.responses == ["utter_visit_change_unavailable"]
    assert asked.slots == {"awaiting": None}


async def test_a_window_no_longer_bookable_is_asked_again(api: AftersalesApi) -> None:
    visit_id = await booked_visit(api)
    choice = {
        "awaiting": "reschedule_choice",
        "visit_id": visit_id,
        "visit_window": "2020-01-06T09:00/12:00",
    }
    turn = await run(ActionRescheduleVisit(), build_tracker(slots=choice, intent="inform"))
    assert turn.responses == ["utter_visit_window_unavailable"]
    assert turn.slots == {"visit_window": None, "awaiting": "reschedule_choice"}
    assert (await _visit(api, visit_id)).status is VisitStatus.BOOKED
