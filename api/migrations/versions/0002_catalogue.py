"""Catalogue: categories, brands, product models, registered units and their repairs.

Revision ID: 0002_catalogue
Revises: 0001_base
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.db import UtcDateTime

revision: str = "0002_catalogue"
down_revision: str | Sequence[str] | None = "0001_base"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_categories")),
    )
    op.create_table(
        "brands",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_brands")),
    )
    op.create_table(
        "product_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("category_code", sa.String(32), nullable=False),
        sa.Column("brand_code", sa.String(32), nullable=False),
        sa.Column("launch_date", sa.Date(), nullable=True),
        sa.Column("serial_pattern", sa.String(500), nullable=False),
        sa.Column("serial_hint_zh", sa.String(500), nullable=True),
        sa.Column("serial_hint_en", sa.String(500), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["categories.code"],
            name=op.f("fk_product_models_category_code_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["brand_code"], ["brands.code"], name=op.f("fk_product_models_brand_code_brands")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_models")),
        sa.UniqueConstraint("code", name=op.f("uq_product_models_code")),
    )
    op.create_index(op.f("ix_product_models_category_code"), "product_models", ["category_code"])
    op.create_index(op.f("ix_product_models_brand_code"), "product_models", ["brand_code"])
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(64), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("sale_date", sa.Date(), nullable=True),
        sa.Column("seller", sa.String(200), nullable=True),
        sa.Column("proof_on_file", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("manufacture_date", sa.Date(), nullable=True),
        sa.Column("replaced_unit_serial", sa.String(64), nullable=True),
        sa.Column("exchange_date", sa.Date(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "(replaced_unit_serial IS NULL) = (exchange_date IS NULL)",
            name=op.f("ck_units_exchange_pair"),
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["product_models.id"], name=op.f("fk_units_model_id_product_models")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("serial", name=op.f("uq_units_serial")),
    )
    op.create_index(op.f("ix_units_model_id"), "units", ["model_id"])
    op.create_table(
        "unit_repairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("hand_in", sa.Date(), nullable=False),
        sa.Column("hand_back", sa.Date(), nullable=True),
        sa.Column("component", sa.String(32), nullable=True),
        sa.Column("symptom", sa.Text(), nullable=True),
        sa.Column("free", sa.Boolean(), nullable=False),
        sa.Column("repaired_by_authorised", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "hand_back IS NULL OR hand_back >= hand_in",
            name=op.f("ck_unit_repairs_hand_back_after_in"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_unit_repairs_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_repairs")),
        sa.UniqueConstraint("unit_id", "hand_in", name=op.f("uq_unit_repairs_unit_id_hand_in")),
    )
    op.create_index(op.f("ix_unit_repairs_unit_id"), "unit_repairs", ["unit_id"])


def downgrade() -> None:
    op.drop_table("unit_repairs")
    op.drop_table("units")
    op.drop_table("product_models")
    op.drop_table("brands")
    op.drop_table("categories")
