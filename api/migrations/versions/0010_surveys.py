"""Survey templates, surveys and survey answers.

Revision ID: 0010_surveys
Revises: 0009_webhooks
Create Date: 2026-11-25

Surveys reference technicians (0007_scheduling), handoffs and outbound items (0008_handoffs)
and, through both, cases (0004_cases).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_surveys"
down_revision: str | Sequence[str] | None = "0009_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = "source IN ('visit', 'handoff')"
ONE_VALUE = (
    "(score IS NOT NULL AND choice IS NULL AND text IS NULL)"
    " OR (score IS NULL AND choice IS NOT NULL AND text IS NULL)"
    " OR (score IS NULL AND choice IS NULL AND text IS NOT NULL)"
)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "survey_templates",
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("name_zh", sa.String(500), nullable=False),
        sa.Column("name_en", sa.String(500), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(SOURCES, name=op.f("ck_survey_templates_source")),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_survey_templates")),
    )
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(80), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("fee_charged", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("service_completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_item_id", sa.Integer(), nullable=True),
        sa.Column("first_delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_item_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("follow_up_handoff_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(SOURCES, name=op.f("ck_surveys_source")),
        sa.CheckConstraint("due_at < expires_at", name=op.f("ck_surveys_due_before_expiry")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_surveys_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_surveys_technician_id_technicians"),
        ),
        sa.ForeignKeyConstraint(
            ["due_item_id"],
            ["outbound_items.id"],
            name=op.f("fk_surveys_due_item_id_outbound_items"),
        ),
        sa.ForeignKeyConstraint(
            ["reminder_item_id"],
            ["outbound_items.id"],
            name=op.f("fk_surveys_reminder_item_id_outbound_items"),
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_handoff_id"],
            ["handoffs.id"],
            name=op.f("fk_surveys_follow_up_handoff_id_handoffs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_surveys_source_source_id")),
    )
    op.create_index("ix_surveys_case_id", "surveys", ["case_id"])
    op.create_index("ix_surveys_technician_id", "surveys", ["technician_id"])
    op.create_index("ix_surveys_follow_up_handoff_id", "surveys", ["follow_up_handoff_id"])
    op.create_index("ix_surveys_conversation_id_id", "surveys", ["conversation_id", "id"])
    op.create_index("ix_surveys_service_completed_at", "surveys", ["service_completed_at"])
    op.create_index("ix_surveys_expires_at", "surveys", ["expires_at"])
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("choice", sa.Boolean(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by", sa.String(128), nullable=True),
        sa.CheckConstraint(ONE_VALUE, name=op.f("ck_survey_answers_one_value")),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_answers_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
        sa.UniqueConstraint(
            "survey_id", "question_key", name=op.f("uq_survey_answers_survey_id_question_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("survey_answers")
    op.drop_table("surveys")
    op.drop_table("survey_templates")
