"""Attachment metadata; the content lives in the blob store under its SHA-256."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.cases.models import Case
from api.db import Base, UtcDateTime, utc_now


class AttachmentKind(StrEnum):
    INVOICE = "invoice"
    NAMEPLATE = "nameplate"
    FAULT_PHOTO = "fault_photo"
    DOCUMENT = "document"
    OTHER = "other"


class CaseAttachment(Base):
    __tablename__ = "case_attachments"
    __table_args__ = (
        CheckConstraint(
            "kind IN ({})".format(", ".join(repr(kind.value) for kind in AttachmentKind)),
            name="kind",
        ),
        UniqueConstraint("case_id", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    media_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    """None once the content has been erased."""
    file_name: Mapped[str] = mapped_column(String(200))
    channel_file_id: Mapped[str | None] = mapped_column(String(256))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    uploaded_by_role: Mapped[str] = mapped_column(String(20))
    uploaded_by: Mapped[str | None] = mapped_column(String(128))
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    case: Mapped[Case] = relationship(lazy="raise")
