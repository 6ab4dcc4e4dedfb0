"""Customers, cases, case transitions and case attachments.

Revision ID: 0004_cases
Revises: 0003_troubleshooting
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_cases"
down_revision: str | Sequence[str] | None = "0003_troubleshooting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = (
    "open",
    "troubleshooting",
    "awaiting_visit",
    "visit_booked",
    "in_repair",
    "resolved",
    "closed",
    "escalated",
    "cancelled",
)
SERVICE_TYPES = ("repair", "installation", "maintenance", "return", "exchange")
SERVICE_MODES = ("onsite", "carry_in", "mail_in")
URGENCIES = ("normal", "urgent")
ATTACHMENT_KINDS = ("invoice", "nameplate", "fault_photo", "document", "other")

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel_id", sa.String(80), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("region", sa.String(2), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("locale IN ('zh', 'en')", name=op.f("ck_customers_locale")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_customers_channel_id")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("escalated_from", sa.String(20), nullable=True),
        sa.Column("category_code", sa.String(32), nullable=True),
        sa.Column("brand", sa.String(64), nullable=True),
        sa.Column("model_code", sa.String(64), nullable=True),
        sa.Column("serial", sa.String(64), nullable=True),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("symptom_key", sa.String(64), nullable=True),
        sa.Column("component", sa.String(64), nullable=True),
        sa.Column("fault_description", sa.Text(), nullable=True),
        sa.Column("fault_onset_text", sa.Text(), nullable=True),
        sa.Column("fault_onset_date", sa.Date(), nullable=True),
        sa.Column("external_damage_reported", sa.Boolean(), nullable=True),
        sa.Column("service_type", sa.String(20), nullable=False),
        sa.Column("service_mode", sa.String(20), nullable=False),
        sa.Column("urgency", sa.String(10), nullable=False),
        sa.Column("warranty_snapshot", JSON_DOCUMENT, nullable=True),
        sa.Column("conversation_id", sa.String(80), nullable=True),
        sa.Column("idempotency_key", sa.String(128), nullable=True),
        sa.Column("idempotency_fingerprint", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("status", STATUSES), name=op.f("ck_cases_status")),
        sa.CheckConstraint(
            _one_of("escalated_from", STATUSES), name=op.f("ck_cases_escalated_from")
        ),
        sa.CheckConstraint(
            "(status = 'escalated') = (escalated_from IS NOT NULL)",
            name=op.f("ck_cases_escalation_origin"),
        ),
        sa.CheckConstraint(
            _one_of("service_type", SERVICE_TYPES), name=op.f("ck_cases_service_type")
        ),
        sa.CheckConstraint(
            _one_of("service_mode", SERVICE_MODES), name=op.f("ck_cases_service_mode")
        ),
        sa.CheckConstraint(_one_of("urgency", URGENCIES), name=op.f("ck_cases_urgency")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_cases_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["categories.code"],
            name=op.f("fk_cases_category_code_categories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint(
            "customer_id", "idempotency_key", name=op.f("uq_cases_customer_id_idempotency_key")
        ),
    )
    op.create_index("ix_cases_customer_id_created_at", "cases", ["customer_id", "created_at"])
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_table(
        "case_transitions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            _one_of("from_status", STATUSES), name=op.f("ck_case_transitions_from_status")
        ),
        sa.CheckConstraint(
            _one_of("to_status", STATUSES), name=op.f("ck_case_transitions_to_status")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_transitions_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_transitions")),
    )
    op.create_index(op.f("ix_case_transitions_case_id"), "case_transitions", ["case_id"])
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("media_type", sa.String(40), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("channel_file_id", sa.String(256), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_role", sa.String(20), nullable=False),
        sa.Column("uploaded_by", sa.String(128), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            _one_of("kind", ATTACHMENT_KINDS), name=op.f("ck_case_attachments_kind")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_attachments_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachments")),
        sa.UniqueConstraint("case_id", "sha256", name=op.f("uq_case_attachments_case_id_sha256")),
    )
    op.create_index(op.f("ix_case_attachments_case_id"), "case_attachments", ["case_id"])
    op.create_index(op.f("ix_case_attachments_sha256"), "case_attachments", ["sha256"])


def downgrade() -> None:
    op.drop_table("case_attachments")
    op.drop_table("case_transitions")
    op.drop_table("cases")
    op.drop_table("customers")
