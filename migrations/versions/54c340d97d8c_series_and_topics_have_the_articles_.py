"""series and topics have the articles' workflow; articles keep their place in a series

Revision ID: 54c340d97d8c
Revises: 539c0107155b
Create Date: 2026-12-02 04:36:19.672879

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '54c340d97d8c'
down_revision = '539c0107155b'
branch_labels = None
depends_on = None


# Server defaults fill the rows there are, and then the updates below: what was there was public, so it
# is published (topics from their creation, series from now, as they had no times), and a series'
# articles keep the order they had (by id). The defaults are constants because SQLite adds a column in
# place only with a constant default; anything else rebuilds the table, and rebuilding `series` would
# drop a table the articles' foreign key points at. PostgreSQL then drops the defaults (the models set
# every value); SQLite keeps them, for the same reason.
# (Strings, not SQL expressions: alembic rebuilds an SQLite table for a default given as an expression.)
_BEFORE_ANY = "1970-01-01 00:00:00"
_FILLED = {
    "series": (
        ("status", sa.String(length=16), "published"),
        ("created_at", sa.DateTime(), _BEFORE_ANY),
        ("updated_at", sa.DateTime(), _BEFORE_ANY),
        ("version", sa.Integer(), "1"),
    ),
    "topics": (("status", sa.String(length=16), "published"),),
}


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_position', sa.Integer(), nullable=True))
    for table, columns in _FILLED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, type_, default in columns:
                batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=default))
            batch_op.add_column(sa.Column('published_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))

    op.execute("UPDATE topics SET published_at = created_at")
    op.execute(
        "UPDATE series SET published_at = CURRENT_TIMESTAMP, created_at = CURRENT_TIMESTAMP, "
        "updated_at = CURRENT_TIMESTAMP"
    )
    op.execute(
        "UPDATE articles SET series_position = (SELECT COUNT(*) FROM articles AS earlier "
        "WHERE earlier.series_id = articles.series_id AND earlier.id <= articles.id) WHERE series_id IS NOT NULL"
    )
    if op.get_bind().dialect.name != "sqlite":
        for table, columns in _FILLED.items():
            for name, _type, _default in columns:
                op.alter_column(table, name, server_default=None)


def downgrade():
    # SQLite drops these columns in place (ALTER TABLE ... DROP COLUMN, SQLite 3.35+): batch mode's table
    # rebuild would drop the series table, which the articles' foreign key forbids.
    dropped = {
        "topics": ("published_at", "status"),
        "series": ("deleted_at", "published_at", "version", "updated_at", "created_at", "status"),
        "articles": ("series_position",),
    }
    for table, columns in dropped.items():
        for column in columns:
            op.drop_column(table, column)
