"""Where a survey stands, derived from its times so that it is right at every instant."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_

from api.surveys.models import Survey


class SurveyStatus(StrEnum):
    SCHEDULED = "scheduled"
    """Not due yet."""
    OPEN = "open"
    """Due and waiting for (more) answers."""
    COMPLETED = "completed"
    EXPIRED = "expired"
    """Never completed, and no longer accepting answers."""


def status_of(survey: Survey, now: datetime) -> SurveyStatus:
    if survey.completed_at is not None:
        return SurveyStatus.COMPLETED
    if now >= survey.expires_at:
        return SurveyStatus.EXPIRED
    if now < survey.due_at:
        return SurveyStatus.SCHEDULED
    return SurveyStatus.OPEN


def has_status(status: SurveyStatus, now: datetime) -> ColumnElement[bool]:
    """The SQL condition matching exactly the surveys `status_of` gives ``status`` at ``now``."""
    pending = Survey.completed_at.is_(None)
    conditions = {
        SurveyStatus.COMPLETED: Survey.completed_at.is_not(None),
        SurveyStatus.EXPIRED: and_(pending, Survey.expires_at <= now),
        SurveyStatus.SCHEDULED: and_(pending, Survey.expires_at > now, Survey.due_at > now),
        SurveyStatus.OPEN: and_(pending, Survey.expires_at > now, Survey.due_at <= now),
    }
    return conditions[status]


def accepts_answers(survey: Survey, now: datetime) -> bool:
    """Answers are taken until the survey expires, completed or not (a late optional comment)."""
    return now < survey.expires_at
