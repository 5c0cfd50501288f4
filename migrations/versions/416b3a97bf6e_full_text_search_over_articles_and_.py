"""Full-text search over articles and topics

Revision ID: 416b3a97bf6e
Revises: 2397c716c910
Create Date: 2026-11-23 20:54:16.048567

"""
from alembic import op

# The statements live beside the models, which also run them when tables are created directly (tests);
# a later change to search needs a new migration, not an edit of that module alone.
from models.search import drop_search_ddl, search_ddl


# revision identifiers, used by Alembic.
revision = '416b3a97bf6e'
down_revision = '2397c716c910'
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    for table in ("articles", "topics"):
        for statement in search_ddl(dialect, table):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in ("articles", "topics"):
        for statement in drop_search_ddl(dialect, table):
            op.execute(statement)
