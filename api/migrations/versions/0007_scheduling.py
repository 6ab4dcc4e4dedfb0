"""Service areas, technicians, visit seats, visits, visit transitions and case flags.

Revision ID: 0007_scheduling
Revises: 0006_outbox
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_scheduling"
down_revision: str | Sequence[str] | None = "0006_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AREA_KINDS = ("province", "city", "district")
VISIT_STATUSES = ("booked", "en_route", "started", "completed", "no_show", "cancelled")
ACTIVE_VISIT_STATUSES = ("booked", "en_route", "started")
MAX_CAPACITY_PER_WINDOW = 8


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "service_areas",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("parent_code", sa.String(64), nullable=True),
        sa.Column("name_zh", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("postcode_prefixes", sa.JSON(), nullable=False),
        sa.Column("urban", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(_one_of("kind", AREA_KINDS), name=op.f("ck_service_areas_kind")),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["service_areas.code"],
            name=op.f("fk_service_areas_parent_code_service_areas"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_service_areas")),
    )
    op.create_table(
        "technicians",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_number", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("capacity_per_window", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            f"capacity_per_window BETWEEN 1 AND {MAX_CAPACITY_PER_WINDOW}",
            name=op.f("ck_technicians_capacity_per_window"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technicians")),
        sa.UniqueConstraint("staff_number", name=op.f("uq_technicians_staff_number")),
    )
    op.create_table(
        "technician_skills",
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_technician_skills_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["categories.code"],
            name=op.f("fk_technician_skills_category_code_categories"),
        ),
        sa.PrimaryKeyConstraint(
            "technician_id", "category_code", name=op.f("pk_technician_skills")
        ),
    )
    op.create_index(
        op.f("ix_technician_skills_category_code"), "technician_skills", ["category_code"]
    )
    op.create_table(
        "technician_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(64), nullable=True),
        sa.Column("postcode_prefix", sa.String(6), nullable=True),
        sa.CheckConstraint(
            "(area_code IS NULL) <> (postcode_prefix IS NULL)",
            name=op.f("ck_technician_areas_area_or_postcode"),
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_technician_areas_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["service_areas.code"],
            name=op.f("fk_technician_areas_area_code_service_areas"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technician_areas")),
        sa.UniqueConstraint(
            "technician_id", "area_code", name=op.f("uq_technician_areas_technician_id_area_code")
        ),
        sa.UniqueConstraint(
            "technician_id",
            "postcode_prefix",
            name=op.f("uq_technician_areas_technician_id_postcode_prefix"),
        ),
    )
    op.create_index(
        op.f("ix_technician_areas_technician_id"), "technician_areas", ["technician_id"]
    )
    op.create_table(
        "technician_working_days",
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_technician_working_days_weekday")
        ),
        sa.CheckConstraint(
            "starts_at < ends_at", name=op.f("ck_technician_working_days_hours_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_technician_working_days_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "technician_id", "weekday", name=op.f("pk_technician_working_days")
        ),
    )
    op.create_table(
        "visit_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"seat >= 0 AND seat < {MAX_CAPACITY_PER_WINDOW}", name=op.f("ck_visit_slots_seat")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_visit_slots_technician_id_technicians"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_slots")),
        sa.UniqueConstraint(
            "technician_id",
            "window_start",
            "seat",
            name=op.f("uq_visit_slots_technician_id_window_start_seat"),
        ),
    )
    op.create_index("ix_visit_slots_window_start", "visit_slots", ["window_start"])
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("area_code", sa.String(64), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("contact_phone", sa.String(32), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("within_service_level", sa.Boolean(), nullable=False),
        sa.Column("paid_repair", sa.Boolean(), nullable=False),
        sa.Column("quoted_fee_fen", sa.Integer(), nullable=True),
        sa.Column("fee_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(128), nullable=True),
        sa.Column("idempotency_fingerprint", sa.String(64), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("parts_used", sa.JSON(), nullable=True),
        sa.Column("fee_charged_fen", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(_one_of("status", VISIT_STATUSES), name=op.f("ck_visits_status")),
        sa.CheckConstraint(
            "(status = 'cancelled') = (slot_id IS NULL)", name=op.f("ck_visits_seat_held")
        ),
        sa.CheckConstraint("quoted_fee_fen >= 0", name=op.f("ck_visits_quoted_fee")),
        sa.CheckConstraint("fee_charged_fen >= 0", name=op.f("ck_visits_fee_charged")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_visits_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technicians.id"], name=op.f("fk_visits_technician_id_technicians")
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["visit_slots.id"],
            name=op.f("fk_visits_slot_id_visit_slots"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["area_code"], ["service_areas.code"], name=op.f("fk_visits_area_code_service_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint(
            "case_id", "idempotency_key", name=op.f("uq_visits_case_id_idempotency_key")
        ),
        sa.UniqueConstraint("slot_id", name=op.f("uq_visits_slot_id")),
    )
    active = sa.text(_one_of("status", ACTIVE_VISIT_STATUSES))
    op.create_index(
        "uq_visits_active_case",
        "visits",
        ["case_id"],
        unique=True,
        sqlite_where=active,
        postgresql_where=active,
    )
    op.create_index(op.f("ix_visits_case_id"), "visits", ["case_id"])
    op.create_index("ix_visits_updated_at_id", "visits", ["updated_at", "id"])
    op.create_index(
        "ix_visits_technician_id_window_start", "visits", ["technician_id", "window_start"]
    )
    op.create_table(
        "visit_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            _one_of("from_status", VISIT_STATUSES), name=op.f("ck_visit_transitions_from_status")
        ),
        sa.CheckConstraint(
            _one_of("to_status", VISIT_STATUSES), name=op.f("ck_visit_transitions_to_status")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_visit_transitions_visit_id_visits")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_visit_transitions_technician_id_technicians"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_transitions")),
    )
    op.create_index(op.f("ix_visit_transitions_visit_id"), "visit_transitions", ["visit_id"])
    op.create_table(
        "case_scheduling_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("flag", sa.String(32), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            _one_of("flag", ("no_capacity",)), name=op.f("ck_case_scheduling_flags_flag")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_scheduling_flags_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_scheduling_flags")),
        sa.UniqueConstraint("case_id", "flag", name=op.f("uq_case_scheduling_flags_case_id_flag")),
    )


def downgrade() -> None:
    op.drop_table("case_scheduling_flags")
    op.drop_table("visit_transitions")
    op.drop_table("visits")
    op.drop_table("visit_slots")
    op.drop_table("technician_working_days")
    op.drop_table("technician_areas")
    op.drop_table("technician_skills")
    op.drop_table("technicians")
    op.drop_table("service_areas")
