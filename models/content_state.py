"""One row that changes whenever any content changes: the content version and when it changed.

Every flush that adds, changes or deletes content bumps it, in the same
transaction, so it can never miss a write. It drives Last-Modified (and can key
caches that must stay correct across processes). API keys, revisions and the
audit log are bookkeeping, not content: writing them does not bump it. Its
membership version moves only with a change to which items a list holds (see
`_MEMBERSHIP_ATTRIBUTES`): lists' totals are kept under it.
"""

import contextlib
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    DDL,
    BindParameter,
    Engine,
    Select,
    Table,
    bindparam,
    event,
    func,
    inspect,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql import visitors

from models import Model, db
from models.audit import AuditEntry
from models.auth import ApiKey
from models.editable import EditableItem
from models.events import Event
from models.previews import PreviewLink
from models.revisions import Revision
from models.slugs import OldSlug
from models.types import UTCDateTime, utcnow
from models.webhooks import Delivery, DeliveryAttempt, Webhook


class ContentState(Model):
    __tablename__ = "content_state"

    state_id: Mapped[int] = mapped_column("id", primary_key=True)
    version: Mapped[int]
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped only by a change to which items a list holds (one made, deleted, restored, published,
    # unpublished, renamed, moved in time, given other topics or another series): a list's total is
    # counted again after such a change, not after every edit of an item's text.
    membership_version: Mapped[int] = mapped_column(default=1, server_default="1")


# The one row exists from the moment the table does (migrations insert it too).
event.listen(
    ContentState.__table__,
    "after_create",
    DDL("INSERT INTO content_state (id, version, changed_at) VALUES (1, 1, CURRENT_TIMESTAMP)"),
)


def _is_content(obj: object) -> bool:
    # API keys, revisions, the audit log, events and webhooks are bookkeeping; the version row is what changes.
    bookkeeping = (
        ApiKey,
        Revision,
        AuditEntry,
        ContentState,
        OldSlug,
        Event,
        Webhook,
        Delivery,
        DeliveryAttempt,
        PreviewLink,
    )
    return not isinstance(obj, bookkeeping)


# What decides whether a listed item is in a list, and where: what the filters of lists other than a
# search (whose matches follow the text) and the public rule read.
_MEMBERSHIP_ATTRIBUTES = ("slug", "status", "published_at", "deleted_at", "series_id", "series", "topics")


def _changes_membership(obj: object) -> bool:
    if not isinstance(obj, EditableItem):
        return False
    state = inspect(obj)
    return any(name in state.attrs and state.attrs[name].history.has_changes() for name in _MEMBERSHIP_ATTRIBUTES)


@event.listens_for(Session, "before_flush")
def _bump_on_content_change(session: Session, _context: object, _instances: object) -> None:
    added_or_deleted = [obj for obj in (*session.new, *session.deleted) if _is_content(obj)]
    changed = [obj for obj in session.dirty if _is_content(obj) and session.is_modified(obj)]
    if added_or_deleted or changed:
        membership = any(isinstance(obj, EditableItem) for obj in added_or_deleted) or any(
            _changes_membership(obj) for obj in changed
        )
        table = ContentState.__table__
        assert isinstance(table, Table)
        # Core, on the flush's own connection: no ORM autoflush inside a flush.
        session.connection().execute(
            table.update()
            .where(table.c.id == 1)
            .values(
                version=table.c.version + 1,
                changed_at=utcnow(),
                membership_version=table.c.membership_version + (1 if membership else 0),
            )
        )


@dataclass(frozen=True)
class ContentVersion:
    """What the public sees, named: equal versions mean equal content (for caches) and its Last-Modified."""

    version: int
    latest_publication: datetime | None
    last_modified: datetime
    membership: int = 0  # see ContentState.membership_version


def _aware(moment: datetime) -> datetime:
    # Raw SQL results skip the column type on some drivers: make every moment aware UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _version_statement() -> Select[int, datetime, datetime | None]:
    # Sibling modules that import this one's package.
    from models.content import Article, Series, Topic

    # Whatever is scheduled (an article, a topic, a series) changes what the public sees when its time comes.
    now: BindParameter[datetime] = bindparam("now")
    latest_each = union_all(
        *(
            select(func.max(model.published_at).label("published_at")).where(model.public(at=now))
            for model in (Article, Topic, Series)
        )
    ).subquery()
    latest_publication = select(func.max(latest_each.c.published_at)).scalar_subquery()
    return select(
        ContentState.version, ContentState.changed_at, latest_publication, ContentState.membership_version
    ).where(ContentState.state_id == 1)


def _inline_fixed_value(element: Any, **_options: Any) -> Any:
    """A fixed value of the version statement (its 'published', the state's row id) written into the SQL,
    so that PostgreSQL's generic plan of it can use the partial index of public articles, whose predicate a
    parameter cannot be proven to match (it read all 100,000 articles, 30 ms, instead of 0.1 ms)."""
    if not isinstance(element, BindParameter) or element.key == "now":
        return None
    value = element.value
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    written = str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"
    return literal_column(written, type_=element.type)


class _VersionQuery:
    """The version statement, compiled by SQLAlchemy once per engine and run on DBAPI connections of its
    own, kept open in autocommit.

    Every public read runs it, cached or not, so it is what a cache hit costs the database. Run as
    a statement on a pooled connection it took five round trips on PostgreSQL (the pool's ping,
    BEGIN, the statement, the rollback on return): 4.5 ms of a 4.6 ms hit on this machine. On a
    connection of its own in autocommit it is the one round trip. Its connections come from the
    engine (its connect arguments and timeouts), detached from the pool; at most `IDLE_KEPT` wait
    between requests (a server with a thread per request opens no connection per thread). One the
    database dropped (a restart) is replaced: the statement is tried once more on a new connection,
    and if the database is down the error is SQLAlchemy's (an OperationalError, which the API
    answers with a 503). Since SQLAlchemy's execution events do not see it, `statements_run` counts
    it (for the tests' and the benchmark's statement counts).
    """

    IDLE_KEPT = 4

    def __init__(self, engine: Engine):
        statement: Any = visitors.replacement_traverse(_version_statement(), {}, _inline_fixed_value)
        compiled = statement.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.positional_names = compiled.positiontup if compiled.positional else None
        self.fixed_parameters = compiled.construct_params({"now": None})
        timestamp = UTCDateTime().dialect_impl(engine.dialect)
        self.to_database = timestamp.bind_processor(engine.dialect)
        self.from_database = timestamp.result_processor(engine.dialect, None)
        self.statements_run = 0
        self._idle: list[tuple[int, int, Any]] = []  # (process, generation, connection), last used last
        self._generation = 0  # moved on when the engine is disposed: older connections are closed on return
        self._lock = threading.Lock()
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def _open(self, engine: Engine) -> Any:
        pooled = engine.raw_connection()
        pooled.detach()  # ours to keep and close; made as the pool makes them (connect arguments, events)
        connection: Any = pooled.dbapi_connection
        connection.rollback()  # the pool's ping may have begun a transaction
        engine.dialect.set_isolation_level(connection, "AUTOCOMMIT")
        if engine.dialect.name == "postgresql":
            # The driver prepares the statement after a few runs; PostgreSQL would still plan it anew
            # for each `now` (0.9 ms, six times its execution), where the generic plan is the same one.
            cursor = connection.cursor()
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            cursor.close()
        return connection

    def _checkout(self) -> tuple[int, Any] | None:
        with self._lock:
            while self._idle:
                process, generation, connection = self._idle.pop()
                if process == os.getpid():
                    return generation, connection
                # Made before a fork: the parent's to use. Closing it here would end the parent's session.
        return None

    def _checkin(self, generation: int, connection: Any) -> None:
        with self._lock:
            if generation == self._generation and len(self._idle) < self.IDLE_KEPT:
                self._idle.append((os.getpid(), generation, connection))
                return
        _close_quietly(connection)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            self._generation += 1
        for process, _, connection in idle:
            if process == os.getpid():
                _close_quietly(connection)

    def _execute(self, generation: int, connection: Any, parameters: Any) -> Any:
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self.sql, parameters)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except Exception:
            _close_quietly(connection)  # whatever went wrong, the next statement starts on a new connection
            raise
        self._checkin(generation, connection)
        return row

    def _fetch(self, engine: Engine, parameters: Any, dbapi_error: Any) -> Any:
        kept = self._checkout()
        if kept is not None:
            try:
                return self._execute(*kept, parameters)
            except dbapi_error as error:
                if not engine.dialect.is_disconnect(error, kept[1], None):
                    raise
            # The database dropped the connection that waited (a restart): once more, on a new one.
        generation = self._generation
        return self._execute(generation, self._open(engine), parameters)

    def run(self, engine: Engine, now: datetime) -> tuple[Any, ...] | None:
        named = {**self.fixed_parameters, "now": self.to_database(now) if self.to_database else now}
        parameters: Any = (
            named if self.positional_names is None else tuple(named[name] for name in self.positional_names)
        )
        dbapi_error = engine.dialect.loaded_dbapi.Error
        try:
            row = self._fetch(engine, parameters, dbapi_error)
        except dbapi_error as error:
            # As SQLAlchemy would: the error is SQLAlchemy's (an OperationalError while the database is
            # down, which the API answers with a 503).
            raise DBAPIError.instance(self.sql, parameters, error, dbapi_error, hide_parameters=True) from error
        self.statements_run += 1
        if row is None or self.from_database is None:
            return None if row is None else tuple(row)
        return row[0], self.from_database(row[1]), self.from_database(row[2]), row[3]


