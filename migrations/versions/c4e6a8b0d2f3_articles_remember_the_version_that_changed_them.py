"""articles: the content version that last changed each (changed_in), which the search index catches up by

Revision ID: c4e6a8b0d2f3
Revises: a3c5e7f9b1d2
Create Date: 2026-12-08 02:40:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'c4e6a8b0d2f3'
down_revision = 'a3c5e7f9b1d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_in', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_articles_changed_in', ['changed_in'], unique=False)


def downgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_changed_in')
        batch_op.drop_column('changed_in')
