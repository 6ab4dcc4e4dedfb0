"""Insert a row unless a row with the same unique key exists, without a failed transaction.

Concurrent requests that create the same thing (a customer, a case retried with the same
idempotency key, the same attachment uploaded twice) must end with one row. ``INSERT ... ON
CONFLICT DO NOTHING`` gets there on both PostgreSQL and SQLite without aborting the request's
transaction, which a caught IntegrityError would do on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import Base

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


async def insert_once(
    session: AsyncSession,
    model: type[Base],
    values: Mapping[str, Any],
    unique_on: Sequence[str],
) -> int | None:
    """The new row's id, or None when a row with the same ``unique_on`` values exists."""
    dialect = session.get_bind().dialect.name
    try:
        insert = _INSERTS[dialect]
    except KeyError:
        raise RuntimeError(f"unsupported database dialect {dialect}") from None
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(unique_on))
        .returning(model.__table__.c.id)
    )
    new_id: int | None = (await session.execute(statement)).scalar_one_or_none()
    return new_id