def _close_quietly(connection: Any) -> None:
    with contextlib.suppress(Exception):  # it may be broken already: closing it is a courtesy
        connection.close()


_version_queries: WeakKeyDictionary[Engine, _VersionQuery] = WeakKeyDictionary()  # one per engine (tests make many)


def version_query(engine: Engine) -> _VersionQuery:
    query = _version_queries.get(engine)
    if query is None:
        query = _version_queries[engine] = _VersionQuery(engine)
    return query


def content_version(engine: Engine | None = None) -> ContentVersion:
    """The content version and the latest publication time that has come (a scheduled article, topic
    or series appears without any write), in one statement; Last-Modified is the later of that and the last
    write. It runs on a connection of its own, outside the request's session, before any read of
    the content itself, so an answer kept under a version is never older than that version."""
    now = utcnow()
    engine = engine or db.engine  # the app's, unless given (outside an app context)
    row = version_query(engine).run(engine, now)
    if row is None:
        return ContentVersion(version=0, latest_publication=None, last_modified=now)
    version, changed_at, published, membership = row
    moments = [_aware(moment) for moment in (changed_at, published) if moment is not None]
    return ContentVersion(
        version=version,
        latest_publication=_aware(published) if published is not None else None,
        last_modified=max(moments) if moments else now,
        membership=membership,
    )
