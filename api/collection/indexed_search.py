"""The public's searches of a collection, answered by the instance's search index when it can.

A search with no other filter and the default order (relevance), from a reader without a key, asks
the index (`models.search_index`) for its page of ids and the total. The page is then its articles'
stored summaries (`api.collection.stored`), each with its `search` (rank and snippet, the snippet
made from the article's own text, read by id); with `fields=` or `include=`, or a summary not fresh,
the ORM reads the page's rows and the schema dumps them, as any list. Anything else, or an index that
cannot answer for the content version the read sees (being built, or behind by more than it catches
up inline, or held by another process), is answered by the database's own search, as before: the
same articles, ranked by the database's measure.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app
from sqlalchemy import select
from sqlalchemy.orm import defer

from api.caching.content_version import content_headers, current_content_version
from api.collection import stored
from api.collection.declaration import Collection
from api.web.responses import page_links
from api.web.stored_answers import searched_summaries
from models import Article, db
from models.editable import primary_key
from models.search_index import SNIPPET_SOURCES, ArticleIndex, Hits
from models.search_snippets import Highlighter, marked

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


@dataclass(frozen=True)
class IndexedSearch:
    """A page of a search the index answered: its hits, and what makes their snippets."""

    hits: Hits
    highlighter: Highlighter

    def snippet(self, item: Any) -> str | None:
        return marked(self.highlighter.snippet([getattr(item, name) for name in SNIPPET_SOURCES]))


def indexed_search(collection: Collection[Any], args: dict[str, Any]) -> IndexedSearch | None:
    """The page of a public search the index can answer, else None (the database answers)."""
    index = search_index()
    if index is None or not collection.indexed_search or not set(args) <= _INDEXED_ARGUMENTS:
        return None
    if args.get("sort", "relevance") != "relevance" or args.get("status", "published") != "published":
        return None
    per_page = args["per_page"]
    hits = index.search(args["q"], (args["page"] - 1) * per_page, per_page, current_content_version().version)
    return None if hits is None else IndexedSearch(hits, index.highlighter(args["q"]))


def stored_search_page(collection: Collection[Any], found: IndexedSearch, args: dict[str, Any]) -> Response | None:
    """The page made of the found articles' stored summaries, each with its `search` (as the same search is
    answered before Flask: `api.web.stored_answers`); None when one is not fresh."""
    parts = searched_summaries(db.engine, found.highlighter, found.hits)
    if parts is None:
        return None
    meta, links, headers = page_links(args["page"], args["per_page"], found.hits.total)
    answer = stored.summaries_page(collection, *parts, {"meta": meta, "links": links})
    if answer is not None:
        answer.headers.update({**headers, **content_headers()})
    return answer


def indexed_rows(collection: Collection[Any], found: IndexedSearch) -> list[tuple[Any, float, str | None]]:
    """The found articles' rows, as the ORM reads a list's: (item, score, snippet), best first."""
    model = collection.model
    query = (
        select(model)
        .where(model.id_column().in_([article_id for article_id, _ in found.hits.scored_ids]), model.public())
        .options(*collection.load_options, *_SEARCH_PAGE_OPTIONS)
    )
    items = {primary_key(item): item for item in db.session.scalars(query)}
    return [
        (items[article_id], score, found.snippet(items[article_id]))
        for article_id, score in found.hits.scored_ids
        if article_id in items
    ]
