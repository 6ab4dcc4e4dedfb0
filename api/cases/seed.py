"""Seed section ``cases`` (order 41): cases, created once per customer and idempotency key.

Items take the fields of ``POST /cases``, with ``idempotency_key`` required (it is the natural
key: loading a file twice leaves the first case as it is), dates as ISO or relative
expressions (``today-20d``, see `api.catalogue.seed_dates`), and an optional ``transitions``
list of ``{to, note}`` that a newly created case goes through.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth_roles import Role
from api.cases.actors import Actor
from api.cases.schemas import CaseCreate, TransitionRequest
from api.cases.service import create_case, transition_case
from api.catalogue.seed_dates import SeedDateError, parse_seed_date
from api.errors import ApiError
from api.seeding import SeedError, register_section

SECTION_ORDER = 41
SEED_ACTOR = Actor(role=Role.ADMIN, id="seed")
_DATE_FIELDS = ("purchase_date", "fault_onset_date")


def _parse(
    item: dict[str, Any], where: str, today: date
) -> tuple[CaseCreate, list[TransitionRequest]]:
    fields = dict(item)
    steps = fields.pop("transitions", None) or []
    if not fields.get("idempotency_key"):
        raise SeedError(f"{where}: idempotency_key is required (it identifies the case)")
    if not isinstance(steps, list):
        raise SeedError(f"{where}: transitions must be a list of {{to, note}}")
    try:
        for name in _DATE_FIELDS:
            if name in fields:
                fields[name] = parse_seed_date(fields[name], today)
        case = CaseCreate.model_validate(fields)
        transitions = [TransitionRequest.model_validate(step) for step in steps]
    except (ValidationError, SeedDateError) as error:
        raise SeedError(f"{where}: {error}") from error
    return case, transitions


async def load_cases(session: AsyncSession, items: list[dict[str, Any]]) -> int:
    today = date.today()
    for index, item in enumerate(items):
        where = f"cases[{index}] {item.get('idempotency_key', '?')}"
        data, transitions = _parse(item, where, today)
        try:
            case, created = await create_case(session, data, SEED_ACTOR)
            if created:
                for step in transitions:
                    await transition_case(session, case.id, step.to, SEED_ACTOR, note=step.note)
        except ApiError as error:
            problems = [f"{problem.field}: {problem.message}" for problem in error.errors]
            raise SeedError(f"{where}: {'; '.join(problems) or error.detail}") from error
    return len(items)


register_section("cases", SECTION_ORDER, load_cases)
