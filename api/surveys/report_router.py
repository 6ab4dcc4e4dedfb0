"""The satisfaction report endpoint, as JSON or CSV."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, Query, Response

from api.auth_roles import Role
from api.customers.caller import Caller, caller_with_roles
from api.customers.preferences import DEFAULT_TIMEZONE, validate_timezone
from api.db import DbSession, utc_now
from api.errors import invalid_field, problem_responses
from api.surveys.report import MAX_PERIOD_DAYS, ReportPeriod, satisfaction_figures
from api.surveys.report_csv import CSV_MEDIA_TYPE, report_csv
from api.surveys.report_schemas import SatisfactionReportOut

router = APIRouter(tags=["reports"])

REPORT_READERS = (Role.SUPERVISOR, Role.AGENT)


def _period(first_day: date, last_day: date, timezone: str) -> ReportPeriod:
    if last_day < first_day:
        raise invalid_field("query.to", "invalid_period", "`to` must not be before `from`.")
    if last_day - first_day >= timedelta(days=MAX_PERIOD_DAYS):
        raise invalid_field(
            "query.to",
            "period_too_long",
            f"A report covers at most {MAX_PERIOD_DAYS} days; ask for several periods.",
        )
    try:
        zone = ZoneInfo(validate_timezone(timezone))
    except ValueError as error:
        raise invalid_field("query.timezone", "invalid_timezone", str(error)) from None
    period = ReportPeriod(first_day, last_day, zone)
    try:
        period.bounds()
    except OverflowError:
        raise invalid_field(
            "query.from", "invalid_period", "The period lies outside the supported calendar."
        ) from None
    return period


@router.get(
    "/reports/satisfaction",
    summary="CSAT, NPS and averages per dimension, technician and category for a period",
    description=(
        "Surveys count in the period in which their visit was completed or their handoff "
        "resolved (local dates in `timezone`). CSAT: share of 4–5 among overall scores. NPS: "
        "promoters (9–10) minus detractors (0–6), in percent. Partial answers count. "
        "`Accept: text/csv` or `format=csv` gives one CSV row per group."
    ),
    response_model=SatisfactionReportOut,
    responses={
        200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}},
        **problem_responses(403, 422),
    },
)
async def satisfaction_report(
    session: DbSession,
    _: Annotated[Caller, caller_with_roles(*REPORT_READERS)],
    first_day: Annotated[date, Query(alias="from", description="First day, e.g. 2026-12-01.")],
    last_day: Annotated[date, Query(alias="to", description="Last day (inclusive).")],
    timezone: Annotated[
        str, Query(max_length=64, description="IANA time zone of the dates.")
    ] = DEFAULT_TIMEZONE,
    output: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="`csv` for a spreadsheet; default: per Accept."),
    ] = None,
    accept: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    period = _period(first_day, last_day, timezone)
    figures = await satisfaction_figures(session, period)
    wants_csv = output == "csv" or (output is None and CSV_MEDIA_TYPE in (accept or ""))
    if wants_csv:
        name = f"satisfaction-{first_day.isoformat()}-{last_day.isoformat()}.csv"
        return Response(
            report_csv(figures),
            media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    report = SatisfactionReportOut.of(figures, utc_now())
    return Response(report.model_dump_json(), media_type="application/json")
