"""Moving a case along its status line from the conversation."""

from __future__ import annotations

import structlog

from actions.api_client import AftersalesApi, ApiRejected, ApiUnavailable
from actions.api_models import CaseStatus

log = structlog.get_logger(__name__)


async def move_case(api: AftersalesApi, customer: str, case_id: int, to: CaseStatus) -> bool:
    """Move the case on; False when the api refused or could not be reached.

    The status is bookkeeping for the conversation: a failure is logged, never shown as an
    error, and the consumer's request goes on.
    """
    try:
        await api.transition_case(customer, case_id, to)
    except (ApiUnavailable, ApiRejected) as error:
        log.warning("case status not changed", case_id=case_id, to=to.value, error=str(error))
        return False
    return True
