"""Counting what the database kept: a count staged in a transaction is added when it
commits and dropped when it rolls back, so a refused request never inflates a counter."""

from __future__ import annotations

from prometheus_client import Counter
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_STAGED = "observability.staged_counts"


def count_on_commit(session: AsyncSession, counter: Counter, **labels: str) -> None:
    """Add one to ``counter`` (with ``labels``) once the session's transaction commits."""
    child = counter.labels(**labels) if labels else counter
    session.info.setdefault(_STAGED, []).append(child)


@event.listens_for(Session, "after_commit")
def _add_staged(session: Session) -> None:
    for child in session.info.pop(_STAGED, ()):
        child.inc()


@event.listens_for(Session, "after_rollback")
def _drop_staged(session: Session) -> None:
    session.info.pop(_STAGED, None)
