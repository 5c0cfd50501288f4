"""api keys: a revoked key's name may be given again

The name was unique across every key, revoked ones included; now only among active keys (a partial
unique index), so that a key revoked by mistake, or rotated by hand, can be made again under its name.

Revision ID: 539c0107155b
Revises: 1863d8151da4
Create Date: 2026-12-02 01:34:27.220090

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '539c0107155b'
down_revision = '1863d8151da4'
branch_labels = None
depends_on = None


# SQLite keeps the old constraint unnamed inside the table's definition: batch mode rebuilds the table,
# and this naming convention gives the reflected constraint a name to drop it by.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("api_keys", naming_convention=_SQLITE_NAMES) as batch_op:
            batch_op.drop_constraint("uq_api_keys_name", type_="unique")
    else:
        op.drop_constraint("api_keys_name_key", "api_keys", type_="unique")
    op.create_index(
        "ix_api_keys_active_name",
        "api_keys",
        ["name"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )


def downgrade():
    op.drop_index("ix_api_keys_active_name", table_name="api_keys")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("api_keys") as batch_op:
            batch_op.create_unique_constraint("uq_api_keys_name", ["name"])
    else:
        op.create_unique_constraint("api_keys_name_key", "api_keys", ["name"])
