"""articles: an excerpt made from the body is marked as derived

Revision ID: 1fd12271bfaf
Revises: 54c340d97d8c
Create Date: 2026-12-02 04:43:16.913055

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1fd12271bfaf'
down_revision = '54c340d97d8c'
branch_labels = None
depends_on = None


def upgrade():
    # A constant default (a string): SQLite then adds the column in place, without rebuilding `articles`.
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('excerpt_derived', sa.Boolean(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column('articles', 'excerpt_derived', server_default=None)
    # Articles without an excerpt get one made from their body, as every later write does.
    from models.richtext import derive_excerpt

    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer),
        sa.column("excerpt", sa.Text),
        sa.column("excerpt_derived", sa.Boolean),
        sa.column("body_text", sa.Text),
        sa.column("toc", sa.JSON),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(articles.c.id, articles.c.body_text, articles.c.toc).where(articles.c.excerpt.is_(None)))
    for article_id, body_text, toc in rows.fetchall():
        excerpt = derive_excerpt(body_text, toc or [])
        if excerpt is not None:
            connection.execute(
                articles.update().where(articles.c.id == article_id).values(excerpt=excerpt, excerpt_derived=True)
            )


def downgrade():
    # A derived excerpt was null before.
    op.execute("UPDATE articles SET excerpt = NULL WHERE excerpt_derived")
    op.drop_column('articles', 'excerpt_derived')
