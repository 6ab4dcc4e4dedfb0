"""The visit form's questions and checks, and the booking itself, against the real api."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.api_client import AftersalesApi
from actions.conversation import today
from actions.visit_booking import ActionBookVisit
from actions.visit_form import ValidateVisitForm, e164, whole_address
from actions.visit_windows import ActionAskVisitWindow, describe_window
from tests.actions.conversations import CUSTOMER, DOMAIN, build_tracker, run
from tests.actions.visits import (
    ADDRESS,
    MICROWAVE_OUT_OF_WARRANTY,
    PHONE,
    free_windows,
    reported_case,
)

_WINDOW_PAYLOAD = re.compile(
    r'^/inform\{"visit_window":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/\d{2}:\d{2}"\}$'
)


def test_phone_numbers_are_stored_in_e164_with_china_as_the_default_region() -> None:
    assert e164("186-1234-5678") == "+8618612345678"
    assert e164("+86 138 1234 5678") == "+8613812345678"
    assert e164("+852 9123 4567") == "+85291234567"
    assert e164("12345") is None
    assert e164("call me") is None


def test_windows_read_as_dates_in_each_language() -> None:
    assert describe_window("2026-11-24T14:00/17:00", "zh") == "11月24日（周二）14:00–17:00"
    assert describe_window("2026-11-24T14:00/17:00", "en") == "Tue 24 Nov, 14:00–17:00"


async def test_the_fee_consent_is_asked_only_for_a_paid_repair() -> None:
    form = ValidateVisitForm()
    slots = list(DOMAIN["forms"]["visit_form"]["required_slots"])
    dispatcher = CollectingDispatcher()
    free = await form.required_slots(
        slots, dispatcher, build_tracker(slots={"paid_repair": False}), DOMAIN
    )
    paid = await form.required_slots(
        slots, dispatcher, build_tracker(slots={"paid_repair": True}), DOMAIN
    )
    assert "fee_consent" not in free
    assert paid == slots


async def test_an_address_in_a_served_city_is_kept_and_an_unserved_one_explained(
    api: AftersalesApi,
) -> None:
    slots = await reported_case()
    served = await run(
        ValidateVisitForm(),
        build_tracker(
            slots={**slots, "requested_slot": "address"}, candidates={"address": ADDRESS}
        ),
    )
    assert served.slots["address"] == ADDRESS
    assert served.slots["awaiting"] is None

    unserved = await run(
        ValidateVisitForm(),
        build_tracker(
            slots={**slots, "requested_slot": "address"},
            candidates={"address": "深圳市南山区科苑路8号502室"},
        ),
    )
    assert unserved.slots["address"] is None
    assert any("上海" in text for text in unserved.texts), unserved.messages

    vague = await run(
        ValidateVisitForm(),
        build_tracker(slots={**slots, "requested_slot": "address"}, candidates={"address": "北京"}),
    )
    assert vague.slots["address"] is None
    assert vague.responses == ["utter_address_too_short"]


async def test_a_phone_number_is_normalised_or_asked_again(api: AftersalesApi) -> None:
    good = await run(
        ValidateVisitForm(),
        build_tracker(slots={"requested_slot": "phone"}, candidates={"phone": "186-1234-5678"}),
    )
    assert good.slots["phone"] == PHONE
    bad = await run(
        ValidateVisitForm(),
        build_tracker(slots={"requested_slot": "phone"}, candidates={"phone": "1234"}),
    )
    assert bad.slots["phone"] is None
    assert bad.responses == ["utter_phone_invalid"]
    assert bad.slots["validation_failures"] == {"phone": 1}


async def test_the_earliest_windows_are_offered_as_buttons_in_the_language(
    api: AftersalesApi,
) -> None:
    slots = await reported_case()
    for language, weekday in (("zh", "周"), ("en", ", ")):
        tracker = build_tracker(slots={**slots, "address": ADDRESS, "language": language})
        turn = await run(ActionAskVisitWindow(), tracker)
        buttons = turn.buttons("utter_choose_visit_window")
        assert 1 <= len(buttons) <= 5
        assert all(_WINDOW_PAYLOAD.match(button["payload"]) for button in buttons)
        assert all(weekday in button["title"] for button in buttons)


async def test_only_an_offered_window_is_accepted(api: AftersalesApi) -> None:
    slots = await reported_case()
    (window,) = await free_windows(api, slots["case_id"], count=1)
    base = {**slots, "address": ADDRESS, "phone": PHONE, "requested_slot": "visit_window"}
    offered = await run(
        ValidateVisitForm(), build_tracker(slots=base, candidates={"visit_window": window})
    )
    assert offered.slots["visit_window"] == window
    night = await run(
        ValidateVisitForm(),
        build_tracker(slots=base, candidates={"visit_window": window[:11] + "02:00/03:00"}),
    )
    assert night.slots["visit_window"] is None
    assert night.responses == ["utter_visit_window_unavailable"]
    typed = await run(
        ValidateVisitForm(),
        build_tracker(slots=base, candidates={"visit_window": "tomorrow afternoon"}),
    )
    assert typed.slots["visit_window"] is None
    assert typed.responses == ["utter_visit_window_pick_one"]


async def test_booking_tells_the_visit_and_a_retry_books_no_second_one(
    api: AftersalesApi,
) -> None:
    slots = await reported_case()
    (window,) = await free_windows(api, slots["case_id"], count=1)
    slots |= {"address": ADDRESS, "phone": PHONE, "visit_window": window}

    first = await run(ActionBookVisit(), build_tracker(slots=slots))
    again = await run(ActionBookVisit(), build_tracker(slots=slots))

    visit_id = first.slots["visit_id"]
    assert again.slots["visit_id"] == visit_id
    assert first.slots["pending_goal"] is None
    booked = first.messages[-1]
    assert booked["response"] == "utter_visit_booked"
    assert booked["visit_id"] == visit_id
    assert booked["visit_window"] == describe_window(window, "zh")
    visits = await api.case_visits(CUSTOMER, int(slots["case_id"]))
    assert [visit.id for visit in visits] == [int(visit_id)]
    assert visits[0].contact_phone == PHONE


async def test_a_paid_repair_is_booked_with_the_consent_and_not_without(
    api: AftersalesApi,
) -> None:
    slots = await reported_case(MICROWAVE_OUT_OF_WARRANTY)
    assert slots["paid_repair"] is True
    (window,) = await free_windows(api, slots["case_id"], count=1)
    slots |= {"address": ADDRESS, "phone": PHONE, "visit_window": window}

    declined = await run(ActionBookVisit(), build_tracker(slots={**slots, "fee_consent": False}))
    assert declined.responses == ["utter_fee_consent_declined"]
    assert await api.case_visits(CUSTOMER, int(slots["case_id"])) == []

    accepted = await run(ActionBookVisit(), build_tracker(slots={**slots, "fee_consent": True}))
    (visit,) = await api.case_visits(CUSTOMER, int(slots["case_id"]))
    assert accepted.slots["visit_id"] == str(visit.id)
    assert visit.paid_repair is True


async def test_a_window_no_longer_bookable_reopens_the_question(api: AftersalesApi) -> None:
    slots = await reported_case()
    (window,) = await free_windows(api, slots["case_id"], count=1)
    past = "2020-01-06" + window[10:]
    slots |= {"address": ADDRESS, "phone": PHONE, "visit_window": past}
    turn = await run(ActionBookVisit(), build_tracker(slots=slots))
    assert turn.responses == ["utter_visit_window_unavailable"]
    assert turn.slots["visit_window"] is None
    assert {"event": "followup", "timestamp": None, "name": "visit_form"} in turn.events


async def test_the_api_down_keeps_the_answers_and_says_so(api_down: AftersalesApi) -> None:
    slots = {
        "case_id": "7",
        "address": ADDRESS,
        "phone": PHONE,
        "visit_window": "2026-11-24T14:00/17:00",
    }
    asked = await run(ActionAskVisitWindow(), build_tracker(slots=slots))
    assert asked.responses == ["utter_visit_windows_unavailable"]
    booked = await run(ActionBookVisit(), build_tracker(slots=slots))
    assert booked.responses == ["utter_visit_booking_failed"]
    assert booked.slots == {}
    address = await run(
        ValidateVisitForm(),
        build_tracker(
            slots={**slots, "requested_slot": "address"}, candidates={"address": ADDRESS}
        ),
    )
    assert address.slots["address"] == ADDRESS


async def test_without_a_window_in_the_service_level_a_person_is_asked_and_the_consumer_told(
    api: AftersalesApi, admin_client: httpx.AsyncClient
) -> None:
    # Only one television technician left in Beijing, working three days from now.
    far_day = (today() + timedelta(days=3)).strftime("%a").lower()
    listed = await admin_client.get("/api/v1/technicians", params={"skill": "tv", "limit": 200})
    for technician in listed.json()["items"]:
        if technician["staff_number"] == "BJ-004":
            hours = {far_day: {"start": "09:00", "end": "19:00"}}
            changed = await admin_client.patch(
                f"/api/v1/technicians/{technician['id']}", json={"working_hours": hours}
            )
        else:
            changed = await admin_client.post(f"/api/v1/technicians/{technician['id']}/deactivate")
        assert changed.status_code == 200, changed.text
    slots = await reported_case()

    turn = await run(ActionAskVisitWindow(), build_tracker(slots={**slots, "address": ADDRESS}))

    assert turn.responses == ["utter_visit_no_capacity_handoff", "utter_choose_visit_window"]
    assert turn.buttons("utter_choose_visit_window")
    response = await admin_client.get("/api/v1/handoffs", params={"reason": "no_capacity"})
    assert [item["case_id"] for item in response.json()["items"]] == [int(slots["case_id"])]


@pytest.mark.parametrize(
    ("candidate", "message", "address"),
    [
        (
            "上海市浦东新区张江路100号",
            "上海市浦东新区张江路100号3栋502",
            "上海市浦东新区张江路100号3栋502",
        ),
        (
            "北京市朝阳区建国路88号",
            "地址是北京市朝阳区建国路88号5号楼1201，电话13800138000",
            "北京市朝阳区建国路88号5号楼1201",
        ),
        ("北京市朝阳区建国路88号", "北京市朝阳区建国路88号", "北京市朝阳区建国路88号"),
        ("12 Baker Street", "12 Baker Street flat 3", "12 Baker Street"),
        ("上海市浦东新区张江路100号", "换个说法", "上海市浦东新区张江路100号"),
    ],
)
def test_an_address_cut_short_by_the_tagger_gets_the_rest_of_its_clause(
    candidate: str, message: str, address: str
) -> None:
    assert whole_address(candidate, message) == address
