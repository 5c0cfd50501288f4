"""The public articles' search index: Tantivy, in a folder of each instance, kept in step with the
database by the content version.

Why an index beside the database: SQLite's FTS5 and PostgreSQL's GIN index find the matches, but rank
them by scoring every one, so a common word costs what scoring the whole corpus costs. Tantivy ranks
(BM25) and counts in compiled code with its own postings, the same on both databases.

What it holds: every article that is published and not deleted, its time to come included (a
scheduled article is in it, and while one is still to come a search asks for `published_at <= now`,
so it appears when its time comes with no write). Its title, excerpt and text as one field, stemmed as
FTS5's porter tokenizer does, which every word must match; the title again, whose matches add to the
rank (a title's match outranks a body's); the article's id and publication time as fast fields. One
field to match, not one per column: each word is then one posting list to walk, not three (at 100,000
articles a two-word search took 7.8 ms with three, 3 ms with one). No stored text: the page's
summaries and snippets come from the database, read by id.

How it stays in step: every write stamps the articles it changes with the content version it makes
(`Article.changed_in`), and versions follow commits. `state.json` says which generation (a folder) is
current and the content version it reflects. A search at a version the process has not seen asks the
database which articles changed since (one indexed read) and applies them, under a file lock that the
processes of the instance share; another instance has an index of its own and does the same. A change
of many articles, a database that is not the one indexed (another file, one put back from a backup),
or no index at all is a full build into a new generation: inline while the corpus is small, else by
the worker (`keep_up`) or `flask search-index`. Whenever the index cannot answer for the version a
read sees, `search` says so (None) and the caller asks the database: search is never stale, only slower.
"""

import contextlib
import ctypes
import fcntl
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from array import array
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, func, select

from models import db
from models.content import Article
from models.content_state import version_query
from models.events import Event
from models.search_snippets import Highlighter
from models.types import utcnow

# Bump when what a document holds or how it is tokenized changes: an index of another format is built again.
FORMAT = 2
# The columns an article is found by, and how much more a match in its title counts.
FIELDS = ("title", "excerpt", "body_text")
TITLE_WEIGHT = 2.0
# Where a snippet is taken from, in this order when several show as many of the search's words: the
# excerpt and the text before the title, which a reader sees beside the snippet anyway.
SNIPPET_SOURCES = ("excerpt", "body_text", "title")
# How long a search waits for another process of the instance to finish its catch-up before asking
# the database instead; a build holds the lock for longer, and searches do not wait for it.
LOCK_WAIT_SECONDS = 0.25
BATCH = 500
# What a search index on a disk can fail with (tantivy reports I/O and format errors as ValueError).
_INDEX_FAILURES = (OSError, ValueError, RuntimeError)
# A search's first RANKED matches are remembered (ids and scores: 1.6 KB) for the version of the index they
# came from, for the MAX_RANKINGS searches asked last: paging through them, or asking again, ranks nothing
# again until an article changes (as lists' totals and orders are remembered: `api.caching.list_memo`).
RANKED = 100
MAX_RANKINGS = 512
_WRITER_HEAP = 15_000_000  # the least tantivy takes, for one thread
_WORD = re.compile(r"\w+")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hits:
    """One page of a search: the articles' ids with their scores, best first, and how many match in all."""

    scored_ids: list[tuple[int, float]]
    total: int


@dataclass(frozen=True)
class _DatabaseState:
    version: int  # the content version (content_state.version)
    identity: str  # the oldest event's event_id: another database has another one


def _analyzer() -> Any:
    """Words as FTS5's `porter unicode61 remove_diacritics 2` makes them: lower case, accents folded,
    English stems (Snowball's, the Porter stemmer's successor)."""
    from tantivy import Filter, TextAnalyzerBuilder, Tokenizer

    return (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(60))
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
        .filter(Filter.stemmer("english"))
        .build()
    )


