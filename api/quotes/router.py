"""Quote endpoints: the technician posts a quote, the consumer approves or declines it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api.auth_roles import Role
from api.customers.caller import Caller, caller_with_roles
from api.db import DbSession, utc_now
from api.errors import problem_responses
from api.quotes import service
from api.quotes.schemas import DecisionIn, QuoteIn, QuoteOut

router = APIRouter(tags=["quotes"])

Identifier = Annotated[int, Path(ge=1, le=2**31 - 1)]
Technician = Annotated[Caller, caller_with_roles(Role.BACKEND)]
Reader = Annotated[
    Caller, caller_with_roles(Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR, Role.BACKEND)
]
Consumer = Annotated[Caller, caller_with_roles(Role.ACTIONS, Role.BOT)]


@router.post(
    "/visits/{visit_id}/quotes",
    summary="Post a quote for paid work",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 404, 409, 422),
)
async def post_quote(
    visit_id: Identifier, body: QuoteIn, session: DbSession, caller: Technician
) -> QuoteOut:
    """Lines are checked against the schedule of the case's category (and brand): a part
    above its list price, labour outside its band or an item not in the schedule is 422
    `quote_off_schedule` unless ``override_reason`` says why. The quote supersedes the
    visit's older pending quotes."""
    quote = await service.create_quote(
        session, visit_id, body, actor=caller.actor_id, now=utc_now()
    )
    return QuoteOut.of(quote)


@router.get(
    "/visits/{visit_id}/quotes",
    summary="A visit's quotes, oldest first",
    responses=problem_responses(400, 403, 404),
)
async def list_quotes(visit_id: Identifier, session: DbSession, caller: Reader) -> list[QuoteOut]:
    """A consumer role sees only its own visits' quotes (another's visit is 404)."""
    quotes = await service.quotes_of_visit(session, visit_id, customer=caller.customer)
    return [QuoteOut.of(quote) for quote in quotes]


@router.post(
    "/quotes/{quote_id}/decision",
    summary="The consumer approves or declines a quote",
    responses=problem_responses(400, 403, 404, 409),
)
async def decide_quote(
    quote_id: Identifier, body: DecisionIn, session: DbSession, caller: Consumer
) -> QuoteOut:
    """Recorded with its time; only a pending quote can be decided (409 otherwise), and
    repeating the same decision changes nothing. Approval is the consent to the quote's
    total: a completed visit may charge up to it and no more."""
    quote = await service.decide(
        session,
        quote_id,
        body.decision == "approve",
        customer=caller.customer,
        actor=caller.actor_id,
        now=utc_now(),
    )
    return QuoteOut.of(quote)
