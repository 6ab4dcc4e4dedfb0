"""Survey endpoints: thin HTTP over `api.surveys.service` and `api.surveys.answers`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth_roles import Role
from api.cases.schemas import MAX_ID
from api.customers.caller import Caller, Settings, caller_with_roles
from api.customers.identity import CHANNEL_ID_DESCRIPTION, ChannelId
from api.customers.preferences import Locale
from api.db import DbSession, utc_now
from api.errors import problem_responses
from api.surveys import service
from api.surveys.answers import answer_survey
from api.surveys.models import Survey
from api.surveys.report_router import router as report_router
from api.surveys.schemas import AnswersIn, SurveyOut, SurveyPage
from api.surveys.status import SurveyStatus

router = APIRouter(tags=["surveys"])
router.include_router(report_router)

CONSUMER_SIDE = (Role.ACTIONS, Role.BOT)
READERS = (*CONSUMER_SIDE, Role.AGENT, Role.SUPERVISOR)

SurveyId = Annotated[int, Path(ge=1, le=MAX_ID, description="Survey id.")]
Language = Annotated[
    Locale | None,
    Query(alias="lang", description="Language of the question texts; default: the consumer's."),
]


async def _present(
    session: AsyncSession, surveys: list[Survey], language: Locale | None
) -> list[SurveyOut]:
    now = utc_now()
    if language is not None:
        return [SurveyOut.of(survey, language, now) for survey in surveys]
    locales = await service.consumer_locales(session, {s.conversation_id for s in surveys})
    return [SurveyOut.of(survey, locales[survey.conversation_id], now) for survey in surveys]


@router.get(
    "/surveys",
    summary="Surveys newest first, e.g. the open survey of a conversation",
    responses=problem_responses(400, 403, 422),
)
async def list_surveys(
    session: DbSession,
    caller: Annotated[Caller, caller_with_roles(*READERS)],
    conversation_id: Annotated[
        ChannelId | None,
        Query(description=CHANNEL_ID_DESCRIPTION + " Consumer roles see only their own."),
    ] = None,
    status: Annotated[SurveyStatus | None, Query()] = None,
    language: Language = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only surveys older than this id.")
    ] = None,
) -> SurveyPage:
    if conversation_id is not None:
        caller.ensure_may_act_for(conversation_id)
    surveys = await service.list_surveys(
        session,
        conversation_id=caller.customer or conversation_id,
        status=status,
        now=utc_now(),
        limit=limit + 1,
        before_id=before_id,
    )
    page, more = surveys[:limit], len(surveys) > limit
    return SurveyPage(
        items=await _present(session, page, language),
        next_before_id=page[-1].id if more else None,
    )


@router.get(
    "/surveys/{survey_id}",
    summary="A survey's questions in the consumer's language, with the answers so far",
    responses=problem_responses(400, 404, 422),
)
async def get_survey(
    survey_id: SurveyId,
    session: DbSession,
    caller: Annotated[Caller, caller_with_roles(*READERS)],
    language: Language = None,
) -> SurveyOut:
    survey = await service.get_survey(session, survey_id, customer=caller.customer)
    (presented,) = await _present(session, [survey], language)
    return presented


@router.post(
    "/surveys/{survey_id}/answers",
    summary="Record answers (per question; partial answers are kept) or finish the survey",
    description=(
        "Answers replace earlier answers to the same question while the survey is open. The "
        "survey completes when every required question is answered or with `finish: true`; "
        "a completed survey's answers are final, but unanswered questions may still be "
        "answered until it expires. A score of 1–2 (or 0–6 for the recommendation) opens one "
        "follow-up handoff for a supervisor. After expiry: 409 `survey_expired`."
    ),
    responses=problem_responses(400, 403, 404, 409, 422),
)
async def post_answers(
    survey_id: SurveyId,
    body: AnswersIn,
    session: DbSession,
    settings: Settings,
    caller: Annotated[Caller, caller_with_roles(*CONSUMER_SIDE)],
    language: Language = None,
) -> SurveyOut:
    survey = await answer_survey(
        session,
        survey_id,
        body,
        customer=caller.customer,
        answered_by=caller.actor_id or caller.role.value,
        now=utc_now(),
        max_text_chars=settings.max_text_chars,
    )
    (presented,) = await _present(session, [survey], language)
    return presented
