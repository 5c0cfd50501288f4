"""Indexes that hold the whole public rule, for lists, totals, deep pages and search at scale

Revision ID: 7c1f0e9a5b21
Revises: 416b3a97bf6e
Create Date: 2026-11-23 23:40:00

"""
from alembic import op


revision = '7c1f0e9a5b21'
down_revision = '416b3a97bf6e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_public_order')
        batch_op.create_index('ix_articles_public_order', ['status', 'deleted_at', 'published_at', 'id'], unique=False)
        batch_op.create_index('ix_articles_visibility', ['id', 'status', 'deleted_at', 'published_at'], unique=False)


def downgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_visibility')
        batch_op.drop_index('ix_articles_public_order')
        batch_op.create_index('ix_articles_public_order', ['status', 'published_at', 'id'], unique=False)
