"""Outbound items remember whether they are urgent, i.e. delivered even in quiet hours.

Revision ID: 0011_outbound_urgency
Revises: 0010_surveys
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_outbound_urgency"
down_revision: str | Sequence[str] | None = "0010_surveys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "outbound_items",
        sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("outbound_items") as batch:
        batch.drop_column("urgent")
