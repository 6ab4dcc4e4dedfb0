"""Channel identities (``tg:123``, ``web:abc``) and the anonymous ids that replace them."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Path
from pydantic import StringConstraints

CHANNEL_ID_PATTERN = r"^(tg:[0-9]{1,20}|web:[A-Za-z0-9_-]{1,64})$"
ANONYMOUS_PREFIX = "anon:"

ChannelId = Annotated[str, StringConstraints(pattern=CHANNEL_ID_PATTERN)]
"""A consumer's identity on a chat channel: ``tg:<telegram user id>`` or ``web:<session id>``."""

CHANNEL_ID_DESCRIPTION = (
    "Channel identity of the consumer: `tg:<telegram user id>` (digits) or "
    "`web:<session id>` (letters, digits, `_`, `-`; at most 64)."
)

ChannelIdPath = Annotated[
    str, Path(pattern=CHANNEL_ID_PATTERN, description=CHANNEL_ID_DESCRIPTION, examples=["tg:123"])
]
"""A channel identity as a path parameter (a customer's id, which is also a conversation id)."""


def new_anonymous_id() -> str:
    """An opaque id that cannot be traced back to the erased channel identity."""
    return ANONYMOUS_PREFIX + secrets.token_hex(16)
