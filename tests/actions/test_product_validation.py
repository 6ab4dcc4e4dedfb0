"""Model, serial and purchase date validation of the fault report and warranty forms."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine

from actions.api_client import AftersalesApi
from actions.conversation import today
from actions.fault_report import ValidateFaultReportForm
from actions.warranty import ValidateWarrantyForm
from tests.actions.conversations import build_tracker, run

FORM = "fault_report_form"


def _payload_entities(payload: str) -> dict[str, str]:
    assert payload.startswith("/inform{")
    return json.loads(payload.removeprefix("/inform"))


# --- product model --------------------------------------------------------------------------


async def test_an_exact_model_is_stored_with_its_catalogue_facts(api: AftersalesApi) -> None:
    tracker = build_tracker(
        text="型号是kfr35gw/bpr3",
        candidates={"product_model": "kfr35gw/bpr3"},
        slots={"requested_slot": "product_model"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["product_model"] == "KFR-35GW/BpR3"
    assert turn.slots["product_category"] == "air_conditioner"
    assert turn.slots["brand"] == "gree"
    assert turn.slots["product_launch_date"] == "2019-03-01"
    assert turn.messages == []


async def test_a_vague_model_offers_at_most_five_catalogue_models_as_buttons(
    api: AftersalesApi,
) -> None:
    tracker = build_tracker(
        text="格力的挂机",
        candidates={"product_model": "格力挂机"},
        slots={"requested_slot": "product_model", "language": "en"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["product_model"] is None
    buttons = turn.buttons("utter_model_candidates")
    assert 1 <= len(buttons) <= 5
    codes = [_payload_entities(button["payload"])["product_model"] for button in buttons]
    assert all(code.startswith("KFR-") for code in codes)
    assert all(code in button["title"] for code, button in zip(codes, buttons, strict=True))
    assert all(button["title"].isascii() for button in buttons), "English names for en"
    # Not a failed answer: the consumer is choosing.
    assert "validation_failures" not in turn.slots


async def test_a_chosen_candidate_is_accepted(api: AftersalesApi) -> None:
    tracker = build_tracker(
        text='/inform{"product_model":"KFR-26GW/NhGc1B"}',
        candidates={"product_model": "KFR-26GW/NhGc1B"},
        slots={"requested_slot": "product_model"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["product_model"] == "KFR-26GW/NhGc1B"


async def test_an_unknown_model_is_asked_again_and_the_third_failure_offers_a_person(
    api: AftersalesApi,
) -> None:
    failures = None
    for attempt in range(1, 4):
        tracker = build_tracker(
            text="QQQQ",
            candidates={"product_model": "QQQQ"},
            slots={"requested_slot": "product_model", "validation_failures": failures},
            active_loop=FORM,
        )
        turn = await run(ValidateFaultReportForm(), tracker)
        assert turn.slots["product_model"] is None
        assert turn.responses[0] == "utter_model_not_found"
        failures = turn.slots["validation_failures"]
        assert failures == {"product_model": attempt}
        assert ("utter_offer_human" in turn.responses) is (attempt == 3)


async def test_a_model_typed_while_the_api_is_down_is_kept_as_typed(
    api_down: AftersalesApi,
) -> None:
    tracker = build_tracker(
        text="KFR-35GW/BpR3",
        candidates={"product_model": "KFR-35GW/BpR3"},
        slots={"requested_slot": "product_model"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots == {"product_model": "KFR-35GW/BpR3"}
    assert turn.responses == ["utter_api_unavailable"]


# --- serial number --------------------------------------------------------------------------


async def test_a_registered_serial_is_accepted_and_names_its_model(api: AftersalesApi) -> None:
    tracker = build_tracker(
        text="序列号 gr260735bp075461",
        candidates={"serial_number": "gr260735bp075461"},
        slots={"requested_slot": "serial_number"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["serial_number"] == "GR260735BP075461"
    assert turn.slots["product_model"] == "KFR-35GW/BpR3"
    assert turn.messages == []


async def test_a_full_width_serial_is_read_as_half_width(api: AftersalesApi) -> None:
    tracker = build_tracker(
        text="ＧＲ２６０７３５ＢＰ０７５４６１",
        candidates={"serial_number": "ＧＲ２６０７ ３５ＢＰ０７５４６１"},
        slots={"requested_slot": "serial_number", "product_model": "KFR-35GW/BpR3"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["serial_number"] == "GR260735BP075461"


async def test_a_wrong_serial_is_refused_with_the_api_reason_then_help_then_a_person(
    api: AftersalesApi,
) -> None:
    failures = None
    for attempt in range(1, 4):
        tracker = build_tracker(
            text="GR26073",
            candidates={"serial_number": "GR26073"},
            slots={
                "requested_slot": "serial_number",
                "product_model": "KFR-35GW/BpR3",
                "product_category": "air_conditioner",
                "validation_failures": failures,
            },
            active_loop=FORM,
        )
        turn = await run(ValidateFaultReportForm(), tracker)
        assert turn.slots["serial_number"] is None
        failures = turn.slots["validation_failures"]
        assert failures["serial_number"] == attempt
        assert turn.texts, "the api's own reason, in Chinese"
        explained = "utter_serial_photo_offer" in turn.responses
        assert explained is (attempt >= 2)
        if explained:
            # The model's own hint says where its serial is printed.
            assert any("铭牌" in text for text in turn.texts[1:])
        assert ("utter_offer_human" in turn.responses) is (attempt == 3)


async def test_serial_help_falls_back_to_the_category_when_the_model_is_unknown(
    api: AftersalesApi,
) -> None:
    tracker = build_tracker(
        text="123",
        candidates={"serial_number": "123"},
        slots={
            "requested_slot": "serial_number",
            "product_category": "refrigerator",
            "validation_failures": {"serial_number": 1},
            "language": "en",
        },
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert "utter_serial_where_refrigerator" in turn.responses
    assert "utter_serial_photo_offer" in turn.responses


async def test_a_nameplate_photo_replaces_the_serial_number(api: AftersalesApi) -> None:
    tracker = build_tracker(
        text="",
        metadata={
            "attachments": [
                {"attachment_id": "att-77", "kind": "photo", "media_type": "image/jpeg"}
            ]
        },
        slots={"requested_slot": "serial_number", "product_model": "KFR-35GW/BpR3"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["nameplate_photo"] == "att-77"
    assert turn.slots["requested_slot"] == "purchase_date", "the serial is no longer asked"
    assert turn.responses == ["utter_nameplate_photo_received"]


async def test_a_document_is_not_taken_for_a_nameplate_photo(api: AftersalesApi) -> None:
    tracker = build_tracker(
        text="",
        metadata={
            "attachments": [
                {"attachment_id": "att-78", "kind": "document", "media_type": "application/pdf"}
            ]
        },
        slots={"requested_slot": "serial_number"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert "nameplate_photo" not in turn.slots
    assert "requested_slot" not in turn.slots, "the form asks for the serial as before"


# --- purchase date --------------------------------------------------------------------------


async def test_a_chinese_purchase_date_is_stored_as_iso(api: AftersalesApi) -> None:
    tracker = build_tracker(
        text="2024年3月5日买的",
        candidates={"purchase_date": "2024年3月5日"},
        slots={"requested_slot": "purchase_date", "product_launch_date": "2019-03-01"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["purchase_date"] == "2024-03-05"


@time_machine.travel("2026-11-23 10:00 +0800")
async def test_relative_purchase_dates_count_from_today_in_china(api: AftersalesApi) -> None:
    tracker = build_tracker(
        text="去年双十一买的",
        candidates={"purchase_date": "去年双十一"},
        slots={"requested_slot": "purchase_date"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["purchase_date"] == "2025-11-11"


async def test_a_date_read_two_ways_is_asked_back_with_both_readings(api: AftersalesApi) -> None:
    tracker = build_tracker(
        text="3/5/2024",
        candidates={"purchase_date": "3/5/2024"},
        slots={"requested_slot": "purchase_date", "language": "en"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["purchase_date"] is None
    buttons = turn.buttons("utter_purchase_date_ambiguous")
    assert [_payload_entities(button["payload"]) for button in buttons] == [
        {"purchase_date": "2024-03-05"},
        {"purchase_date": "2024-05-03"},
    ]
    assert [button["title"] for button in buttons] == ["5 March 2024", "3 May 2024"]
    assert "validation_failures" not in turn.slots


async def test_a_future_purchase_date_is_refused(api: AftersalesApi) -> None:
    tomorrow = today() + timedelta(days=1)
    tracker = build_tracker(
        text=tomorrow.isoformat(),
        candidates={"purchase_date": tomorrow.isoformat()},
        slots={"requested_slot": "purchase_date"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["purchase_date"] is None
    assert turn.responses == ["utter_purchase_date_future"]


async def test_a_purchase_before_the_model_launch_is_refused(api: AftersalesApi) -> None:
    # KFR-35GW/BpR3 was launched on 2019-03-01; the launch date is read from the catalogue.
    tracker = build_tracker(
        text="2018年12月1日",
        candidates={"purchase_date": "2018年12月1日"},
        slots={"requested_slot": "purchase_date", "product_model": "KFR-35GW/BpR3"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["purchase_date"] is None
    assert turn.responses == ["utter_purchase_date_before_launch"]

    on_launch_day = build_tracker(
        text="2019-03-01",
        candidates={"purchase_date": "2019-03-01"},
        slots={"requested_slot": "purchase_date", "product_model": "KFR-35GW/BpR3"},
        active_loop=FORM,
    )
    assert (await run(ValidateFaultReportForm(), on_launch_day)).slots["purchase_date"] == (
        "2019-03-01"
    )


@pytest.mark.parametrize(
    ("typed", "response"),
    [
        ("去年夏天", "utter_purchase_date_unparsed"),
        ("2021年", "utter_purchase_date_needs_month"),
        ("😀😀", "utter_purchase_date_unparsed"),
    ],
)
async def test_unusable_purchase_dates_are_asked_again(
    api: AftersalesApi, typed: str, response: str
) -> None:
    tracker = build_tracker(
        text=typed,
        candidates={"purchase_date": typed},
        slots={"requested_slot": "purchase_date"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["purchase_date"] is None
    assert turn.responses == [response]
    assert turn.slots["validation_failures"] == {"purchase_date": 1}


# --- fault description ----------------------------------------------------------------------


async def test_the_fault_description_keeps_the_whole_message_verbatim(api: AftersalesApi) -> None:
    message = "我的格力空调 KFR-35GW/BpR3 去年3月买的，开机后一直不制冷"
    tracker = build_tracker(
        text=message,
        intent="report_fault",
        candidates={"fault_description": "不制冷"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["fault_description"] == message


@pytest.mark.parametrize(
    ("typed", "response"),
    [
        ("😡😡😡", "utter_fault_description_too_short"),
        ("坏" * 2001, "utter_fault_description_too_long"),
    ],
)
async def test_a_description_without_words_or_far_too_long_is_asked_again(
    api: AftersalesApi, typed: str, response: str
) -> None:
    tracker = build_tracker(
        text=typed,
        candidates={"fault_description": typed},
        slots={"requested_slot": "fault_description"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["fault_description"] is None
    assert turn.responses == [response]


async def test_the_warranty_form_validates_the_same_way(api: AftersalesApi) -> None:
    tracker = build_tracker(
        text="HS65E3F26080693029",
        candidates={"serial_number": "HS65E3F26080693029"},
        slots={"requested_slot": "serial_number"},
        active_loop="warranty_form",
    )
    turn = await run(ValidateWarrantyForm(), tracker)
    assert turn.slots["serial_number"] == "HS65E3F26080693029"
    assert turn.slots["product_model"] == "65E3F"


async def test_a_corrected_serial_is_validated_while_another_question_is_open(
    api: AftersalesApi,
) -> None:
    tracker = build_tracker(
        text="不是，序列号是GR260735BP075461",
        candidates={"serial_number": "GR260735BP075461"},
        slots={
            "requested_slot": "purchase_date",
            "product_model": "KFR-35GW/BpR3",
            "serial_number": "GR260735BP075416",
        },
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots["serial_number"] == "GR260735BP075461"
    assert "requested_slot" not in turn.slots, "the open question stays open"


async def test_a_serial_typed_while_the_api_is_down_is_kept_as_typed(
    api_down: AftersalesApi,
) -> None:
    tracker = build_tracker(
        text="GR260735BP075461",
        candidates={"serial_number": "GR260735BP075461"},
        slots={"requested_slot": "serial_number"},
        active_loop=FORM,
    )
    turn = await run(ValidateFaultReportForm(), tracker)
    assert turn.slots == {"serial_number": "GR260735BP075461"}
    assert turn.responses == ["utter_api_unavailable"]
