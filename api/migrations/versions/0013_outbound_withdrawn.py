"""Outbound items can be withdrawn: a visit reminder whose visit moved or was cancelled.

Revision ID: 0013_outbound_withdrawn
Revises: 0012_fees_and_quotes
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_outbound_withdrawn"
down_revision: str | Sequence[str] | None = "0012_fees_and_quotes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("pending", "leased", "delivered", "failed", "undeliverable")
AFTER = (*BEFORE, "withdrawn")


def _statuses(values: Sequence[str]) -> str:
    return f"status IN ({', '.join(repr(value) for value in values)})"


def _replace_status_check(values: Sequence[str]) -> None:
    # SQLite cannot alter a constraint in place: batch mode copies the table.
    with op.batch_alter_table("outbound_items") as batch:
        batch.drop_constraint(op.f("ck_outbound_items_status"), type_="check")
        batch.create_check_constraint(op.f("ck_outbound_items_status"), _statuses(values))


def upgrade() -> None:
    _replace_status_check(AFTER)


def downgrade() -> None:
    op.execute("UPDATE outbound_items SET status = 'failed' WHERE status = 'withdrawn'")
    _replace_status_check(BEFORE)
