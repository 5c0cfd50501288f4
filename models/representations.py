"""Public representations stored ready to send: an article's detail, rendered when it is written.

A read of an article at 100,000 articles spent 4.3 ms of its 6.5 ms finding the row, its topics, its
series and its images through the ORM and dumping them through marshmallow (in-process, SQLite). The
same answer, rendered once in the transaction that changes the article and kept here, costs a read one
indexed row. A stored representation is sent only while it is what rendering would make now
(`fresh_detail_statement`, one statement):

- the article is public now, and at the version it was rendered from (every write of it renders it
  again, in the same transaction: `api.collection.stored`), by the code that renders it now;
- nothing it shows from elsewhere changed since: topics, series and images bump the state row's
  `related_version` (`models.content_state`), and a representation rendered under another one is stale
  until the worker renders it again;
- it has not expired: a scheduled publication of the article itself, one of its topics or its series
  changes what it shows, so it holds until the first of those after its rendering (`expires_at`).

Its absolute links are written against `PLACEHOLDER_ROOT`, which a read replaces with its own root URL.
A stale or missing one costs nothing but speed: the read renders the article as it would have. Beside
the detail each row keeps the article as the public list shows it (`summary`): a page of the list is
then its ids (from the list-order index) and the concatenation of their summaries.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, Index, LargeBinary, String, Text, bindparam, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from models import Model
from models.content import Article
from models.content_state import ContentState, version_query
from models.plans import InOrderJoin
from models.types import UTCDateTime, utcnow

# The root URL a stored representation's links are written against; a read puts its own in its place.
PLACEHOLDER_ROOT = "http://stored-representation.invalid/"


class StoredRepresentation(Model):
    __tablename__ = "stored_representations"
    __table_args__ = (Index("ix_stored_representations_item_type_slug", "item_type", "slug", unique=True),)

    item_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200))
    item_version: Mapped[int]  # the item's own version (its optimistic lock) it was rendered from
    # Which code rendered it (`api.web.stored_answers.RENDERER`): another release's is stale.
    renderer: Mapped[str] = mapped_column(String(32))
    related_version: Mapped[int]  # the state row's related_version it was rendered under
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The first publication time after rendering of the article, its topics or its series: what it shows
    # changes then. Null when none of them is scheduled.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # the whole JSON body, links against PLACEHOLDER_ROOT
    summary: Mapped[bytes] = mapped_column(LargeBinary)  # the JSON of it as the public list shows it, the same way
    etag: Mapped[str] = mapped_column(String(40))
    surrogate_key: Mapped[str] = mapped_column(Text)  # the CDN keys of what it shows, space-separated


def _fresh(at: Any, renderer: str) -> list[ColumnElement[bool]]:
    """The conditions of a detail stored fresh at `at` by `renderer`, joined to its article and the state row."""
    stored = StoredRepresentation
    return [
        stored.item_type == "article",
        stored.renderer == renderer,
        stored.item_version == Article.version,
        stored.related_version == ContentState.related_version,
        or_(stored.expires_at.is_(None), stored.expires_at > at),
    ]


def _joined(*columns: Any) -> Any:
    """`columns` of stored representations joined to their articles, looked up in the visibility index (which
    holds every column `_fresh` and the public rule read: SQLite otherwise reads each article's row, whose
    status, times and version sit behind its bodies' overflow pages), and to the state row."""
    stored = StoredRepresentation
    articles = InOrderJoin(
        stored.__table__, Article.__table__, Article.article_id == stored.item_id, "ix_articles_visibility"
    )
    return select(*columns).select_from(articles).join(ContentState, ContentState.state_id == 1)


def fresh_detail_statement(renderer: str) -> Any:
    """The stored detail (body, ETag, CDN keys) of the public article with the slug `:slug`, if fresh at `:now`."""
    stored = StoredRepresentation
    now: Any = bindparam("now")
    return _joined(stored.body, stored.etag, stored.surrogate_key).where(
        stored.slug == bindparam("slug"), Article.public(at=now), *_fresh(now, renderer)
    )


def fresh_detail(engine: Engine, slug: str, renderer: str) -> tuple[Any, ...] | None:
    """(body, etag, surrogate_key) of the public article's stored detail, if it is fresh now. One round trip,
    on the version read's own connections (see `models.content_state._VersionQuery`)."""
    query = version_query(engine)
    name = f"stored_detail:{renderer}"
    query.add(engine, name, lambda: fresh_detail_statement(renderer), (), "slug")
    return query.run(engine, name, utcnow(), slug=slug)


def fresh_summaries(article_ids: list[Any], renderer: str, at: Any = None) -> Any:
    """(item_id, slug, summary) of those of these articles whose stored detail is fresh now (the public rule
    is the list's to apply): a page of the list, made of them, needs them all."""
    stored = StoredRepresentation
    return _joined(stored.item_id, stored.slug, stored.summary).where(
        stored.item_id.in_(article_ids), *_fresh(utcnow() if at is None else at, renderer)
    )


def fresh_summaries_read(engine: Engine, article_ids: list[int], renderer: str) -> list[tuple[Any, ...]]:
    """`fresh_summaries`, in one round trip on the version read's own connections (a statement made once
    per page size)."""
    if not article_ids:
        return []
    names = [f"id{number}" for number in range(len(article_ids))]
    statement_name = f"stored_summaries:{len(names)}:{renderer}"
    query = version_query(engine)
    query.add(
        engine,
        statement_name,
        lambda: fresh_summaries([bindparam(name) for name in names], renderer, bindparam("now")),
        (),
        *names,
    )
    return query.run_all(engine, statement_name, utcnow(), **dict(zip(names, article_ids, strict=True)))


def published_ids(below_id: int | None, count: int) -> Any:
    """Up to `count` ids of the published or scheduled articles, highest first, below `below_id` if given:
    the worker walks them a batch after another (on the primary key: one index range each)."""
    query = select(Article.article_id).where(Article.deleted_at.is_(None), Article.status == "published")
    if below_id is not None:
        query = query.where(Article.article_id < below_id)
    return query.order_by(Article.article_id.desc()).limit(count)


def fresh_ids(article_ids: list[int], renderer: str) -> Any:
    """Which of `article_ids` have a stored detail fresh now. Asked of a batch of ids at a time, not as
    one anti-join over every article: at 100,000 articles PostgreSQL's plan for that hit the 15 s
    statement timeout."""
    stored = StoredRepresentation
    return _joined(stored.item_id).where(stored.item_id.in_(article_ids), *_fresh(utcnow(), renderer))
