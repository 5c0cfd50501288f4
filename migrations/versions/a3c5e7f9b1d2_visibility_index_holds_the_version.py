"""articles: the visibility index holds the version too, so a stored detail's freshness is read from it

Revision ID: a3c5e7f9b1d2
Revises: 9d2e4c1b7a30
Create Date: 2026-12-06 21:55:00

"""
from alembic import op


revision = 'a3c5e7f9b1d2'
down_revision = '9d2e4c1b7a30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_visibility')
        batch_op.create_index(
            'ix_articles_visibility', ['id', 'status', 'deleted_at', 'published_at', 'version'], unique=False
        )


def downgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_visibility')
        batch_op.create_index('ix_articles_visibility', ['id', 'status', 'deleted_at', 'published_at'], unique=False)
