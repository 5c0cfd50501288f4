"""Articles' public details rendered when they are written, stored ready to send, and answered from.

Every transaction that writes an article renders its public detail before it commits (`_render_written`),
so the stored one is never older than the article (see `models.representations` for when it is sent).
What a topic, series or image change makes stale, the worker renders again (`render_stale`, queued by
the commit and run by the sweep every minute). A read sends the stored bytes with its own root URL in
the links; without a fresh one it renders the article as a write would, so the two ways give the same
bytes and the same ETag.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, current_app, g, has_app_context, request
from sqlalchemy import Table, delete, event, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, scoped_session

from api.caching.content_version import content_headers
from api.collection.declaration import Collection, collection_of
from api.web.responses import ViewAnswer, etag_of, item_response, tag_response
from api.web.stored_answers import RENDERER, list_body, with_root
from models import Article, ContentState, db
from models.editable import PublishableItem
from models.events import cache_keys, surrogate_key
from models.representations import (
    PLACEHOLDER_ROOT,
    StoredRepresentation,
    fresh_detail,
    fresh_ids,
    fresh_summaries_read,
    published_ids,
)
from models.types import utcnow
from schemas.common import SLUG_PATTERN

# In a session's info: the ids of the articles its flushes wrote, rendered before it commits.
_WRITTEN = "articles_to_render"
# A root URL that reads the same escaped in JSON and in HTML attributes (any other renders afresh).
_PLAIN_ROOT = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+/(?:[A-Za-z0-9._~\-/]*/)?")
# How many articles the worker checks, and renders those stale of, in one transaction.
RENDER_BATCH = 200


@dataclass(frozen=True)
class Rendered:
    body: bytes  # links against PLACEHOLDER_ROOT
    etag: str
    keys: list[str]
    summary: bytes  # as the public list shows it, the same way


def _articles() -> Collection[Any]:
    return collection_of(Article)


def render(article: Article) -> Rendered:
    """The article's public detail as its read sends it, its links against PLACEHOLDER_ROOT."""
    collection = _articles()
    # A request of its own (in the same app context, so the same session and transaction) gives url_for
    # the placeholder's root.
    with current_app.test_request_context(base_url=PLACEHOLDER_ROOT):
        representation = collection.representation(article, public=True)
        summary = collection.list_public().dump(article)
    body = _json({"data": representation}) + "\n"
    keys = cache_keys(collection.item_type, representation)
    return Rendered(body.encode(), etag_of(representation), keys, _json(summary).encode())


def _first_publication_after(moment: datetime, article: Article) -> datetime | None:
    """When what the article shows changes by itself: the first publication time after `moment` of the
    article, its topics (all it names: a scheduled one shows once published) and its series."""
    shown: list[PublishableItem] = [article, *article.topics, *([article.series] if article.series else [])]
    coming = [
        item.published_at
        for item in shown
        if item.status == "published" and item.deleted_at is None and item.published_at and item.published_at > moment
    ]
    return min(coming, default=None)


def _json(value: Any) -> str:
    """JSON as Flask-RESTX writes answers (RESTX_JSON), so that stored parts make the same bytes."""
    return json.dumps(value, **current_app.config["RESTX_JSON"])


def _store(session: Session | scoped_session[Any], article_ids: set[int]) -> None:
    """Render these articles (those that are published or scheduled) and keep them, in the session's transaction."""
    collection = _articles()
    related_version = session.scalar(select(ContentState.related_version).where(ContentState.state_id == 1))
    query = (
        select(Article)
        .where(Article.article_id.in_(article_ids), Article.deleted_at.is_(None), Article.status == "published")
        .options(*collection.load_options)
    )
    rows = []
    for article in session.scalars(query):
        # When it began: a publication that comes while it renders makes it stale, never the other way.
        rendered_at = utcnow()
        rendered = render(article)
        rows.append(
            {
                "item_type": collection.item_type,
                "item_id": article.article_id,
                "slug": article.slug,
                "item_version": article.version,
                "renderer": RENDERER,
                "related_version": related_version,
                "rendered_at": rendered_at,
                "expires_at": _first_publication_after(rendered_at, article),
                "body": rendered.body,
                "etag": rendered.etag,
                "surrogate_key": " ".join(rendered.keys),
                "summary": rendered.summary,
            }
        )
    table = StoredRepresentation.__table__
    assert isinstance(table, Table)
    connection = session.connection()
    # Core, so that keeping them is no content write (it bumps no version). Gone: the rows of those no
    # longer public, and of a purged article whose slug one of these took. Two statements, each on its
    # own index: one with an OR of both read the whole table, 140 ms of every edit at 100,000 articles.
    rendered_ids = [row["item_id"] for row in rows]
    of_type = table.c.item_type == collection.item_type
    if hidden := article_ids - set(rendered_ids):
        connection.execute(delete(table).where(of_type, table.c.item_id.in_(hidden)))
    if rows:
        taken = table.c.slug.in_([row["slug"] for row in rows])
        connection.execute(delete(table).where(of_type, taken, table.c.item_id.not_in(rendered_ids)))
    if rows:
        connection.execute(_upsert(connection.dialect.name, table), rows)


