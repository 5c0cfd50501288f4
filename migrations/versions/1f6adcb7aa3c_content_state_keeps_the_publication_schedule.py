"""content state: the publication times that have come and are to come, so that a read asks one row

Revision ID: 1f6adcb7aa3c
Revises: 65ae06b8711e
Create Date: 2026-12-04 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1f6adcb7aa3c'
down_revision = '65ae06b8711e'
branch_labels = None
depends_on = None


def upgrade():
    # Null until the next content write: until then a read asks the tables, as before.
    with op.batch_alter_table('content_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latest_publication_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('upcoming_publications', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('all_upcoming_kept', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('content_state', schema=None) as batch_op:
        batch_op.drop_column('all_upcoming_kept')
        batch_op.drop_column('upcoming_publications')
        batch_op.drop_column('latest_publication_at')
