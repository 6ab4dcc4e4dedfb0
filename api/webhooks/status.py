"""Where a webhook delivery stands.

``pending`` deliveries are sent when their ``next_attempt_at`` has come (a worker holding a
lease is sending it right now); a 2xx answer makes it ``delivered``; failures are retried
with backoff until the retry window has passed, then it is ``failed``. An admin's replay
makes any delivery ``pending`` and due again.
"""

from __future__ import annotations

from enum import StrEnum


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
