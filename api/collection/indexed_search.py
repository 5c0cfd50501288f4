"""The public's searches of a collection, answered by the instance's search index when it can.

A search with no other filter and the default order (relevance), from a reader without a key, asks
the index (`models.search_index`) for its page of ids and the total; the page's rows are then read by
id, and their snippets made from their own text. Anything else, or an index that cannot answer for
the content version the read sees (being built, or behind by more than it catches up inline), is
answered by the database's own search, as before: the same items, ranked by the database's measure.
"""

from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import defer

from api.caching.content_version import current_content_version
from api.collection.declaration import Collection
from models import Article, db
from models.editable import primary_key
from models.search_index import SNIPPET_SOURCES, ArticleIndex

# What a page of found articles leaves out of each row: what a list does (`list_options`), but the text,
# which its snippet is made from.
_SEARCH_PAGE_OPTIONS = (defer(Article.body_markdown), defer(Article.body_html), defer(Article.toc))
# Query parameters an indexed search may have besides q: the rest filter or sort in SQL.
_INDEXED_ARGUMENTS = {"q", "page", "per_page", "sort", "only_fields", "include", "status"}


def init_search_index(app: Flask) -> None:
    """The instance's index of public articles (opened on the first search; a folder per database)."""
    if not app.config["SEARCH_INDEX"]:
        return
    path = Path(app.config["SEARCH_INDEX_FOLDER"])
    if not path.is_absolute():
        path = Path(app.instance_path) / path
    app.extensions["search_index"] = ArticleIndex(path, inline_limit=int(app.config["SEARCH_INDEX_INLINE_LIMIT"]))


def search_index() -> ArticleIndex | None:
    index: ArticleIndex | None = current_app.extensions.get("search_index")
    return index


def keep_search_index_up() -> None:
    """What the worker does every minute: catch the index up however far behind it is, or build it."""
    index = search_index()
    if index is not None:
        index.keep_up()


def indexed_rows(
    collection: Collection[Any], args: dict[str, Any]
) -> tuple[list[tuple[Any, float, str | None]], int] | None:
    """(rows of (item, score, snippet), total) of a public search the index can answer, else None."""
    index = search_index()
    if index is None or not collection.indexed_search or not set(args) <= _INDEXED_ARGUMENTS:
        return None
    if args.get("sort", "relevance") != "relevance" or args.get("status", "published") != "published":
        return None
    per_page = args["per_page"]
    hits = index.search(args["q"], (args["page"] - 1) * per_page, per_page, current_content_version().version)
    if hits is None:
        return None
    model = collection.model
    query = (
        select(model)
        .where(model.id_column().in_([article_id for article_id, _ in hits.scored_ids]), model.public())
        .options(*collection.load_options, *_SEARCH_PAGE_OPTIONS)
    )
    items = {primary_key(item): item for item in db.session.scalars(query)}
    # An article the index holds but the database does not show any more (changed since the index looked)
    # is left out of this page; the next read, at the new version, asks an index that caught up.
    shown = [(items[article_id], score) for article_id, score in hits.scored_ids if article_id in items]
    highlighter = index.highlighter(args["q"])
    return [
        (item, score, highlighter.snippet([getattr(item, name) for name in SNIPPET_SOURCES])) for item, score in shown
    ], hits.total
