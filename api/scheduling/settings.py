"""Scheduling configuration (environment prefix ``AFTERSALES_API_SCHEDULING_``).

The visit windows are local times in ``timezone``; ``AFTERSALES_API_SCHEDULING_WINDOWS``
takes JSON, e.g. ``[{"start": "08:00", "end": "10:00"}, {"start": "10:00", "end": "12:00"}]``.
"""

from __future__ import annotations

import itertools
import zoneinfo
from datetime import time
from functools import cached_property
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.customers.preferences import DEFAULT_TIMEZONE, validate_timezone


class WindowTemplate(BaseModel):
    """A daily visit window in local time, e.g. 09:00–12:00."""

    model_config = ConfigDict(frozen=True)

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> WindowTemplate:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("window times are local times without an offset")
        if self.start >= self.end:
            raise ValueError(f"a window must end after it starts ({self.start}–{self.end})")
        return self

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


DEFAULT_WINDOWS = (
    WindowTemplate(start=time(9), end=time(12)),
    WindowTemplate(start=time(13), end=time(16)),
    WindowTemplate(start=time(16), end=time(19)),
)


class SchedulingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_API_SCHEDULING_", extra="ignore")

    timezone: str = Field(
        default=DEFAULT_TIMEZONE, description="Time zone of the visit windows and working hours."
    )
    windows: tuple[WindowTemplate, ...] = Field(
        default=DEFAULT_WINDOWS, description="Bookable daily windows, local time."
    )
    service_level_hours_city: int = Field(
        default=24, gt=0, le=720, description="Visit within this many hours in city areas."
    )
    service_level_hours_elsewhere: int = Field(
        default=48, gt=0, le=720, description="Visit within this many hours elsewhere."
    )
    horizon_days: int = Field(
        default=7, ge=1, le=31, description="Days of windows availability shows by default."
    )
    max_days_ahead: int = Field(
        default=30, ge=1, le=366, description="How far ahead a visit may be booked."
    )
    min_lead_minutes: int = Field(
        default=60, ge=0, le=24 * 60, description="A window must start at least this much later."
    )
    reminder_time: time = Field(
        default=time(18),
        description="Local time of the visit reminder on the day before; one inside the "
        "consumer's quiet hours is moved to the hour before they begin.",
    )
    alternatives: int = Field(
        default=5, ge=1, le=20, description="Windows offered when the requested one is full."
    )
    pull_settle_seconds: float = Field(
        default=3.0,
        ge=0,
        le=300,
        description="The dispatch feed holds back changes younger than this, so that a "
        "transaction that stamped its change earlier but commits later is never skipped.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return validate_timezone(value)

    @field_validator("windows")
    @classmethod
    def _windows_do_not_overlap(
        cls, windows: tuple[WindowTemplate, ...]
    ) -> tuple[WindowTemplate, ...]:
        # Seats are keyed by a window's start: overlapping windows would let one technician
        # hold two seats at the same hour.
        if not windows:
            raise ValueError("at least one visit window is needed")
        ordered = tuple(sorted(windows, key=lambda window: window.start))
        for earlier, later in itertools.pairwise(ordered):
            if later.start < earlier.end:
                raise ValueError(f"windows {earlier.label} and {later.label} overlap")
        return ordered

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def service_level_hours(self, urban: bool) -> int:
        return self.service_level_hours_city if urban else self.service_level_hours_elsewhere


async def scheduling_settings(request: Request) -> SchedulingSettings:
    """The app's scheduling settings, read from the environment on first use."""
    settings: SchedulingSettings | None = getattr(request.app.state, "scheduling_settings", None)
    if settings is None:
        settings = SchedulingSettings()
        request.app.state.scheduling_settings = settings
    return settings


Scheduling = Annotated[SchedulingSettings, Depends(scheduling_settings)]
