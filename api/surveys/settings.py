"""When surveys are sent, reminded and expire (environment prefix ``AFTERSALES_API_SURVEYS_``)."""

from __future__ import annotations

from datetime import time, timedelta
from functools import cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.surveys.quiet_hours import QuietHours


class SurveySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_API_SURVEYS_", extra="ignore")

    delay_minutes: int = Field(
        default=120, ge=0, le=7 * 24 * 60, description="Wait after the service before asking."
    )
    quiet_from: time = Field(
        default=time(21, 0), description="Consumer's local time from which nothing is sent."
    )
    quiet_until: time = Field(
        default=time(9, 0), description="Consumer's local time at which sending may resume."
    )
    reminder_after_hours: int = Field(
        default=24, ge=1, le=7 * 24, description="One reminder this long after the first delivery."
    )
    expires_after_days: int = Field(
        default=7, ge=1, le=90, description="Answers are accepted this long after the due time."
    )
    timer_enabled: bool = Field(
        default=True, description="Run the reminder timer inside the api process."
    )
    timer_interval_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="Pause between two passes of the timer."
    )
    timer_batch_size: int = Field(
        default=200, ge=1, le=10_000, description="Surveys looked at per pass and step."
    )

    @model_validator(mode="after")
    def _quiet_period_is_a_period(self) -> SurveySettings:
        if self.quiet_from == self.quiet_until:
            raise ValueError("quiet_from and quiet_until must differ")
        return self

    @property
    def quiet_hours(self) -> QuietHours:
        return QuietHours(starts=self.quiet_from, ends=self.quiet_until)

    @property
    def delay(self) -> timedelta:
        return timedelta(minutes=self.delay_minutes)

    @property
    def reminder_after(self) -> timedelta:
        return timedelta(hours=self.reminder_after_hours)

    @property
    def lifetime(self) -> timedelta:
        return timedelta(days=self.expires_after_days)


@cache
def survey_settings() -> SurveySettings:
    """The process's survey settings (a FastAPI dependency; tests override it)."""
    return SurveySettings()
