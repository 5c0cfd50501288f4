"""Public reads of articles answered before Flask from what is stored: an article's detail, a page of the
article list made of its articles' stored summaries (`models.representations`), and a page of a search the
instance's search index answers (`models.search_index`), made of the same summaries with their `search`.

Through Flask, a stored answer still costs the request context, Flask-RESTX's dispatch and every hook
(0.6 ms of a 1.4 ms read, SQLite, 100,000 articles). The body needs none of them, and the headers Flask
adds are those it added to the last answer of the same route under the same terms (method, scheme, host,
the headers an answer follows): CORS, security, caching, Vary. So when Flask answers a plain GET of an
article or of the list from what is stored, its headers, less what is the answer's own (ETag,
Last-Modified, Content-Length, Link, CDN keys) and what is per request, are kept as that route's `Shape`;
the next such read is answered from the stored parts and the shape, its own headers made here as Flask
makes them. A test asks both ways and compares.

Only a plain GET is answered so: the list with no parameter but `page` and `per_page` (written as
digits), whose total and order this process already knows for the current membership version
(`api.caching.list_memo`); a search with no parameter but `q`, `page` and `per_page`, that the index
answers without asking the database (it knows it reflects the current content version: the first
search after a write goes to Flask, which brings the index up to it); no condition (If-None-Match, If-Modified-Since), no compression (a shape
Flask compressed is not kept). Anything else goes to Flask, which sends the stored parts too. Shapes
are kept whether or not the response cache is on: they hold no content.
"""

import hashlib
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Flask
from sqlalchemy import Engine
from werkzeug.http import generate_etag, http_date, quote_etag

from api.caching.list_memo import ListMemo, list_key
from api.web.paging import page_meta_and_links
from api.web.routing import API_PREFIX
from models.content_state import ContentVersion
from models.events import surrogate_key
from models.representations import PLACEHOLDER_ROOT, fresh_detail, fresh_summaries_read
from models.search import words
from models.search_index import ArticleIndex, Hits, snippet_texts_read
from models.search_snippets import Highlighter, marked

ROOT = Path(__file__).resolve().parents[2]  # the project's top folder

# Which code renders stored representations: a digest of the source that makes them (the schemas, the
# models' properties they read, the renderer). A release that changes any of it stores them anew (the
# worker renders them again; reads render them meanwhile), and never sends one another release made.
_RENDERING_SOURCES = ("schemas/*.py", "models/content.py", "models/media.py", "api/collection/stored.py")
RENDERER = hashlib.blake2b(
    b"".join(path.read_bytes() for pattern in _RENDERING_SOURCES for path in sorted(ROOT.glob(pattern))),
    digest_size=8,
).hexdigest()

DETAIL, LIST, SEARCH = "article", "articles", "search"
_DETAIL_PATH = re.compile(API_PREFIX + r"/articles/([a-z0-9]+(?:-[a-z0-9]+)*)")
_LIST_PATH = API_PREFIX + "/articles"
_NUMBER = re.compile(r"[1-9][0-9]{0,8}")
# What an answer carries of its own; the rest of Flask's answer is the same for every answer of its route.
_OWN_HEADERS = {"content-length", "etag", "last-modified", "link", "surrogate-key", "cache-tag"}
DEFAULT_PER_PAGE, MAX_PER_PAGE = 20, 100  # as schemas.common.PageQuery
MAX_SEARCH = 200  # as schemas.common.SearchText
_URL_SAFE = "!$'()*,/:;?@"  # what Werkzeug's url_for leaves as it is in a query string
MAX_SHAPES = 256
# Where `replayed_reads._terms` puts the path and the query, and the conditions a stored answer cannot meet.
_PATH, _QUERY = 6, 7
_CONDITIONS = slice(-2, None)


@dataclass(frozen=True)
class Shape:
    """Flask's headers for a route's answer, less the answer's own and the per-request ones."""

    headers: tuple[tuple[str, str], ...]
    root_url: str
    budget: str | None


@dataclass(frozen=True)
class StoredAnswer:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    budget: str | None


class Shapes:
    """The shapes this process has seen, the least recently used out first."""

    def __init__(self) -> None:
        self._shapes: OrderedDict[tuple[Any, ...], Shape] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Shape | None:
        with self._lock:
            shape = self._shapes.get(key)
            if shape is not None:
                self._shapes.move_to_end(key)
            return shape

    def put(self, key: tuple[Any, ...], shape: Shape) -> None:
        with self._lock:
            self._shapes[key] = shape
            while len(self._shapes) > MAX_SHAPES:
                self._shapes.popitem(last=False)


