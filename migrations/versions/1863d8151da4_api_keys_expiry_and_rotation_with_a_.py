"""api keys: expiry and rotation with a grace period

A key may carry an expiry; `api-keys rotate` keeps the replaced key's digest, valid until the end of the
grace period, beside the new one. Existing keys get neither: they work as before.

Revision ID: 1863d8151da4
Revises: 75283abc972f
Create Date: 2026-12-02 01:33:45.778677

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1863d8151da4'
down_revision = '75283abc972f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('previous_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('previous_valid_until', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_keys_previous_digest'), ['previous_digest'], unique=False)



def downgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_previous_digest'))
        batch_op.drop_column('previous_valid_until')
        batch_op.drop_column('previous_digest')
        batch_op.drop_column('expires_at')

