"""How long a case may stay quiet in each state (``AFTERSALES_API_PROGRESS_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.cases.status import CaseStatus


class ProgressSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_API_PROGRESS_", extra="ignore")

    open_hours: float = Field(default=24, gt=0, description="Quiet time allowed for an open case.")
    troubleshooting_hours: float = Field(default=24, gt=0)
    awaiting_visit_hours: float = Field(
        default=24, gt=0, description="Quiet time while a visit is being arranged."
    )
    in_repair_hours: float = Field(default=72, gt=0)
    escalated_hours: float = Field(default=24, gt=0)
    max_silence_hours: float = Field(
        default=72,
        gt=0,
        description="No case is quiet longer than this, whatever its state (a visit booked "
        "far ahead included).",
    )
    interval_minutes: float = Field(
        default=30, gt=0, description="How often the api looks for quiet cases."
    )
    batch_size: int = Field(default=200, ge=1, le=10_000, description="Cases per pass.")

    def quiet_hours_allowed(self, status: CaseStatus) -> float:
        expected = {
            CaseStatus.OPEN: self.open_hours,
            CaseStatus.TROUBLESHOOTING: self.troubleshooting_hours,
            CaseStatus.AWAITING_VISIT: self.awaiting_visit_hours,
            CaseStatus.IN_REPAIR: self.in_repair_hours,
            CaseStatus.ESCALATED: self.escalated_hours,
        }.get(status, self.max_silence_hours)
        return min(expected, self.max_silence_hours)
