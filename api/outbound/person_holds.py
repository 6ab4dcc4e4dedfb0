"""Items that wait while a person has the conversation.

When a chat is handed to an agent the conversation in the dialogue engine is paused until the
handoff ends. An intent item (a survey falling due, a reminder) asks the engine to speak: on a
paused conversation it would come back with nothing to show and be acknowledged as delivered,
and if it did speak it would talk over the agent. Such items are therefore not leased while
their conversation has an open handoff; they go out once it is resolved or cancelled. Text
items (an agent's reply, a visit notice) are written by people or are facts the consumer must
have, and go out as usual.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists

from api.handoffs.models import Handoff
from api.handoffs.status import OPEN_STATUSES
from api.outbound.models import OutboundItem

INTENT_PAYLOAD = "intent"


def waits_for_the_person() -> ColumnElement[bool]:
    """True for an intent item whose conversation has an open handoff."""
    open_handoff = exists().where(
        Handoff.conversation_id == OutboundItem.conversation_id,
        Handoff.status.in_([status.value for status in OPEN_STATUSES]),
    )
    return and_(OutboundItem.payload["type"].as_string() == INTENT_PAYLOAD, open_handoff)
