"""stored representations: each article's public detail, rendered when it is written

Revision ID: 9d2e4c1b7a30
Revises: 1f6adcb7aa3c
Create Date: 2026-12-04 19:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d2e4c1b7a30'
down_revision = '1f6adcb7aa3c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('content_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('related_version', sa.Integer(), server_default='1', nullable=False))
    # Empty until the worker's sweep renders every public article (reads render them meanwhile, as before).
    op.create_table(
        'stored_representations',
        sa.Column('item_type', sa.String(length=20), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=200), nullable=False),
        sa.Column('item_version', sa.Integer(), nullable=False),
        sa.Column('renderer', sa.String(length=32), nullable=False),
        sa.Column('related_version', sa.Integer(), nullable=False),
        sa.Column('rendered_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('summary', sa.LargeBinary(), nullable=False),
        sa.Column('etag', sa.String(length=40), nullable=False),
        sa.Column('surrogate_key', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('item_type', 'item_id'),
    )
    with op.batch_alter_table('stored_representations', schema=None) as batch_op:
        batch_op.create_index('ix_stored_representations_item_type_slug', ['item_type', 'slug'], unique=True)


def downgrade():
    with op.batch_alter_table('stored_representations', schema=None) as batch_op:
        batch_op.drop_index('ix_stored_representations_item_type_slug')
    op.drop_table('stored_representations')
    with op.batch_alter_table('content_state', schema=None) as batch_op:
        batch_op.drop_column('related_version')
