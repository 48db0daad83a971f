"""National interface and accounts: institutions' secrets, users, sessions, write log, answered
messages (msgid replay), registered visits, uploaded fee lines, settlement lists with DRG group.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _text(name: str, length: int, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _long(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=False)


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _accounts() -> None:
    op.create_table(
        "institution_keys", _text("fixmedins_code", 12), _text("secret", 128),
        _at("created_at"), _text("created_by", 64),
        sa.PrimaryKeyConstraint("fixmedins_code", name=op.f("pk_institution_keys")))
    op.create_table(
        "users", _text("username", 64), _text("role", 16), _text("region", 6),
        _text("password_hash", 255), sa.Column("disabled", sa.Boolean(), nullable=False),
        _at("created_at"), _text("created_by", 64),
        sa.CheckConstraint("role in ('handler', 'auditor', 'finance', 'director', 'admin')",
                           name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_users")))
    op.create_table(
        "sessions", _text("token_hash", 64), _text("username", 64), _at("created_at"),
        _at("expires_at"),
        sa.ForeignKeyConstraint(["username"], ["users.username"],
                                name=op.f("fk_sessions_username_users")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_sessions")))
    op.create_index(op.f("ix_sessions_username"), "sessions", ["username"])
    op.create_table(
        "write_log", sa.Column("id", SERIAL, autoincrement=True, nullable=False), _at("at"),
        _text("actor", 80), _text("action", 32), _text("target", 96), _long("detail"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_write_log")))
    op.create_index(op.f("ix_write_log_at"), "write_log", ["at"])


def _interface() -> None:
    op.create_table(
        "interface_messages", _text("fixmedins_code", 12), _text("msgid", 64),
        _text("infno", 8), _text("body_hash", 64), _long("response_json"), _at("created_at"),
        sa.PrimaryKeyConstraint("fixmedins_code", "msgid", name=op.f("pk_interface_messages")))
    op.create_table(
        "interface_visits", _text("mdtrt_id", 32), _text("fixmedins_code", 12),
        _text("ipt_otp_no", 64), _text("psn_no", 18), _text("insutype", 3),
        _text("insuplc_admdvs", 6), _text("med_type", 2),
        sa.Column("begndate", sa.Date(), nullable=False),
        sa.Column("enddate", sa.Date(), nullable=True), _text("dscg_way", 2, nullable=True),
        _long("diseinfo_json"), _at("created_at"),
        sa.PrimaryKeyConstraint("mdtrt_id", name=op.f("pk_interface_visits")))
    op.create_index(op.f("ix_interface_visits_psn_no"), "interface_visits", ["psn_no"])
    op.create_index(op.f("ix_interface_visits_fixmedins_code_ipt_otp_no"), "interface_visits",
                    ["fixmedins_code", "ipt_otp_no"])
    op.create_table(
        "interface_fees", _text("mdtrt_id", 32), _text("feedetl_sn", 32),
        sa.Column("position", sa.Integer(), nullable=False), _long("line_json"),
        _at("created_at"),
        sa.PrimaryKeyConstraint("mdtrt_id", "feedetl_sn", name=op.f("pk_interface_fees")))
    op.create_table(
        "settlement_lists", _text("setl_id", 32), _text("mdtrt_id", 32),
        _text("fixmedins_code", 12), _text("region", 6),
        sa.Column("year", sa.Integer(), nullable=False), _long("list_json"), _text("mdc", 8),
        _text("adrg", 8), _text("drg", 8), _text("status", 16), _long("trace_json"),
        _at("created_at"),
        sa.PrimaryKeyConstraint("setl_id", name=op.f("pk_settlement_lists")))
    op.create_index(op.f("ix_settlement_lists_region_year"), "settlement_lists",
                    ["region", "year"])


def upgrade() -> None:
    _accounts()
    _interface()


def downgrade() -> None:
    for table in ("settlement_lists", "interface_fees", "interface_visits",
                  "interface_messages", "write_log", "sessions", "users", "institution_keys"):
        op.drop_table(table)
