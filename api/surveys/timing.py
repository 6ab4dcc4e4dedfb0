"""When a survey is due, when its reminder is, and when it expires (pure rules)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from api.surveys.settings import SurveySettings


def due_time(completed_at: datetime, zone: ZoneInfo, settings: SurveySettings) -> datetime:
    """The configured delay after the service, moved out of the consumer's quiet hours."""
    return settings.quiet_hours.next_allowed(completed_at + settings.delay, zone)


def reminder_time(first_delivery: datetime, zone: ZoneInfo, settings: SurveySettings) -> datetime:
    """The configured wait after the first delivery, moved out of the consumer's quiet hours."""
    return settings.quiet_hours.next_allowed(first_delivery + settings.reminder_after, zone)


def expiry_time(due_at: datetime, settings: SurveySettings) -> datetime:
    return due_at + settings.lifetime
