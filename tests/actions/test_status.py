"""The progress of the consumer's own cases."""

from __future__ import annotations

from actions.api_client import AftersalesApi
from actions.api_models import CaseDraft
from actions.status import ActionCheckStatus
from tests.actions.conversations import CUSTOMER, build_tracker, run

OTHER_CUSTOMER = "tg:777"


async def _open_case(api: AftersalesApi, customer: str, model: str, key: str) -> int:
    await api.update_customer(customer, locale="zh")
    case = await api.create_case(
        customer,
        CaseDraft(category="tv", model_code=model, fault_description="黑屏"),
        idempotency_key=key,
    )
    return case.id


async def test_the_status_lists_the_consumers_cases_with_labels(api: AftersalesApi) -> None:
    first = await _open_case(api, CUSTOMER, "65E3F", "status-1")
    second = await _open_case(api, CUSTOMER, "75E7K", "status-2")
    turn = await run(ActionCheckStatus(), build_tracker(text="进度怎么样", intent="check_status"))
    assert turn.responses == ["utter_case_status_intro"]
    assert turn.texts == [f"#{second} 75E7K：已受理\n#{first} 65E3F：已受理"]


async def test_english_labels_for_english_conversations(api: AftersalesApi) -> None:
    case_id = await _open_case(api, CUSTOMER, "65E3F", "status-en")
    turn = await run(ActionCheckStatus(), build_tracker(slots={"language": "en"}))
    assert turn.texts == [f"#{case_id} 65E3F: received"]


async def test_a_named_case_is_shown_alone(api: AftersalesApi) -> None:
    case_id = await _open_case(api, CUSTOMER, "65E3F", "status-named")
    await _open_case(api, CUSTOMER, "75E7K", "status-other")
    tracker = build_tracker(slots={"case_id": f"工单号 {case_id}"}, intent="check_status")
    turn = await run(ActionCheckStatus(), tracker)
    assert turn.texts == [f"#{case_id} 65E3F：已受理"]
    assert turn.slots == {"case_id": str(case_id)}


async def test_another_consumers_case_is_not_shown(api: AftersalesApi) -> None:
    theirs = await _open_case(api, OTHER_CUSTOMER, "65E3F", "status-theirs")
    tracker = build_tracker(slots={"case_id": f"#{theirs}"}, intent="check_status")
    turn = await run(ActionCheckStatus(), tracker)
    assert turn.responses == ["utter_no_case_found"]
    assert turn.slots == {"case_id": None}, "a number that is not theirs does not stand for a case"


async def test_a_consumer_without_cases_is_offered_a_report(api: AftersalesApi) -> None:
    turn = await run(ActionCheckStatus(), build_tracker(intent="check_status"))
    assert turn.responses == ["utter_no_case_found"]


async def test_the_status_is_unavailable_while_the_api_is_down(api_down: AftersalesApi) -> None:
    turn = await run(ActionCheckStatus(), build_tracker(intent="check_status"))
    assert turn.responses == ["utter_status_unavailable"]
    assert turn.events == []