def route_of(terms: tuple[Any, ...]) -> str | None:
    """DETAIL or LIST for a plain GET that a stored answer may serve, else None."""
    if terms[0] != "GET" or any(terms[_CONDITIONS]):
        return None
    if terms[_PATH] == _LIST_PATH:
        if _search_of(terms[_QUERY]) is not None:
            return SEARCH
        return LIST if _page_of(terms[_QUERY]) is not None else None
    return DETAIL if not terms[_QUERY] and _DETAIL_PATH.fullmatch(terms[_PATH]) else None


def _page_of(query: str, allowed: frozenset[str] = frozenset({"page", "per_page"})) -> tuple[int, int] | None:
    """(page, per_page) of a query string of only those two (and what else is `allowed`), written as digits
    in range."""
    pairs = parse_qsl(query, keep_blank_values=True) if query else []
    values = dict(pairs)
    if len(values) != len(pairs) or set(values) - allowed:
        return None
    values.pop("q", None)
    if not all(_NUMBER.fullmatch(value) for value in values.values()):
        return None
    page, per_page = int(values.get("page", 1)), int(values.get("per_page", DEFAULT_PER_PAGE))
    return (page, per_page) if per_page <= MAX_PER_PAGE else None


def _search_of(query: str) -> tuple[str, int, int] | None:
    """(q as sent, page, per_page) of a search's query string of only those three, q valid and with a
    word in it (anything else is Flask's: its 400s, its empty answer to a search of no word)."""
    if "q=" not in query:
        return None
    page_of = _page_of(query, frozenset({"q", "page", "per_page"}))
    if page_of is None:
        return None
    q = dict(parse_qsl(query, keep_blank_values=True))["q"]
    searched = q.strip()  # as `schemas.common.SearchText` reads it
    if len(searched) > MAX_SEARCH or "\x00" in searched or not words(searched):
        return None
    return q, *page_of


def _shape_key(route: str, terms: tuple[Any, ...]) -> tuple[Any, ...]:
    return (route, *terms[:_PATH], *terms[_QUERY + 1 :])


def keep_shape(
    shapes: Shapes, terms: tuple[Any, ...], root_url: str, budget: str | None, headers: tuple[tuple[str, str], ...]
) -> None:
    """Keep the headers of Flask's answer from stored parts, for the next plain GET of its route."""
    route = route_of(terms)
    kept = tuple((name, value) for name, value in headers if name.lower() not in _OWN_HEADERS)
    if route is not None and not any(name.lower() == "content-encoding" for name, _ in kept):
        shapes.put(_shape_key(route, terms), Shape(kept, root_url, budget))


def stored_answer(
    app: Flask, engine: Engine, shapes: Shapes, terms: tuple[Any, ...], version: ContentVersion
) -> StoredAnswer | None:
    """The answer to a plain GET of an article or of the list from what is stored, or None (Flask's, then)."""
    route = route_of(terms)
    shape = shapes.get(_shape_key(route, terms)) if route is not None else None
    if shape is None:
        return None
    if route == DETAIL:
        match = _DETAIL_PATH.fullmatch(terms[_PATH])
        assert match is not None
        return _detail(engine, shape, match.group(1), version)
    if route == SEARCH:
        index: ArticleIndex | None = app.extensions.get("search_index")
        return _search_page(engine, shape, index, terms, version) if index is not None else None
    memo: ListMemo | None = app.extensions.get("list_memo")
    return _list_page(engine, shape, memo, terms, version) if memo is not None else None


def _detail(engine: Engine, shape: Shape, slug: str, version: ContentVersion) -> StoredAnswer | None:
    row = fresh_detail(engine, slug, RENDERER)
    if row is None:
        return None
    stored, etag, keys = row
    body = with_root(stored, shape.root_url)
    return _answer(shape, body, version, etag, keys.split())


