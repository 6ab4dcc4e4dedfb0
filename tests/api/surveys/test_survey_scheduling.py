"""Scheduling surveys: after a completed visit or a resolved handoff, two hours later and
outside the consumer's quiet hours, delivered through the outbound queue, never twice."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy import func, select

from api.auth_roles import Role
from api.outbound.models import OutboundItem
from api.surveys.models import Survey
from tests.api.cases.workflow import open_case
from tests.api.scheduling.steps import TODAY as BOOKING_DAY
from tests.api.scheduling.steps import (
    add_technician,
    booked,
    load_served_areas,
    local,
    register_customer,
    window_start,
)
from tests.api.scheduling.steps import open_case as open_scheduling_case
from tests.api.surveys.steps import (
    LONDON,
    LONDON_CONSUMER,
    SHANGHAI_CONSUMER,
    load_survey,
    queued_items,
    schedule,
    scheduled,
    shanghai,
)
from tests.conftest import ApiClientFactory

OUT_OF_WARRANTY = {"status": "out_of_warranty", "entitlements": ["paid_repair"]}


async def _survey_count(app: FastAPI) -> int:
    async with app.state.session_factory() as session:
        return int((await session.execute(select(func.count()).select_from(Survey))).scalar_one())


async def test_completed_visits_get_one_survey_each_with_the_fee_question_when_paid(
    api_app: FastAPI, admin_client: httpx.AsyncClient, api_client_for: ApiClientFactory
) -> None:
    with time_machine.travel(local(BOOKING_DAY, 7), tick=False) as clock:
        await load_served_areas(api_app)
        technician = await add_technician(admin_client, "SH-6001", capacity_per_window=2)
        await register_customer(admin_client, "tg:6101")
        free_case = await open_scheduling_case(admin_client, "tg:6101")
        paid_case = await open_scheduling_case(
            admin_client, "tg:6101", warranty_snapshot=OUT_OF_WARRANTY
        )
        free = await booked(admin_client, free_case["id"], window_start(0, 13))
        paid = await booked(
            admin_client,
            paid_case["id"],
            window_start(0, 13),
            fee_consent={"accepted": True, "quoted_fee": "150.00"},
        )
        backend = api_client_for(Role.BACKEND)

        async def report(visit_id: int, status: str, **body: object) -> httpx.Response:
            return await backend.post(
                f"/api/v1/visits/{visit_id}/status", json={"status": status, **body}
            )

        clock.move_to(
            local(
                BOOKING_DAY,
                13,
            )
        )
        for visit in (free, paid):
            assert (await report(visit["id"], "started")).status_code == 200
        assert await _survey_count(api_app) == 0

        clock.move_to(local(BOOKING_DAY, 14))
        done = await report(free["id"], "completed", resolution="更换电容", fee_charged="0")
        assert done.status_code == 200, done.text
        again = await report(free["id"], "completed", resolution="更换电容", fee_charged="0")
        assert again.status_code == 200
        clock.move_to(local(BOOKING_DAY, 20))
        charged = await report(paid["id"], "completed", resolution="换压缩机", fee_charged="150")
        assert charged.status_code == 200, charged.text

    async with api_app.state.session_factory() as session:
        surveys = list((await session.execute(select(Survey).order_by(Survey.id))).scalars())
    assert [(s.source, s.source_id) for s in surveys] == [
        ("visit", free["id"]),
        ("visit", paid["id"]),
    ]
    free_survey, paid_survey = surveys
    assert free_survey.conversation_id == "tg:6101"
    assert free_survey.case_id == free_case["id"]
    assert free_survey.technician_id == technician["id"]
    assert free_survey.due_at == local(BOOKING_DAY, 16)
    assert free_survey.expires_at == local(BOOKING_DAY, 16) + timedelta(days=7)
    assert paid_survey.due_at == local(BOOKING_DAY + timedelta(days=1), 9)
    keys = [[q["key"] for q in s.questions] for s in surveys]
    assert "fee_reasonable" not in keys[0]
    assert keys[1] == [
        "overall",
        "response_speed",
        "attitude",
        "solved",
        "fee_reasonable",
        "nps",
        "comment",
    ]

    items = await queued_items(api_app, "tg:6101")
    assert [(i.kind, i.dedupe_key, i.not_before, i.status) for i in items] == [
        ("survey_due", f"survey:{free_survey.id}:due", free_survey.due_at, "pending"),
        ("survey_due", f"survey:{paid_survey.id}:due", paid_survey.due_at, "pending"),
    ]
    assert items[0].payload == {
        "type": "intent",
        "intent": "EXTERNAL_survey_due",
        "entities": {"survey_id": free_survey.id},
    }
    assert free_survey.due_item_id == items[0].id


@pytest.mark.usefixtures("consumers")
async def test_20_00_in_shanghai_is_due_at_09_00_but_daytime_in_london(
    api_app: FastAPI,
) -> None:
    completed = shanghai(1, 20)
    in_shanghai = await scheduled(api_app, source_id=1, completed_at=completed)
    in_london = await scheduled(
        api_app, source_id=2, completed_at=completed, conversation_id=LONDON_CONSUMER
    )
    assert in_shanghai.due_at == shanghai(2, 9)
    assert in_shanghai.timezone == "Asia/Shanghai"
    assert in_london.due_at == completed.astimezone(LONDON) + timedelta(hours=2)
    assert in_london.due_at.astimezone(LONDON).hour == 14
    assert in_london.timezone == "Europe/London"
    (london_item,) = await queued_items(api_app, LONDON_CONSUMER)
    assert london_item.not_before == in_london.due_at


@pytest.mark.usefixtures("consumers")
async def test_never_two_surveys_for_the_same_service(api_app: FastAPI) -> None:
    first = await scheduled(api_app, source_id=7, completed_at=shanghai(1, 10))
    again = await scheduled(api_app, source_id=7, completed_at=shanghai(1, 15), fee_charged=True)
    assert again.id == first.id
    assert again.due_at == shanghai(1, 12)
    other_source = await scheduled(
        api_app, source="handoff", source_id=7, completed_at=shanghai(1, 10)
    )
    assert other_source.id != first.id
    assert await _survey_count(api_app) == 2
    assert len(await queued_items(api_app, SHANGHAI_CONSUMER)) == 2
    with pytest.raises(ValueError, match="timezone-aware"):
        await schedule(api_app, source_id=8, completed_at=shanghai(1, 10).replace(tzinfo=None))


@pytest.mark.usefixtures("consumers")
async def test_the_conversation_of_the_case_is_asked_when_none_is_given(
    api_app: FastAPI, admin_client: httpx.AsyncClient
) -> None:
    case = await open_case(admin_client, LONDON_CONSUMER)
    survey = await scheduled(
        api_app, case_id=case["id"], conversation_id=None, completed_at=shanghai(1, 20)
    )
    assert survey.conversation_id == LONDON_CONSUMER
    assert survey.timezone == "Europe/London"


@pytest.mark.usefixtures("consumers")
async def test_unknown_consumers_are_asked_in_shanghai_time_and_erased_ones_not_at_all(
    api_app: FastAPI, admin_client: httpx.AsyncClient
) -> None:
    stranger = await scheduled(
        api_app, source_id=1, conversation_id="web:visitor-1", completed_at=shanghai(1, 20)
    )
    assert (stranger.timezone, stranger.due_at) == ("Asia/Shanghai", shanghai(2, 9))

    case = await open_case(admin_client, SHANGHAI_CONSUMER)
    erased = await admin_client.delete(f"/api/v1/customers/{SHANGHAI_CONSUMER}")
    assert erased.status_code == 200, erased.text
    skipped = await schedule(
        api_app, source_id=2, case_id=case["id"], conversation_id=None, completed_at=shanghai(1, 9)
    )
    assert skipped is None
    assert await _survey_count(api_app) == 1


@pytest.mark.usefixtures("consumers")
async def test_resolved_handoffs_get_the_short_survey_but_survey_follow_ups_none(
    api_app: FastAPI, api_client_for: ApiClientFactory
) -> None:
    agent = api_client_for(Role.AGENT)
    bot = api_client_for(Role.BOT, customer=SHANGHAI_CONSUMER)
    with time_machine.travel(shanghai(1, 10), tick=False) as clock:
        opened = await bot.post(
            "/api/v1/handoffs", json={"conversation_id": SHANGHAI_CONSUMER, "reason": "requested"}
        )
        handoff = opened.json()
        clock.move_to(shanghai(1, 10, 30))
        resolved = await agent.post(
            f"/api/v1/handoffs/{handoff['id']}/resolve", json={"agent_id": "agent-1"}
        )
        assert resolved.status_code == 200, resolved.text

        listed = await agent.get("/api/v1/surveys", params={"conversation_id": SHANGHAI_CONSUMER})
        (survey,) = listed.json()["items"]
        assert (survey["source"], survey["source_id"]) == ("handoff", handoff["id"])
        assert datetime.fromisoformat(survey["due_at"]) == shanghai(1, 12, 30)
        assert [q["key"] for q in survey["questions"]] == ["overall", "solved", "nps", "comment"]

        clock.move_to(shanghai(1, 13))
        actions = api_client_for(Role.ACTIONS, customer=SHANGHAI_CONSUMER)
        low = await actions.post(
            f"/api/v1/surveys/{survey['id']}/answers",
            json={"answers": [{"question": "overall", "value": 1}]},
        )
        follow_up = low.json()["follow_up_handoff_id"]
        assert follow_up is not None and follow_up != handoff["id"]
        closed = await agent.post(
            f"/api/v1/handoffs/{follow_up}/resolve", json={"agent_id": "supervisor-1"}
        )
        assert closed.status_code == 200, closed.text

    assert await _survey_count(api_app) == 1
    stored = await load_survey(api_app, survey["id"])
    assert stored.follow_up_handoff_id == follow_up
    async with api_app.state.session_factory() as session:
        kinds = (await session.execute(select(OutboundItem.kind))).scalars().all()
    assert kinds == ["survey_due"]