def _schema() -> Any:
    from tantivy import SchemaBuilder

    builder = SchemaBuilder()
    builder.add_unsigned_field("article_id", indexed=True, fast=True)
    builder.add_integer_field("published_at", fast=True)
    # Frequencies, no positions: ranking needs them, and no query here is a phrase.
    builder.add_text_field("text", tokenizer_name="stemmed", index_option="freq")
    builder.add_text_field("title", tokenizer_name="stemmed", index_option="freq")
    return builder.build()


def _microseconds(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


@dataclass(frozen=True)
class _Ranking:
    """The first matches of a search, best first (ids and scores side by side), and how many match."""

    ids: "array[int]"
    scores: "array[float]"
    total: int

    def page(self, offset: int, limit: int) -> Hits:
        window = slice(offset, offset + limit)
        return Hits(list(zip(self.ids[window], self.scores[window], strict=True)), self.total)


class _Terms:
    """The stems of a query's words, as the index holds them; the last one may be the start of a word."""

    def __init__(self, analyzer: Any, q: str):
        stems = [analyzer.analyze(word) for word in _WORD.findall(q)]
        self.whole = [token for tokens in stems[:-1] for token in tokens]
        last = stems[-1] if stems else []
        self.whole += last[:-1]
        self.started = last[-1] if last else None


class ArticleIndex:
    """The index of one instance (a folder), as one process sees it. Safe to share between threads."""

    def __init__(self, path: str | Path, inline_limit: int = 2000):
        self.path = Path(path)
        self.inline_limit = inline_limit
        self._guard = threading.RLock()
        self._index: Any = None
        self._schema: Any = None
        self._analyzer: Any = None
        self._generation: str | None = None
        self._state_seen: dict[str, Any] | None = None  # state.json as last read
        # The content version the open index was found to reflect (past state.json's when the versions
        # since changed no article), None before it was looked at.
        self._version: int | None = None
        # The latest publication time (µs) of what the index holds: while it is to come, a search leaves
        # out what is not public yet.
        self._latest_publication = 0
        self._rankings: OrderedDict[tuple[Any, ...], _Ranking] = OrderedDict()

    @property
    def version(self) -> int | None:
        """The content version the index was last found to reflect (None before it was looked at)."""
        return self._version

    # --- reading --------------------------------------------------------------------------------

    def search(self, q: str, offset: int, limit: int, version: int) -> Hits | None:
        """A page of the public articles matching every word of `q` (the last may be a word's start), or
        None when the index cannot answer for content version `version` (the caller asks the database)."""
        with self._guard:
            try:
                if self._version != version and not self._catch_up(self.inline_limit):
                    return None
                return self._search(q, offset, limit)
            except _INDEX_FAILURES as failure:
                # A folder that cannot be written (read-only, full, gone): the database answers, and the
                # index is looked at afresh next time.
                self._forget(failure)
                return None

    def _forget(self, failure: Exception) -> None:
        log.warning(
            "the search index cannot answer; the database does",
            extra={"fields": {"event": "search_index_failed", "folder": str(self.path), "error": repr(failure)}},
        )
        self._index, self._generation, self._state_seen, self._version = None, None, None, None
        db.session.rollback()  # whatever the failed catch-up read

    def fresh_search(self, q: str, offset: int, limit: int, version: int) -> Hits | None:
        """`search`, only when this process already knows the index reflects content version `version`:
        it asks the database nothing (answers made before Flask, which has no session)."""
        with self._guard:
            return self._search(q, offset, limit) if self._version == version else None

    def highlighter(self, q: str) -> Highlighter:
        """What makes the snippets of a search this index answered, with the stems it searched for."""
        terms = _Terms(self._analyzer, q)
        return Highlighter(self._analyzer.analyze, terms.whole, terms.started)

    def _search(self, q: str, offset: int, limit: int) -> Hits:
        """A page of the search, from its ranking (remembered for the index's version when the page is
        among the first RANKED matches); a page past the end is empty, with the true total."""
        terms = _Terms(self._analyzer, q)
        now = _microseconds(utcnow())
        if not terms.whole and terms.started is None:
            return Hits([], 0)
        if offset + limit > RANKED or self._latest_publication > now:
            # A deep page, or an article still to come (what is public changes by the clock): ranked anew.
            return self._ranked(terms, offset, limit, now).page(0, limit)
        key = (self._version, self._generation, tuple(terms.whole), terms.started)
        ranking = self._rankings.get(key)
        if ranking is None:
            ranking = self._ranked(terms, 0, RANKED, now)
            self._rankings[key] = ranking
            while len(self._rankings) > MAX_RANKINGS:
                self._rankings.popitem(last=False)
        else:
            self._rankings.move_to_end(key)
        return ranking.page(offset, limit)

    def _ranked(self, terms: _Terms, offset: int, limit: int, now: int) -> "_Ranking":
        """Tantivy's ranking of the matches from `offset` on, at most `limit` of them, and their count."""
        from tantivy import FieldType, Occur, Query

        schema = self._schema
        clauses = [(Occur.Must, Query.term_query(schema, "text", stem)) for stem in terms.whole]
        if terms.started is not None:
            # Any word that starts so (its exact form ranked by BM25 as the others, the longer ones found).
            started = re.escape(terms.started) + ".*"
            clauses.append((Occur.Must, Query.regex_query(schema, "text", started)))
            clauses.append((Occur.Should, Query.term_query(schema, "text", terms.started)))
        for stem in [*terms.whole, *([terms.started] if terms.started else [])]:
            clauses.append((Occur.Should, Query.boost_query(Query.term_query(schema, "title", stem), TITLE_WEIGHT)))
        if self._latest_publication > now:  # an article still to come is in the index: keep it out
            published = Query.range_query(schema, "published_at", FieldType.Integer, None, now)
            clauses.append((Occur.Must, published))
        searcher = self._index.searcher()
        result = searcher.search(Query.boolean_query(clauses), limit, True, None, offset)
        addresses = [address for _score, address in result.hits]
        ids = searcher.fast_field_values("article_id", addresses) if addresses else []
        return _Ranking(array("q", ids), array("d", [score for score, _ in result.hits]), result.count)

    # --- keeping in step ------------------------------------------------------------------------

    def keep_up(self) -> bool:
        """Bring the index up to the database, building it if it must, however much that takes (the
        worker, the CLI): True when it reflects the database now."""
        with self._guard:
            return self._catch_up(limit=None, wait=None)

    def rebuild(self) -> int:
        """Build a new generation from every public article, whatever the current one holds; how many it holds."""
        with self._guard, self._locked(wait=None):
            return self._build()

    def _catch_up(self, limit: int | None, wait: float | None = LOCK_WAIT_SECONDS) -> bool:
        """Make the open index reflect the database: nothing to do (the versions since changed no
        article), a catch-up of the articles they changed, or a build; False when that is not for this
        caller (more than `limit` articles, or another process holds the lock longer than `wait`)."""
        self._open_current()
        database = self._database_state()
        if self._usable(database) and self._changed_since(self._version or 0, database, limit) == []:
            self._version = database.version
            return True
        try:
            with self._locked(wait):
                self._open_current()  # another process may have gone further meanwhile
                database = self._database_state()
                changed = None
                if self._usable(database):
                    changed = self._changed_since(self._state_seen["version"], database, limit)  # type: ignore[index]
                if changed is None:
                    if limit is not None and self._indexed_count() > limit:
                        return False  # the worker builds it; until then, the database answers
                    self._build()
                    return True
                if changed:
                    self._apply(changed, database)
                self._version = database.version
                return True
        except _Busy:
            return False

    def _usable(self, database: _DatabaseState) -> bool:
        """Whether the open index is of this database, and not ahead of it (a database put back from a backup)."""
        state = self._state_seen
        return (
            self._index is not None
            and state is not None
            and state["identity"] == database.identity
            and state["version"] <= database.version
        )

    def _indexed_count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(Article).where(_indexed())) or 0

    def _database_state(self) -> _DatabaseState:
        from models.content_state import ContentState

        version = select(ContentState.version).where(ContentState.state_id == 1).scalar_subquery()
        first = select(Event.event_id).order_by(Event.sequence).limit(1).scalar_subquery()
        row = db.session.execute(select(version, first)).one()
        return _DatabaseState(version=row[0] or 0, identity=row[1] or "")

    def _changed_since(self, version: int, database: _DatabaseState, limit: int | None) -> list[int] | None:
        """The articles written after content version `version` up to the database's, or None when they
        are more than `limit` (content versions follow commits: each write holds the version row until it commits)."""
        if version >= database.version:
            return []
        query = select(Article.article_id).where(Article.changed_in > version, Article.changed_in <= database.version)
        if limit is not None:
            query = query.limit(limit + 1)
        ids = list(db.session.scalars(query))
        return None if limit is not None and len(ids) > limit else ids

    def _apply(self, article_ids: list[int], database: _DatabaseState) -> None:
        writer = self._index.writer(_WRITER_HEAP, 1)
        try:
            from tantivy import Query

            for article_id in article_ids:
                # By a query: tantivy-py 0.27 takes a Python int as a signed term, which deletes nothing
                # from an unsigned field.
                writer.delete_documents_by_query(Query.term_query(self._schema, "article_id", article_id))
            latest = self._latest_publication
            for document, _article_id, published_at in self._documents(Article.article_id.in_(article_ids)):
                writer.add_document(document)
                latest = max(latest, published_at)
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise
        finally:
            del writer
        self._write_state(self._state_seen["generation"], database, latest)  # type: ignore[index]
        self._index.reload()
        _give_back_freed_memory()

    def _build(self) -> int:
        """A new generation from every indexed article (under the lock), then state.json names it."""
        database = self._database_state()
        generation = uuid.uuid4().hex
        folder = self.path / generation
        folder.mkdir(parents=True)
        index = self._new_index(folder, create=True)
        writer = index.writer(_WRITER_HEAP * 4, 0)
        count = last_id = latest = 0
        while True:
            batch = list(self._documents(Article.article_id > last_id, ordered=True))
            for document, article_id, published_at in batch:
                writer.add_document(document)
                last_id, latest = article_id, max(latest, published_at)
            count += len(batch)
            if len(batch) < BATCH:
                break
        writer.commit()
        writer.wait_merging_threads()
        del writer
        index.reload()
        db.session.rollback()  # end the read: what was written after `database` is applied as a catch-up
        previous = self._state_seen["generation"] if self._state_seen else None
        self._index, self._generation = index, generation
        self._write_state(generation, database, latest)
        self._version = database.version
        for old in self.path.iterdir():
            # Another process may still read an old one: its open files stay readable until it closes them.
            if old.is_dir() and old.name != generation and (old.name == previous or len(old.name) == 32):
                shutil.rmtree(old, ignore_errors=True)
        return count

    def _documents(self, condition: Any, ordered: bool = False) -> Iterator[tuple[Any, int, int]]:
        """(document, article id, publication time in µs) of the indexed articles meeting `condition`
        (`ordered`: the first BATCH of them by id)."""
        from tantivy import Document

        searched = [getattr(Article, name) for name in FIELDS]
        query = select(Article.article_id, Article.published_at, Article.title, *searched).where(condition, _indexed())
        if ordered:
            query = query.order_by(Article.article_id).limit(BATCH)
        for article_id, published_at, title, *texts in db.session.execute(query):
            assert published_at is not None  # what the index holds has a publication time (`_indexed`)
            document = Document()
            document.add_unsigned("article_id", article_id)
            document.add_integer("published_at", _microseconds(published_at))
            document.add_text("text", "\n".join(text for text in texts if text))
            document.add_text("title", title)
            yield document, article_id, _microseconds(published_at)

    # --- the folder -----------------------------------------------------------------------------

    def _new_index(self, folder: Path, create: bool = False) -> Any:
        from tantivy import Index

        if self._schema is None:
            self._schema, self._analyzer = _schema(), _analyzer()
        index = Index(self._schema, path=str(folder), reuse=not create)
        index.register_tokenizer("stemmed", self._analyzer)
        return index

    def _read_state(self) -> dict[str, Any] | None:
        try:
            state = json.loads((self.path / "state.json").read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            return None
        if not (self.path / str(state.get("generation"))).is_dir():
            return None
        return state

    def _open_current(self) -> None:
        """Open the generation state.json names, or see what was committed to it since."""
        state = self._read_state()
        if state is None:
            self._index, self._generation, self._state_seen = None, None, None
            return
        if state["generation"] != self._generation:
            self._index = self._new_index(self.path / state["generation"])
            self._generation, self._version = state["generation"], state["version"]
            self._latest_publication = state["latest_publication"]
        elif self._state_seen is None or state["version"] != self._state_seen["version"]:
            self._index.reload()
            self._version = max(self._version or 0, state["version"])
            self._latest_publication = max(self._latest_publication, state["latest_publication"])
        self._state_seen = state

    def _write_state(self, generation: str, database: _DatabaseState, latest_publication: int) -> None:
        state = {
            "format": FORMAT,
            "generation": generation,
            "identity": database.identity,
            "version": database.version,
            "latest_publication": latest_publication,
        }
        self._latest_publication = latest_publication
        temporary = self.path / f".state-{os.getpid()}-{threading.get_ident()}.json"
        temporary.write_text(json.dumps(state))
        temporary.replace(self.path / "state.json")  # readers see the old state or the new, never half
        self._state_seen = state

    @contextlib.contextmanager
    def _locked(self, wait: float | None) -> Iterator[None]:
        """The instance's write lock (one writer of the folder at a time, whichever process); `wait`
        seconds at most, or as long as it takes (None); _Busy when another holds it longer."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / "write.lock", "a") as lock_file:
            deadline = None if wait is None else time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(lock_file, fcntl.LOCK_EX | (fcntl.LOCK_NB if wait is not None else 0))
                    break
                except BlockingIOError:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise _Busy() from None
                    time.sleep(0.01)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)


class _Busy(Exception):
    """Another process holds the index's write lock."""


def _give_back_freed_memory() -> None:
    """Return to the system what a catch-up's writer freed: glibc keeps it in the heap otherwise, and a web
    process grew by some 50 MB over 20 catch-ups (malloc_trim gave it back). Only where there is glibc."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def snippet_texts_read(engine: Engine, article_ids: list[int]) -> list[tuple[Any, ...]]:
    """(id, *SNIPPET_SOURCES) of those of these articles that are public, in one round trip on the version
    read's own connections (a statement made once per page size): what a page of found articles' snippets
    are made from."""
    if not article_ids:
        return []
    names = [f"id{number}" for number in range(len(article_ids))]
    query = version_query(engine)
    statement_name = f"snippet_texts:{len(names)}"
    query.add(
        engine,
        statement_name,
        lambda: select(Article.article_id, *(getattr(Article, name) for name in SNIPPET_SOURCES)).where(
            Article.article_id.in_([bindparam(name) for name in names]), Article.public(at=bindparam("now"))
        ),
        (),
        *names,
    )
    return query.run_all(engine, statement_name, utcnow(), **dict(zip(names, article_ids, strict=True)))


def _indexed() -> Any:
    """What the index holds: public now or later (scheduled); a search asks for those whose time has come."""
    return (Article.deleted_at.is_(None)) & (Article.status == "published") & (Article.published_at.is_not(None))