def _list_page(
    engine: Engine, shape: Shape, memo: ListMemo, terms: tuple[Any, ...], version: ContentVersion
) -> StoredAnswer | None:
    page_of = _page_of(terms[_QUERY])
    assert page_of is not None
    page, per_page = page_of
    # As `remembered_total` and `remembered_order` keep them for this list with no filter.
    total = memo.known_total(list_key("total", version, _LIST_PATH, {}))
    ids = memo.known_order(list_key("order", version, _LIST_PATH, {}))
    if total is None or ids is None:
        return None
    page_ids = list(ids[(page - 1) * per_page : page * per_page])
    found = {item_id: (slug, summary) for item_id, slug, summary in fresh_summaries_read(engine, page_ids, RENDERER)}
    if len(found) != len(page_ids):
        return None
    root = shape.root_url

    def page_url(number: int) -> str:  # as url_for writes it
        return f"{root}{_LIST_PATH.lstrip('/')}?page={number}&per_page={per_page}"

    meta, links, link_header = page_meta_and_links(page, per_page, total, page_url)
    body = list_body([found[item_id][1] for item_id in page_ids], root, {"meta": meta, "links": links})
    keys = [surrogate_key(DETAIL), *(surrogate_key(DETAIL, found[item_id][0]) for item_id in page_ids)]
    return _answer(shape, body, version, quote_etag(generate_etag(body)), sorted(set(keys)), link_header)


def _search_page(
    engine: Engine, shape: Shape, index: ArticleIndex, terms: tuple[Any, ...], version: ContentVersion
) -> StoredAnswer | None:
    search = _search_of(terms[_QUERY])
    assert search is not None
    q, page, per_page = search
    hits = index.fresh_search(q.strip(), (page - 1) * per_page, per_page, version.version)
    found = searched_summaries(engine, index.highlighter(q.strip()), hits) if hits is not None else None
    if hits is None or found is None:
        return None
    slugs, summaries = found
    root = shape.root_url
    query = urlencode([("q", q)], safe=_URL_SAFE)  # as url_for writes the other arguments, after these

    def page_url(number: int) -> str:
        return f"{root}{_LIST_PATH.lstrip('/')}?page={number}&per_page={per_page}&{query}"

    meta, links, link_header = page_meta_and_links(page, per_page, hits.total, page_url)
    body = list_body(summaries, root, {"meta": meta, "links": links})
    keys = [surrogate_key(DETAIL), *(surrogate_key(DETAIL, slug) for slug in slugs)]
    return _answer(shape, body, version, quote_etag(generate_etag(body)), sorted(set(keys)), link_header)


def searched_summaries(engine: Engine, highlighter: Highlighter, hits: Hits) -> tuple[list[str], list[bytes]] | None:
    """The slugs and stored summaries of the found articles the public may see, best first, each summary
    with its `search` (its rank and snippet, the last of a summary's fields); None when one is not fresh
    (the ORM makes the page). An article the index holds but the database no longer shows (changed since
    the index looked) is left out: the next read, at the new version, asks an index that caught up."""
    texts = {row[0]: row[1:] for row in snippet_texts_read(engine, [article_id for article_id, _ in hits.scored_ids])}
    shown = [(article_id, score) for article_id, score in hits.scored_ids if article_id in texts]
    stored = {
        row[0]: row[1:] for row in fresh_summaries_read(engine, [article_id for article_id, _ in shown], RENDERER)
    }
    if len(stored) != len(shown):
        return None
    summaries = []
    for article_id, score in shown:
        hit = {"rank": score, "snippet": marked(highlighter.snippet(texts[article_id]))}
        summary = stored[article_id][1]
        summaries.append(summary[:-1] + b', "search": ' + json.dumps(hit, ensure_ascii=False).encode() + b"}")
    return [stored[article_id][0] for article_id, _ in shown], summaries


def with_root(stored: bytes, root_url: str) -> bytes:
    """Stored bytes with this root URL in their links."""
    return stored.replace(PLACEHOLDER_ROOT.encode(), root_url.encode())


def list_body(summaries: list[bytes], root_url: str, envelope: dict[str, Any]) -> bytes:
    """A page's JSON from its items' stored summaries and the rest of its envelope (meta, links), as
    json.dumps writes the whole envelope: {"data": [..., ...], "meta": {...}, "links": {...}}."""
    written = (f", {json.dumps(name)}: {json.dumps(value, ensure_ascii=False)}" for name, value in envelope.items())
    return b'{"data": [' + with_root(b", ".join(summaries), root_url) + b"]" + "".join(written).encode() + b"}\n"


def _answer(
    shape: Shape, body: bytes, version: ContentVersion, etag: str, keys: list[str], link: str | None = None
) -> StoredAnswer:
    own = [
        ("ETag", etag),
        ("Last-Modified", http_date(version.last_modified)),
        ("Content-Length", str(len(body))),
        *([("Link", link)] if link else []),
        ("Surrogate-Key", " ".join(keys)),
        ("Cache-Tag", ",".join(keys)),
    ]
    return StoredAnswer(body, (*own, *shape.headers), shape.budget)
