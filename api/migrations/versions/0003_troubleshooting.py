"""Troubleshooting knowledge base: guides, their steps, and brand error codes.

Revision ID: 0003_troubleshooting
Revises: 0002_catalogue
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.db import UtcDateTime

revision: str = "0003_troubleshooting"
down_revision: str | Sequence[str] | None = "0002_catalogue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

URGENCIES = ("normal", "urgent")
REMOTE_OUTCOMES = ("fixed_after_any_step", "fixed_after_last_step", "never")


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "troubleshooting_guides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.String(32), nullable=False),
        sa.Column("symptom", sa.String(64), nullable=False),
        sa.Column("brand_code", sa.String(32), nullable=True),
        sa.Column("title_zh", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("match_phrases_zh", sa.JSON(), nullable=False),
        sa.Column("match_phrases_en", sa.JSON(), nullable=False),
        sa.Column("safety_notes", sa.JSON(), nullable=False),
        sa.Column("needs_visit_when", sa.JSON(), nullable=False),
        sa.Column("ends_remotely_when", sa.String(32), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            _one_of("urgency", URGENCIES), name=op.f("ck_troubleshooting_guides_urgency")
        ),
        sa.CheckConstraint(
            _one_of("ends_remotely_when", REMOTE_OUTCOMES),
            name=op.f("ck_troubleshooting_guides_ends_remotely_when"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_troubleshooting_guides_version_positive")),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["categories.code"],
            name=op.f("fk_troubleshooting_guides_category_code_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["brand_code"],
            ["brands.code"],
            name=op.f("fk_troubleshooting_guides_brand_code_brands"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_troubleshooting_guides")),
    )
    op.create_index(
        op.f("ix_troubleshooting_guides_category_code"), "troubleshooting_guides", ["category_code"]
    )
    op.create_index(
        op.f("ix_troubleshooting_guides_brand_code"), "troubleshooting_guides", ["brand_code"]
    )
    # A plain unique constraint would let any number of generic (brand NULL) guides exist for
    # one symptom: NULLs never compare equal. Two partial indexes hold on both databases.
    op.create_index(
        "uq_troubleshooting_guides_generic_symptom",
        "troubleshooting_guides",
        ["category_code", "symptom"],
        unique=True,
        sqlite_where=sa.text("brand_code IS NULL"),
        postgresql_where=sa.text("brand_code IS NULL"),
    )
    op.create_index(
        "uq_troubleshooting_guides_brand_symptom",
        "troubleshooting_guides",
        ["category_code", "symptom", "brand_code"],
        unique=True,
        sqlite_where=sa.text("brand_code IS NOT NULL"),
        postgresql_where=sa.text("brand_code IS NOT NULL"),
    )

    op.create_table(
        "troubleshooting_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("instruction_zh", sa.Text(), nullable=False),
        sa.Column("instruction_en", sa.Text(), nullable=False),
        sa.Column("safety", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("image_url", sa.String(2048), nullable=True),
        sa.CheckConstraint(
            "position >= 1", name=op.f("ck_troubleshooting_steps_position_positive")
        ),
        sa.ForeignKeyConstraint(
            ["guide_id"],
            ["troubleshooting_guides.id"],
            name=op.f("fk_troubleshooting_steps_guide_id_troubleshooting_guides"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_troubleshooting_steps")),
        sa.UniqueConstraint(
            "guide_id", "position", name=op.f("uq_troubleshooting_steps_guide_id_position")
        ),
    )
    op.create_index(
        op.f("ix_troubleshooting_steps_guide_id"), "troubleshooting_steps", ["guide_id"]
    )

    op.create_table(
        "troubleshooting_error_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_code", sa.String(32), nullable=False),
        sa.Column("category_code", sa.String(32), nullable=False),
        sa.Column("model_code", sa.String(64), nullable=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("symptom", sa.String(64), nullable=False),
        sa.Column("meaning_zh", sa.Text(), nullable=False),
        sa.Column("meaning_en", sa.Text(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["brand_code"],
            ["brands.code"],
            name=op.f("fk_troubleshooting_error_codes_brand_code_brands"),
        ),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["categories.code"],
            name=op.f("fk_troubleshooting_error_codes_category_code_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["model_code"],
            ["product_models.code"],
            name=op.f("fk_troubleshooting_error_codes_model_code_product_models"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_troubleshooting_error_codes")),
    )
    op.create_index(
        op.f("ix_troubleshooting_error_codes_brand_code"),
        "troubleshooting_error_codes",
        ["brand_code"],
    )
    op.create_index(
        op.f("ix_troubleshooting_error_codes_category_code"),
        "troubleshooting_error_codes",
        ["category_code"],
    )
    op.create_index(
        "uq_troubleshooting_error_codes_brand_code",
        "troubleshooting_error_codes",
        ["brand_code", "category_code", "code"],
        unique=True,
        sqlite_where=sa.text("model_code IS NULL"),
        postgresql_where=sa.text("model_code IS NULL"),
    )
    op.create_index(
        "uq_troubleshooting_error_codes_model_code",
        "troubleshooting_error_codes",
        ["brand_code", "category_code", "model_code", "code"],
        unique=True,
        sqlite_where=sa.text("model_code IS NOT NULL"),
        postgresql_where=sa.text("model_code IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("troubleshooting_error_codes")
    op.drop_table("troubleshooting_steps")
    op.drop_table("troubleshooting_guides")