def _upsert(dialect: str, table: Table) -> Any:
    """An insert that replaces the row of the same item, unless that row is of a later version of it (a
    worker's render that raced a write's keeps the write's)."""
    insert = postgresql_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    kept = [column.name for column in table.columns if column.name not in ("item_type", "item_id")]
    return insert.on_conflict_do_update(
        index_elements=[table.c.item_type, table.c.item_id],
        set_={name: insert.excluded[name] for name in kept},
        where=table.c.item_version <= insert.excluded.item_version,
    )


@event.listens_for(Session, "after_flush")
def _note_written(session: Session, _context: object) -> None:
    written = {obj.article_id for obj in (*session.new, *session.dirty) if isinstance(obj, Article)}
    if written:
        session.info.setdefault(_WRITTEN, set()).update(written)


@event.listens_for(Session, "before_commit")
def _render_written(session: Session) -> None:
    if not has_app_context():
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit flushes after this hook: the articles still pending are written first
    written = session.info.pop(_WRITTEN, None)
    if written:
        _store(session, written)


@event.listens_for(Session, "after_rollback")
def _forget_written(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


def render_stale(limit: int | None = None) -> int:
    """Render again, in batches of their own transactions, the public articles whose stored detail is
    stale or missing (see `models.representations`); at most `limit`. Returns how many it rendered.

    It walks the public articles by id, highest first, `RENDER_BATCH` at a time, and renders those of
    each batch that are not fresh: every statement is bounded by the batch, whatever the corpus size."""
    done, below = 0, None
    while limit is None or done < limit:
        batch = list(db.session.scalars(published_ids(below, RENDER_BATCH)))
        if not batch:
            break
        below = batch[-1]
        stale = set(batch) - set(db.session.scalars(fresh_ids(batch, RENDERER)))
        if limit is not None:
            stale = set(sorted(stale, reverse=True)[: limit - done])
        if not stale:
            continue
        try:
            _store(db.session, stale)
            db.session.commit()
        except IntegrityError:  # another worker renders some of them (a slug moved between two): the next sweep
            db.session.rollback()
            break
        done += len(stale)
    db.session.commit()  # ends the last read: a connection left in it keeps SQLite's WAL open
    return done


def public_detail(collection: Collection[Any], slug: str) -> Response | ViewAnswer:
    """The public's read of an article: its stored detail when fresh, else rendered now the same way."""
    root = request.root_url
    if not _PLAIN_ROOT.fullmatch(root):
        return item_response(collection.representation(collection.find(slug, include_hidden=False)))
    row = fresh_detail(db.engine, slug, RENDERER) if re.fullmatch(SLUG_PATTERN, slug) else None
    if row is not None:
        body, etag, keys = row[0], row[1], row[2].split()
    else:
        rendered = render(collection.find(slug, include_hidden=False))
        body, etag, keys = rendered.body, rendered.etag, rendered.keys
    tag_response(keys)
    g.stored_answer_root = root  # what `api.web.stored_answers` answers the next such read with
    headers = {"ETag": etag, **content_headers()}
    return Response(with_root(body, root), 200, headers, mimetype="application/json")


def stored_page(collection: Collection[Any], page_ids: list[int], envelope: dict[str, Any]) -> Response | None:
    """A page of the public list made of its articles' stored summaries (in `page_ids`' order) and the rest of
    its `envelope` (meta, links); None unless every one of them is fresh (the ORM then reads the page)."""
    if not _PLAIN_ROOT.fullmatch(request.root_url):
        return None
    # On the version read's connections, with a statement made once per page size (as before Flask).
    found = {item_id: (slug, summary) for item_id, slug, summary in fresh_summaries_read(db.engine, page_ids, RENDERER)}
    if len(found) != len(page_ids):
        return None
    slugs, summaries = [found[item_id][0] for item_id in page_ids], [found[item_id][1] for item_id in page_ids]
    return summaries_page(collection, slugs, summaries, envelope)


def summaries_page(
    collection: Collection[Any], slugs: list[str], summaries: list[bytes], envelope: dict[str, Any]
) -> Response | None:
    """A page of the public list, or of a search (whose summaries carry their `search`), made of stored
    summaries (links against PLACEHOLDER_ROOT) and the rest of its `envelope` (meta, links)."""
    root = request.root_url
    if not _PLAIN_ROOT.fullmatch(root):
        return None
    tag_response([surrogate_key(collection.item_type), *(surrogate_key(collection.item_type, slug) for slug in slugs)])
    g.stored_answer_root = root  # what `api.web.stored_answers` answers the next such read with
    return Response(list_body(summaries, root, envelope), 200, mimetype="application/json")
