"""Warranty: stored policy versions, exactly one active.

Revision ID: 0005_warranty
Revises: 0004_cases
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from api.db import UtcDateTime

revision: str = "0005_warranty"
down_revision: str | Sequence[str] | None = "0004_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "warranty_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("document", JSON_DOCUMENT, nullable=False),
        sa.Column("loaded_at", UtcDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warranty_policies")),
        sa.UniqueConstraint("version", name=op.f("uq_warranty_policies_version")),
    )
    op.create_index(
        "ix_warranty_policies_one_active",
        "warranty_policies",
        ["active"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )


def downgrade() -> None:
    op.drop_index("ix_warranty_policies_one_active", table_name="warranty_policies")
    op.drop_table("warranty_policies")
