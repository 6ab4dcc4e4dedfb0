"""Fee schedule versions and the quotes of visits.

Revision ID: 0012_fees_and_quotes
Revises: 0011_outbound_urgency
Create Date: 2026-11-23

Quotes reference visits (0007_scheduling) and cases (0004_cases).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from api.db import UtcDateTime

revision: str = "0012_fees_and_quotes"
down_revision: str | Sequence[str] | None = "0011_outbound_urgency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
QUOTE_STATUSES = "status IN ('pending', 'approved', 'declined', 'superseded')"


def upgrade() -> None:
    op.create_table(
        "fee_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("document", JSON_DOCUMENT, nullable=False),
        sa.Column("loaded_at", UtcDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_schedules")),
        sa.UniqueConstraint("version", name=op.f("uq_fee_schedules_version")),
    )
    op.create_index(
        "ix_fee_schedules_one_active",
        "fee_schedules",
        ["active"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cause", sa.JSON(), nullable=False),
        sa.Column("work", sa.JSON(), nullable=False),
        sa.Column("risks", sa.JSON(), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("total_fen", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("schedule_version", sa.String(64), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(128), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.CheckConstraint(QUOTE_STATUSES, name=op.f("ck_quotes_status")),
        sa.CheckConstraint("total_fen >= 0", name=op.f("ck_quotes_total")),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_quotes_visit_id_visits")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_quotes_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    op.create_index(op.f("ix_quotes_case_id"), "quotes", ["case_id"])
    op.create_index("ix_quotes_visit_id_status", "quotes", ["visit_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_quotes_visit_id_status", table_name="quotes")
    op.drop_index(op.f("ix_quotes_case_id"), table_name="quotes")
    op.drop_table("quotes")
    op.drop_index("ix_fee_schedules_one_active", table_name="fee_schedules")
    op.drop_table("fee_schedules")
