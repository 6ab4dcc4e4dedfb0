"""Handoffs, the conversation log and the outbound delivery queue.

Revision ID: 0008_handoffs
Revises: 0007_scheduling
Create Date: 2026-11-23

Handoffs reference cases, hence the dependency on 0004_cases. Opening a handoff also writes
to outbox_events (0006_outbox) at run time, but no table here references it; declaring that
second dependency would make Alembic try to remove 0001_base from the version table twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_handoffs"
down_revision: str | Sequence[str] | None = "0007_scheduling"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HANDOFF_STATUSES = ("cancelled", "claimed", "queued", "resolved")
OPEN_HANDOFF = "status IN ('claimed', 'queued')"
HANDOFF_REASONS = (
    "complaint",
    "low_survey_score",
    "nlu_failure",
    "no_capacity",
    "requested",
    "safety",
    "validation_failure",
    "warranty_dispute",
)
PRIORITIES = ("high", "normal", "urgent")
OUTBOUND_STATUSES = ("pending", "leased", "delivered", "failed", "undeliverable")
OUTBOUND_KINDS = (
    "survey_due",
    "survey_reminder",
    "visit_reminder",
    "visit_status",
    "agent_reply",
    "case_update",
)

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(80), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.String(128), nullable=True),
        sa.Column("agent_id", sa.String(128), nullable=True),
        sa.Column("agent_name", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(128), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=True),
        sa.CheckConstraint(_one_of("status", HANDOFF_STATUSES), name=op.f("ck_handoffs_status")),
        sa.CheckConstraint(_one_of("reason", HANDOFF_REASONS), name=op.f("ck_handoffs_reason")),
        sa.CheckConstraint(_one_of("priority", PRIORITIES), name=op.f("ck_handoffs_priority")),
        sa.CheckConstraint(
            "status <> 'claimed' OR agent_id IS NOT NULL", name=op.f("ck_handoffs_claim_holder")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_handoffs_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
    )
    op.create_index(
        "uq_handoffs_open_conversation_id",
        "handoffs",
        ["conversation_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_HANDOFF),
        postgresql_where=sa.text(OPEN_HANDOFF),
    )
    op.create_index("ix_handoffs_status_created_at", "handoffs", ["status", "created_at"])
    op.create_index(
        "ix_handoffs_conversation_id_created_at", "handoffs", ["conversation_id", "created_at"]
    )
    op.create_index(op.f("ix_handoffs_case_id"), "handoffs", ["case_id"])

    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(80), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("sender_kind", sa.String(10), nullable=False),
        sa.Column("agent_id", sa.String(128), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("channel_message_id", sa.String(128), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "direction IN ('in', 'out')", name=op.f("ck_conversation_messages_direction")
        ),
        sa.CheckConstraint(
            "sender_kind IN ('customer', 'bot', 'agent')",
            name=op.f("ck_conversation_messages_sender_kind"),
        ),
        sa.CheckConstraint(
            "(direction = 'in') = (sender_kind = 'customer')",
            name=op.f("ck_conversation_messages_sender_side"),
        ),
        sa.CheckConstraint(
            "(sender_kind = 'agent') = (agent_id IS NOT NULL)",
            name=op.f("ck_conversation_messages_agent_sender"),
        ),
        sa.CheckConstraint(
            "text IS NOT NULL OR attachment_id IS NOT NULL",
            name=op.f("ck_conversation_messages_content"),
        ),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["case_attachments.id"],
            name=op.f("fk_conversation_messages_attachment_id_case_attachments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_messages")),
        sa.UniqueConstraint(
            "conversation_id",
            "channel",
            "channel_message_id",
            name="uq_conversation_messages_channel_message",
        ),
    )
    op.create_index(
        "ix_conversation_messages_conversation_id_id",
        "conversation_messages",
        ["conversation_id", "id"],
    )

    op.create_table(
        "outbound_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", JSON_DOCUMENT, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_token", sa.String(80), nullable=True),
        sa.Column("leased_by", sa.String(128), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            _one_of("status", OUTBOUND_STATUSES), name=op.f("ck_outbound_items_status")
        ),
        sa.CheckConstraint(_one_of("kind", OUTBOUND_KINDS), name=op.f("ck_outbound_items_kind")),
        sa.CheckConstraint(
            "status <> 'leased' OR (lease_token IS NOT NULL AND lease_expires_at IS NOT NULL)",
            name=op.f("ck_outbound_items_lease"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_outbound_items_attempts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_items")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbound_items_dedupe_key")),
    )
    op.create_index(
        "ix_outbound_items_status_not_before", "outbound_items", ["status", "not_before"]
    )
    op.create_index(
        "ix_outbound_items_conversation_id_status",
        "outbound_items",
        ["conversation_id", "status"],
    )

    op.create_table(
        "unreachable_conversations",
        sa.Column("conversation_id", sa.String(80), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_unreachable_conversations")),
    )


def downgrade() -> None:
    op.drop_table("unreachable_conversations")
    op.drop_table("outbound_items")
    op.drop_table("conversation_messages")
    op.drop_table("handoffs")
