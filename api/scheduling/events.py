"""Visit events for the outbox, staged in the transaction that changes the visit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.outbox.service import EventType, record_event
from api.scheduling.models import Technician, Visit
from api.scheduling.visit_schemas import from_fen


def visit_payload(visit: Visit, technician: Technician) -> dict[str, Any]:
    """What the dispatch system needs to act on a visit; JSON-ready."""
    quoted, charged = from_fen(visit.quoted_fee_fen), from_fen(visit.fee_charged_fen)
    return {
        "visit_id": visit.id,
        "case_id": visit.case_id,
        "status": visit.status,
        "window_start": visit.window_start.isoformat(),
        "window_end": visit.window_end.isoformat(),
        "technician": {"id": technician.id, "staff_number": technician.staff_number},
        "area": visit.area_code,
        "address": visit.address,
        "contact_phone": visit.contact_phone,
        "urgent": visit.urgent,
        "paid_repair": visit.paid_repair,
        "quoted_fee": None if quoted is None else str(quoted),
        "fee_charged": None if charged is None else str(charged),
        "resolution": visit.resolution,
        "parts_used": visit.parts_used,
        "cancel_reason": visit.cancel_reason,
        "updated_at": visit.updated_at.isoformat(),
    }


def record_visit_event(
    session: AsyncSession, event_type: EventType, visit: Visit, technician: Technician
) -> None:
    record_event(session, event_type, f"visit:{visit.id}", visit_payload(visit, technician))
