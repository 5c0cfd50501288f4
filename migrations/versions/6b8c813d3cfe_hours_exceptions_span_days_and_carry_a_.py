"""hours: exceptions span days and carry a version; the hours' wording may be derived

Revision ID: 6b8c813d3cfe
Revises: 1fd12271bfaf
Create Date: 2026-12-02 04:52:08.142443

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b8c813d3cfe'
down_revision = '1fd12271bfaf'
branch_labels = None
depends_on = None


# Constant defaults (strings) let SQLite add the columns in place: a rebuild of hours_exceptions would drop a
# table exception_intervals points at. The rows there are get their real values below; PostgreSQL then
# drops the defaults (the models set every value), SQLite keeps them.
_FILLED = {
    "hours_exceptions": (
        ("ends_on", sa.Date(), "1970-01-01"),
        ("updated_at", sa.DateTime(), "1970-01-01 00:00:00"),
        ("version", sa.Integer(), "1"),
    ),
    # The wording there is was the studio's own (the page's, or an admin's).
    "studio": (("hours_display_derived", sa.Boolean(), "0"),),
}


def upgrade():
    for table, columns in _FILLED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, type_, default in columns:
                batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=default))
    # Each exception there is was one day.
    op.execute("UPDATE hours_exceptions SET ends_on = date, updated_at = CURRENT_TIMESTAMP")
    if op.get_bind().dialect.name != "sqlite":
        for table, columns in _FILLED.items():
            for name, _type, _default in columns:
                op.alter_column(table, name, server_default=None)


def downgrade():
    # An exception of several days keeps only its first (an exception was one day).
    for table, columns in _FILLED.items():
        for name, _type, _default in columns:
            op.drop_column(table, name)
