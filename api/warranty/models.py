"""Stored warranty policy versions: the policy is data, one version active at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, String, false
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UtcDateTime, utc_now

VERSION_LENGTH = 64

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class WarrantyPolicyVersion(Base):
    """One uploaded version of the policy document (the shape of `default_policy.yaml`)."""

    __tablename__ = "warranty_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(VERSION_LENGTH), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


# At most one version is active: a partial unique index over the active row (both backends).
Index(
    "ix_warranty_policies_one_active",
    WarrantyPolicyVersion.active,
    unique=True,
    sqlite_where=WarrantyPolicyVersion.active,
    postgresql_where=WarrantyPolicyVersion.active,
)
