"""audit log: every change to the site, who made it, when, from which request

Revision ID: b95745e44a63
Revises: 6b8c813d3cfe
Create Date: 2026-12-02 04:59:22.854581

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b95745e44a63'
down_revision = '6b8c813d3cfe'
branch_labels = None
depends_on = None


def _label(item_type, snapshot):
    # An exception's snapshot named its day `date` before exceptions spanned days.
    return str(snapshot.get("slug") or snapshot.get("starts_on") or snapshot.get("date") or item_type)[:120]


def upgrade():
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('key_name', sa.String(length=80), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('item_type', sa.String(length=32), nullable=False),
    sa.Column('item', sa.String(length=120), nullable=False),
    sa.Column('changed_fields', sa.JSON(), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_at', ['at', 'id'], unique=False)
        batch_op.create_index('ix_audit_log_item', ['item_type', 'item', 'at'], unique=False)
        batch_op.create_index('ix_audit_log_key', ['key_name', 'at'], unique=False)


    # The history there is already: each revision becomes the entry it would have made (no request id is
    # known for those), so the log starts with the site, not with this migration.
    revisions = sa.table(
        "revisions",
        sa.column("item_type", sa.String),
        sa.column("number", sa.Integer),
        sa.column("action", sa.String),
        sa.column("key_name", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("changed_fields", sa.JSON),
        sa.column("snapshot", sa.JSON),
    )
    audit_log = sa.table(
        "audit_log",
        sa.column("at", sa.DateTime),
        sa.column("key_name", sa.String),
        sa.column("action", sa.String),
        sa.column("item_type", sa.String),
        sa.column("item", sa.String),
        sa.column("changed_fields", sa.JSON),
        sa.column("revision_number", sa.Integer),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(revisions).order_by(revisions.c.created_at)).fetchall()
    entries = [
        {
            "at": row.created_at,
            "key_name": row.key_name,
            "action": row.action,
            "item_type": row.item_type,
            "item": _label(row.item_type, row.snapshot or {}),
            "changed_fields": row.changed_fields or [],
            "revision_number": row.number,
        }
        for row in rows
    ]
    if entries:
        op.bulk_insert(audit_log, entries)


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_key')
        batch_op.drop_index('ix_audit_log_item')
        batch_op.drop_index('ix_audit_log_at')

    op.drop_table('audit_log')
