"""Audit work queue: cases drawn from rule hits and their append-only trail.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _text(name: str, length: int, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _at(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "audit_cases", _text("case_id", 40), _text("region", 6),
        sa.Column("year", sa.Integer(), nullable=False), _text("rule_id", 32),
        _text("rule_name", 128), _text("mdtrt_id", 64), _text("setl_id", 32),
        _text("fixmedins_code", 12), _text("psn_no", 18), _text("staff_code", 32),
        _text("insutype", 3), sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        _text("state", 16), sa.Column("evidence_json", sa.Text(), nullable=False),
        _text("recovery_txn_id", 48, True), _text("refund_txn_id", 48, True),
        _at("created_at"), _text("created_by", 64),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_audit_cases")))
    op.create_index(op.f("ix_audit_cases_region_state"), "audit_cases", ["region", "state"])
    op.create_table(
        "audit_case_events", sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        _text("case_id", 40), _at("at"), _text("actor", 64), _text("from_state", 16),
        _text("to_state", 16), sa.Column("note", sa.Text(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["audit_cases.case_id"],
                                name=op.f("fk_audit_case_events_case_id_audit_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_case_events")))
    op.create_index(op.f("ix_audit_case_events_case_id"), "audit_case_events", ["case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_case_events_case_id"), table_name="audit_case_events")
    op.drop_table("audit_case_events")
    op.drop_index(op.f("ix_audit_cases_region_state"), table_name="audit_cases")
    op.drop_table("audit_cases")
