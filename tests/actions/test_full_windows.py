"""A window filled by someone else meanwhile: the booking and the move offer the others."""

from __future__ import annotations

import json

import httpx
import pytest

from actions.api_client import AftersalesApi
from actions.visit_booking import ActionBookVisit
from actions.visit_changes import ActionRescheduleVisit
from tests.actions.conversations import CUSTOMER, build_tracker, run
from tests.actions.visits import ADDRESS, PHONE, TV_IN_WARRANTY, free_windows, reported_case

NEIGHBOUR = "tg:424243"
LATECOMER = "tg:424244"


@pytest.fixture
async def one_tv_technician(admin_client: httpx.AsyncClient) -> None:
    """BJ-002 alone repairs televisions in Beijing, one visit per window."""
    listed = await admin_client.get("/api/v1/technicians", params={"skill": "tv", "limit": 200})
    for technician in listed.json()["items"]:
        if technician["staff_number"] != "BJ-002":
            gone = await admin_client.post(f"/api/v1/technicians/{technician['id']}/deactivate")
            assert gone.status_code == 200, gone.text


async def _book(fault: str, window: str, sender: str = CUSTOMER) -> dict[str, object]:
    slots = await reported_case({**TV_IN_WARRANTY, "fault_description": fault}, sender)
    slots |= {"address": ADDRESS, "phone": PHONE, "visit_window": window}
    turn = await run(ActionBookVisit(), build_tracker(slots=slots, sender=sender))
    return {**slots, **turn.slots, "events": turn.events, "responses": turn.responses}


@pytest.mark.usefixtures("one_tv_technician")
async def test_a_full_window_is_asked_again_with_the_windows_still_free(
    api: AftersalesApi,
) -> None:
    first = await reported_case({**TV_IN_WARRANTY, "fault_description": "电视黑屏"})
    taken, other = await free_windows(api, str(first["case_id"]), count=2)
    booked = await _book("电视黑屏", taken)
    assert booked["visit_id"]
    # Other households with the same model: one consumer's unit has one case at a time.
    moving = await _book("电视没有声音", other, NEIGHBOUR)
    assert moving["visit_id"]

    late = await _book("电视遥控失灵", taken, LATECOMER)
    assert late["responses"] == ["utter_visit_window_unavailable"]
    assert {"event": "followup", "timestamp": None, "name": "visit_form"} in late["events"]

    choice = {
        "awaiting": "reschedule_choice",
        "visit_id": moving["visit_id"],
        "visit_window": taken,
    }
    tracker = build_tracker(slots=choice, intent="inform", sender=NEIGHBOUR)
    turn = await run(ActionRescheduleVisit(), tracker)
    assert turn.slots == {"visit_window": None, "awaiting": "reschedule_choice"}
    alternatives = [
        json.loads(button["payload"].removeprefix("/inform"))["visit_window"]
        for button in turn.buttons("utter_visit_window_unavailable")
    ]
    assert alternatives
    assert taken not in alternatives
