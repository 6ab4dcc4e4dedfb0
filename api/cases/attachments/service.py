"""Attachment rules: one row per case and content, visibility as for the case itself."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases.actors import Actor
from api.cases.attachments.file_names import safe_file_name
from api.cases.attachments.models import AttachmentKind, CaseAttachment
from api.cases.attachments.schemas import CHANNEL_FILE_ID_PATTERN
from api.cases.attachments.storage import BlobStore
from api.cases.attachments.upload_stream import ReceivedFile
from api.cases.models import Case
from api.cases.status import CaseStatus, is_final
from api.customers.insert_once import insert_once
from api.customers.models import Customer
from api.db import utc_now
from api.errors import ApiError, FieldProblem, not_found


class UploadFields(BaseModel):
    """The small form fields sent beside the file."""

    model_config = ConfigDict(extra="ignore")

    kind: AttachmentKind
    channel_file_id: str | None = Field(default=None, pattern=CHANNEL_FILE_ID_PATTERN)

    @classmethod
    def parse(cls, fields: dict[str, str]) -> UploadFields:
        try:
            return cls.model_validate(fields)
        except ValidationError as error:
            problems = [
                FieldProblem(
                    field=".".join(["body", *(str(part) for part in item["loc"])]),
                    message=item["msg"],
                    type=item["type"],
                )
                for item in error.errors()
            ]
            raise ApiError(
                422, "validation_failed", "The upload has invalid fields.", errors=problems
            ) from None


def ensure_accepts_attachments(case: Case) -> None:
    """Closed and cancelled cases take no more files (checked before an upload is read)."""
    if is_final(CaseStatus(case.status)):
        raise ApiError(
            409, "case_final", f"Case {case.id} is {case.status}; it takes no more attachments."
        )


async def add_attachment(
    session: AsyncSession,
    store: BlobStore,
    case: Case,
    received: ReceivedFile,
    fields: UploadFields,
    actor: Actor,
) -> tuple[CaseAttachment, bool]:
    """Attach received content to ``case``; returns the attachment and whether it is new.

    The same content attached to the same case again gives back the first attachment. The
    caller discards the staged file afterwards (kept content has been moved out of it).
    """
    ensure_accepts_attachments(case)
    sha256 = received.staged.sha256
    earlier = await _find(session, case.id, sha256)
    if earlier is not None:
        return earlier, False
    await store.keep(received.staged)
    values = {
        "case_id": case.id,
        "kind": fields.kind.value,
        "media_type": received.media_type.name,
        "size_bytes": received.staged.size,
        "sha256": sha256,
        "file_name": safe_file_name(received.file_name, received.media_type),
        "channel_file_id": fields.channel_file_id,
        "uploaded_at": utc_now(),
        "uploaded_by_role": actor.role.value,
        "uploaded_by": actor.id,
    }
    attachment_id = await insert_once(
        session, CaseAttachment, values, unique_on=("case_id", "sha256")
    )
    attachment = await _find(session, case.id, sha256)
    assert attachment is not None
    return attachment, attachment_id is not None


async def list_attachments(session: AsyncSession, case_id: int) -> list[CaseAttachment]:
    query = (
        select(CaseAttachment)
        .where(CaseAttachment.case_id == case_id)
        .order_by(CaseAttachment.uploaded_at, CaseAttachment.id)
    )
    return list((await session.execute(query)).scalars())


async def get_attachment(
    session: AsyncSession, attachment_id: int, *, customer: str | None = None
) -> CaseAttachment:
    """The attachment, if its case is visible to ``customer`` (None: any case)."""
    query = select(CaseAttachment).where(CaseAttachment.id == attachment_id)
    if customer is not None:
        query = (
            query.join(Case, CaseAttachment.case_id == Case.id)
            .join(Customer, Case.customer_id == Customer.id)
            .where(Customer.channel_id == customer)
        )
    attachment = (await session.execute(query)).scalar_one_or_none()
    if attachment is None:
        raise not_found("attachment", attachment_id)
    return attachment


def content_path(store: BlobStore, attachment: CaseAttachment) -> Path:
    """Where the attachment's bytes are; 410 once erased."""
    if attachment.sha256 is None:
        raise ApiError(
            410,
            "attachment_erased",
            f"The content of attachment {attachment.id} was erased with the consumer's data.",
        )
    path = store.path_for(attachment.sha256)
    if not path.is_file():
        raise ApiError(
            404,
            "attachment_content_missing",
            f"The content of attachment {attachment.id} is missing from storage.",
        )
    return path


async def _find(session: AsyncSession, case_id: int, sha256: str) -> CaseAttachment | None:
    query = select(CaseAttachment).where(
        CaseAttachment.case_id == case_id, CaseAttachment.sha256 == sha256
    )
    return (await session.execute(query)).scalar_one_or_none()
