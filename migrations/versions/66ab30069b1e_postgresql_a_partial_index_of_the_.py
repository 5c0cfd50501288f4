"""PostgreSQL: a partial index of the public articles in list order (see models/indexes.py)

Revision ID: 66ab30069b1e
Revises: 239de56b25b2
Create Date: 2026-12-03 15:20:00

"""
from alembic import op

# As models/indexes.py declares it today (written out, so that this migration never changes).
CREATE = (
    "CREATE INDEX IF NOT EXISTS ix_articles_public_feed ON articles (published_at DESC NULLS LAST, id DESC) "
    "WHERE status = 'published' AND deleted_at IS NULL"
)


# revision identifiers, used by Alembic.
revision = '66ab30069b1e'
down_revision = '239de56b25b2'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_public_feed")
