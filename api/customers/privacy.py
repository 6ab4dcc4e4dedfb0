"""A consumer's rights over their data: export everything, or erase what identifies them.

Erasure keeps the cases for statistics (status, category, product, dates) but removes every
personal field and every free text the consumer or an agent wrote about them, replaces the
channel identity with an opaque id, and deletes the attached files' content.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.cases.attachments.models import CaseAttachment
from api.cases.attachments.schemas import AttachmentOut
from api.cases.attachments.storage import BlobStore
from api.cases.models import Case, CaseTransition
from api.cases.schemas import CaseDetailOut
from api.conversations.privacy import erase_conversation
from api.customers.identity import new_anonymous_id
from api.customers.privacy_schemas import CustomerExport, ErasureReceipt, ExportedCase
from api.customers.schemas import CustomerOut
from api.customers.service import get_customer
from api.db import utc_now
from api.scheduling.privacy import erase_visit_personal_data
from api.warranty.decision_model import WarrantyStatus

ERASED_MARKER = "[erased]"
# The warranty status carries no personal data and is what statistics need from the snapshot.
WARRANTY_STATUSES = frozenset(status.value for status in WarrantyStatus)


async def export_customer(session: AsyncSession, channel_id: str) -> CustomerExport:
    customer = await get_customer(session, channel_id)
    query = (
        select(Case)
        .where(Case.customer_id == customer.id)
        .options(selectinload(Case.customer), selectinload(Case.transitions))
        .order_by(Case.created_at, Case.id)
    )
    cases = list((await session.execute(query)).scalars())
    attachments = await _attachments_of(session, [case.id for case in cases])
    exported = [
        ExportedCase(
            **CaseDetailOut.of(case).model_dump(),
            attachments=[AttachmentOut.of(item) for item in attachments if item.case_id == case.id],
        )
        for case in cases
    ]
    return CustomerExport(exported_at=utc_now(), customer=CustomerOut.of(customer), cases=exported)


async def erase_customer(
    session: AsyncSession, channel_id: str, store: BlobStore
) -> ErasureReceipt:
    customer = await get_customer(session, channel_id)
    anonymous_id = new_anonymous_id()
    now = utc_now()
    customer.channel_id = anonymous_id
    customer.display_name = None
    customer.phone = None
    customer.address = None
    customer.erased_at = now
    customer.updated_at = now

    cases = list(
        (await session.execute(select(Case).where(Case.customer_id == customer.id))).scalars()
    )
    case_ids = [case.id for case in cases]
    for case in cases:
        case.fault_description = _erased(case.fault_description)
        case.fault_onset_text = _erased(case.fault_onset_text)
        case.warranty_snapshot = _statistical_part(case.warranty_snapshot)
        case.conversation_id = None
        # Clients often build keys from the chat identity, so the key goes too.
        case.idempotency_key = None
        case.idempotency_fingerprint = None
        case.updated_at = now

    await erase_conversation(session, channel_id, anonymous_id, marker=ERASED_MARKER)

    await erase_visit_personal_data(
        session,
        case_ids,
        channel_id=channel_id,
        anonymous_id=anonymous_id,
        marker=ERASED_MARKER,
        now=now,
    )

    in_cases = CaseTransition.case_id.in_(case_ids)
    await session.execute(
        update(CaseTransition)
        .where(in_cases, CaseTransition.note.is_not(None))
        .values(note=ERASED_MARKER)
    )
    await session.execute(
        update(CaseTransition)
        .where(in_cases, CaseTransition.actor_id == channel_id)
        .values(actor_id=anonymous_id)
    )

    attachments = [
        item for item in await _attachments_of(session, case_ids) if item.erased_at is None
    ]
    contents = {item.sha256 for item in attachments if item.sha256 is not None}
    for attachment in attachments:
        attachment.sha256 = None
        attachment.file_name = ERASED_MARKER
        attachment.channel_file_id = None
        attachment.erased_at = now
        if attachment.uploaded_by == channel_id:
            attachment.uploaded_by = anonymous_id
    await session.flush()

    # The same bytes may also be attached to someone else's case; those stay.
    shared = await session.execute(
        select(CaseAttachment.sha256).where(CaseAttachment.sha256.in_(contents)).distinct()
    )
    store.remove_after_commit(session, contents - set(shared.scalars()))
    return ErasureReceipt(
        anonymous_id=anonymous_id,
        erased_at=now,
        cases_anonymised=len(cases),
        attachments_erased=len(attachments),
    )


def _erased(text: str | None) -> str | None:
    return None if text is None else ERASED_MARKER


def _statistical_part(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    status = snapshot.get("status") if snapshot else None
    return {"status": status} if status in WARRANTY_STATUSES else None


async def _attachments_of(session: AsyncSession, case_ids: list[int]) -> list[CaseAttachment]:
    if not case_ids:
        return []
    query = (
        select(CaseAttachment)
        .where(CaseAttachment.case_id.in_(case_ids))
        .order_by(CaseAttachment.uploaded_at, CaseAttachment.id)
    )
    return list((await session.execute(query)).scalars())
