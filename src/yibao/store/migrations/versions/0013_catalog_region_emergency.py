"""Cross-region care (异地就医), "就医地目录": the fee-item catalogue is kept per region (the
care region's catalogue prices an offsite visit's lines), with the item's 先行自付 share; an
interface visit records whether it was registered as an emergency (急诊抢救). Items imported
before belong to the deployment-wide catalogue (region ""); visits registered before are not
emergencies.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_ITEM_COLUMNS = ("hilist_code", "hilist_name", "chrg_itm_lv", "cap_e6", "lmt_sex", "age_min",
                 "age_max", "lv_min", "lv_max", "imported_at")


def _items_table(name: str, *, regional: bool) -> None:
    columns = [
        sa.Column("hilist_code", sa.String(50), nullable=False),
        sa.Column("hilist_name", sa.String(200), nullable=False),
        sa.Column("chrg_itm_lv", sa.String(2), nullable=False),
        sa.Column("cap_e6", sa.BigInteger, nullable=False),
        sa.Column("lmt_sex", sa.String(1), nullable=False),
        sa.Column("age_min", sa.Integer, nullable=False),
        sa.Column("age_max", sa.Integer, nullable=False),
        sa.Column("lv_min", sa.String(1), nullable=False),
        sa.Column("lv_max", sa.String(1), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    ]
    if regional:
        op.create_table(
            name, sa.Column("region", sa.String(6), nullable=False),
            *columns, sa.Column("selfpay_e6", sa.BigInteger, nullable=False,
                                server_default="-1"),
            sa.PrimaryKeyConstraint("region", "hilist_code", name="pk_catalog_items"))
    else:
        op.create_table(name, *columns,
                        sa.PrimaryKeyConstraint("hilist_code", name="pk_catalog_items"))


def _set_aside(name: str) -> None:
    """Rename the catalogue table (and, on PostgreSQL, its primary key, whose name is global)."""
    op.rename_table("catalog_items", name)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {name} RENAME CONSTRAINT pk_catalog_items TO pk_{name}")


def upgrade() -> None:
    _set_aside("catalog_items_0011")
    _items_table("catalog_items", regional=True)
    listed = ", ".join(_ITEM_COLUMNS)
    op.execute(f"INSERT INTO catalog_items (region, {listed}, selfpay_e6) "
               f"SELECT '', {listed}, -1 FROM catalog_items_0011")
    op.drop_table("catalog_items_0011")
    with op.batch_alter_table("interface_visits") as batch:
        batch.add_column(sa.Column("emergency", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("interface_visits") as batch:
        batch.drop_column("emergency")
    _set_aside("catalog_items_0012")
    _items_table("catalog_items", regional=False)
    listed = ", ".join(_ITEM_COLUMNS)
    op.execute(f"INSERT INTO catalog_items ({listed}) SELECT {listed} FROM catalog_items_0012 "
               "WHERE region = ''")
    op.drop_table("catalog_items_0012")
