"""Bodies of the privacy endpoints: a consumer's data export and the erasure receipt."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.cases.attachments.schemas import AttachmentOut
from api.cases.schemas import CaseDetailOut
from api.customers.schemas import CustomerOut


class ExportedCase(CaseDetailOut):
    attachments: list[AttachmentOut]


class CustomerExport(BaseModel):
    """Everything stored about one consumer."""

    exported_at: datetime
    customer: CustomerOut
    cases: list[ExportedCase] = Field(description="Oldest first, with history and attachments.")


class ErasureReceipt(BaseModel):
    anonymous_id: str = Field(description="Opaque id that now stands for the erased consumer.")
    erased_at: datetime
    cases_anonymised: int
    attachments_erased: int
