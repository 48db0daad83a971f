"""职工医保个人账户家庭共济: the family-binding register (holder, member, relation, from, to, who
bound and who unbound). A row is never deleted; unbinding sets its end day.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "family_bindings",
        sa.Column("binding_id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("holder_id", sa.String(length=18), nullable=False),
        sa.Column("member_id", sa.String(length=18), nullable=False),
        sa.Column("relation", sa.String(length=8), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("bound_by", sa.String(length=80), nullable=False),
        sa.Column("unbound_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("relation in ('spouse', 'parent', 'child')",
                           name="ck_family_bindings_relation"),
        sa.CheckConstraint("holder_id <> member_id", name="ck_family_bindings_two_persons"),
        sa.ForeignKeyConstraint(["holder_id"], ["persons.id_number"],
                                name="fk_family_bindings_holder_id_persons"),
        sa.ForeignKeyConstraint(["member_id"], ["persons.id_number"],
                                name="fk_family_bindings_member_id_persons"),
        sa.PrimaryKeyConstraint("binding_id", name="pk_family_bindings"),
    )
    op.create_index("ix_family_bindings_member_id", "family_bindings", ["member_id"])
    op.create_index("ix_family_bindings_holder_id", "family_bindings", ["holder_id"])


def downgrade() -> None:
    op.drop_index("ix_family_bindings_holder_id", table_name="family_bindings")
    op.drop_index("ix_family_bindings_member_id", table_name="family_bindings")
    op.drop_table("family_bindings")
