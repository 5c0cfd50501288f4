"""One row that changes whenever any content changes: the content version and when it changed.

Every flush that adds, changes or deletes content bumps it, in the same
transaction, so it can never miss a write. It drives Last-Modified (and can key
caches that must stay correct across processes). API keys, revisions and the
audit log are bookkeeping, not content: writing them does not bump it. Its
membership version moves only with a change to which items a list holds (see
`_MEMBERSHIP_ATTRIBUTES`): lists' totals are kept under it. It also keeps which publications
have come and which are still to come, so that a read learns both from this one row: on PostgreSQL
at 100,000 articles the row alone is one round trip of 0.14 ms where asking the tables took 0.23 ms
(wall, 5,000 runs each), and every public read, a cache hit too, makes it.
"""

import contextlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    DDL,
    JSON,
    BindParameter,
    Connection,
    Engine,
    Select,
    Table,
    bindparam,
    event,
    false,
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

# Publication times the state row keeps (see ContentState): how many still to come, and how far behind
# a write's clock a time is still counted as to come (another instance's clock may be behind).
SCHEDULE_KEPT = 32
CLOCK_MARGIN = timedelta(minutes=1)
_SCHEDULE_STALE = "content_schedule_stale"  # in a session's info: its flush changed content
RELATED_CHANGED = "content_related_changed"  # in a session's info: its flush bumped the related version


class ContentState(Model):
    __tablename__ = "content_state"

    state_id: Mapped[int] = mapped_column("id", primary_key=True)
    version: Mapped[int]
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped only by a change to which items a list holds (one made, deleted, restored, published,
    # unpublished, renamed, moved in time, given other topics or another series): a list's total is
    # counted again after such a change, not after every edit of an item's text.
    membership_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Bumped only by a change to what an article's detail shows from elsewhere (a topic, a series, an
    # image): an article's stored representation (`models.representations`) made under an older one is stale.
    related_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Which publications have come, kept by every content write (`_keep_schedule`) so that a read asks
    # only this row: the latest publication time that had come (CLOCK_MARGIN before the write), and
    # those still to come after it, earliest first, at most SCHEDULE_KEPT of them (all of them when
    # `all_upcoming_kept`). Null when unknown (rows written outside the app): a read then asks the tables.
    latest_publication_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    upcoming_publications: Mapped[list[str] | None] = mapped_column(JSON)
    all_upcoming_kept: Mapped[bool] = mapped_column(default=False, server_default=false())


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


def _shown_by_articles(obj: object) -> bool:
    # What ArticleDetail shows of other rows: its topics' and series' names, its images and their files.
    from models.content import Series, Topic  # sibling modules that import this one's package
    from models.media import Media, MediaFile

    return isinstance(obj, Topic | Series | Media | MediaFile)


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
        related = any(_shown_by_articles(obj) for obj in (*added_or_deleted, *changed))
        table = ContentState.__table__
        assert isinstance(table, Table)
        session.info[_SCHEDULE_STALE] = True
        if related:
            session.info[RELATED_CHANGED] = True
        # Core, on the flush's own connection: no ORM autoflush inside a flush. On PostgreSQL this takes
        # the row's lock, held until commit: the schedule kept after the flush sees every write before it.
        version = session.connection().scalar(
            table.update()
            .where(table.c.id == 1)
            .values(
                version=table.c.version + 1,
                changed_at=utcnow(),
                membership_version=table.c.membership_version + (1 if membership else 0),
                related_version=table.c.related_version + (1 if related else 0),
            )
            .returning(table.c.version)
        )
        from models.content import Article  # a sibling module that imports this one's package

        for article in (*session.new, *changed):
            if isinstance(article, Article) and version is not None:
                article.changed_in = version


@event.listens_for(Session, "after_flush")
def _keep_schedule_after_content_change(session: Session, _context: object) -> None:
    if session.info.pop(_SCHEDULE_STALE, False):
        keep_schedule(session.connection())


def _publication_statements(cutoff: Any) -> tuple[Select[datetime | None], Select[datetime]]:
    """The latest publication time that has come by `cutoff`, and the next SCHEDULE_KEPT + 1 after it
    (of articles, topics and series: whatever is scheduled changes what the public sees when its time comes)."""
    from models.content import Article, Series, Topic  # sibling modules that import this one's package

    models = (Article, Topic, Series)
    latest_each = union_all(
        *(select(func.max(model.published_at).label("published_at")).where(model.public(at=cutoff)) for model in models)
    ).subquery()
    next_each = [
        select(model.published_at.label("published_at"))
        .where(model.scheduled_after(cutoff))
        .order_by(model.published_at)
        .limit(SCHEDULE_KEPT + 1)
        .subquery()
        for model in models
    ]
    upcoming = union_all(*(select(each.c.published_at) for each in next_each)).subquery()
    return (
        select(func.max(latest_each.c.published_at)),
        select(upcoming.c.published_at).order_by(upcoming.c.published_at).limit(SCHEDULE_KEPT + 1),
    )


def keep_schedule(connection: Connection, now: datetime | None = None) -> None:
    """Write down which publications have come and which are to come, as of `now` less CLOCK_MARGIN (so
    that an instance whose clock is a little behind still decides those of the last minute by its own)."""
    cutoff = (now or utcnow()) - CLOCK_MARGIN
    latest_statement, upcoming_statement = _publication_statements(cutoff)
    latest = connection.execute(latest_statement).scalar()
    upcoming = [aware_utc(moment) for moment in connection.execute(upcoming_statement).scalars()]
    table = ContentState.__table__
    assert isinstance(table, Table)
    connection.execute(
        table.update()
        .where(table.c.id == 1)
        .values(
            latest_publication_at=latest,
            upcoming_publications=[moment.isoformat() for moment in upcoming[:SCHEDULE_KEPT]],
            all_upcoming_kept=len(upcoming) <= SCHEDULE_KEPT,
        )
    )


@dataclass(frozen=True)
class ContentVersion:
    """What the public sees, named: equal versions mean equal content (for caches) and its Last-Modified."""

    version: int
    latest_publication: datetime | None
    last_modified: datetime
    membership: int = 0  # see ContentState.membership_version


def aware_utc(moment: datetime) -> datetime:
    # Raw SQL results skip the column type on some drivers: make every moment aware UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _state_statement() -> Select[int, datetime, int, datetime | None, list[str] | None, bool]:
    return select(
        ContentState.version,
        ContentState.changed_at,
        ContentState.membership_version,
        ContentState.latest_publication_at,
        ContentState.upcoming_publications,
        ContentState.all_upcoming_kept,
    ).where(ContentState.state_id == 1)


def _latest_publication_statement() -> Select[datetime | None]:
    """The latest publication time that has come, asked of the tables (when the state row cannot say)."""
    now: BindParameter[datetime] = bindparam("now")
    return _publication_statements(now)[0]


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


class _CompiledStatement:
    """A version statement compiled once per engine, its fixed values written into its SQL."""

    def __init__(
        self, engine: Engine, statement: Any, timestamp_columns: tuple[int, ...], parameters: tuple[str, ...] = ()
    ):
        self.timestamp_columns = timestamp_columns
        inlined: Any = visitors.replacement_traverse(statement, {}, _inline_fixed_value)
        compiled = inlined.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.positional_names = compiled.positiontup if compiled.positional else None
        self.fixed_parameters = compiled.construct_params({"now": None, **dict.fromkeys(parameters)})


class _VersionQuery:
    """The version statements, compiled by SQLAlchemy once per engine and run on DBAPI connections of its
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
        self.statements = {
            # What every read runs: the state row.
            "state": _CompiledStatement(engine, _state_statement(), timestamp_columns=(1, 3)),
            # Only when the row cannot say which publications have come.
            "latest_publication": _CompiledStatement(engine, _latest_publication_statement(), timestamp_columns=(0,)),
        }
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

    def _execute(self, generation: int, connection: Any, sql: str, parameters: Any, many: bool) -> Any:
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(sql, parameters)
                row = cursor.fetchall() if many else cursor.fetchone()
            finally:
                cursor.close()
        except Exception:
            _close_quietly(connection)  # whatever went wrong, the next statement starts on a new connection
            raise
        self._checkin(generation, connection)
        return row

    def _fetch(self, engine: Engine, sql: str, parameters: Any, dbapi_error: Any, many: bool) -> Any:
        kept = self._checkout()
        if kept is not None:
            try:
                return self._execute(*kept, sql, parameters, many)
            except dbapi_error as error:
                if not engine.dialect.is_disconnect(error, kept[1], None):
                    raise
            # The database dropped the connection that waited (a restart): once more, on a new one.
        generation = self._generation
        return self._execute(generation, self._open(engine), sql, parameters, many)

    def add(
        self,
        engine: Engine,
        name: str,
        make_statement: Callable[[], Any],
        timestamp_columns: tuple[int, ...],
        *parameters: str,
    ) -> None:
        """Run another statement this way (a read as frequent as the version's), given `now` and `parameters`.
        `make_statement` is called once, the first time: building a statement from the ORM's columns took
        60% of a stored article's read when it was built at every one."""
        if name not in self.statements:
            self.statements[name] = _CompiledStatement(engine, make_statement(), timestamp_columns, parameters)

    def run(self, engine: Engine, name: str, now: datetime, **values: Any) -> tuple[Any, ...] | None:
        """The statement's first row, its timestamps made aware (None when it found none)."""
        row: tuple[Any, ...] | None = self._run(engine, name, now, values, many=False)
        return row

    def run_all(self, engine: Engine, name: str, now: datetime, **values: Any) -> list[tuple[Any, ...]]:
        """Every row the statement finds (it must return no timestamp)."""
        assert not self.statements[name].timestamp_columns
        return [tuple(row) for row in self._run(engine, name, now, values, many=True)]

    def _run(self, engine: Engine, name: str, now: datetime, values: dict[str, Any], many: bool) -> Any:
        statement = self.statements[name]
        named = {**statement.fixed_parameters, **values, "now": self.to_database(now) if self.to_database else now}
        parameters: Any = (
            named if statement.positional_names is None else tuple(named[key] for key in statement.positional_names)
        )
        dbapi_error = engine.dialect.loaded_dbapi.Error
        try:
            row = self._fetch(engine, statement.sql, parameters, dbapi_error, many)
        except dbapi_error as error:
            # As SQLAlchemy would: the error is SQLAlchemy's (an OperationalError while the database is
            # down, which the API answers with a 503).
            raise DBAPIError.instance(statement.sql, parameters, error, dbapi_error, hide_parameters=True) from error
        self.statements_run += 1
        if many:
            return row
        if row is None or self.from_database is None:
            return None if row is None else tuple(row)
        convert, columns = self.from_database, statement.timestamp_columns
        return tuple(convert(value) if index in columns else value for index, value in enumerate(row))


def _close_quietly(connection: Any) -> None:
    with contextlib.suppress(Exception):  # it may be broken already: closing it is a courtesy
        connection.close()


_version_queries: WeakKeyDictionary[Engine, _VersionQuery] = WeakKeyDictionary()  # one per engine (tests make many)


def version_query(engine: Engine) -> _VersionQuery:
    query = _version_queries.get(engine)
    if query is None:
        query = _version_queries[engine] = _VersionQuery(engine)
    return query


def _latest_publication(now: datetime, latest: datetime | None, upcoming: Any, all_kept: Any) -> datetime | bool | None:
    """The latest publication time that has come by `now`, from what the state row keeps; False when it
    cannot say (never written by the app, or `now` is past the last time it kept of more to come)."""
    if upcoming is None:
        return False
    moments = [
        datetime.fromisoformat(moment) for moment in (json.loads(upcoming) if isinstance(upcoming, str) else upcoming)
    ]
    if not all_kept and moments and now >= moments[-1]:
        return False
    come = [moment for moment in (latest, *moments) if moment is not None and aware_utc(moment) <= now]
    return max((aware_utc(moment) for moment in come), default=None)


def content_version(engine: Engine | None = None) -> ContentVersion:
    """The content version and the latest publication time that has come (a scheduled article, topic
    or series appears without any write); Last-Modified is the later of that and the last write. One
    row read on a connection of its own, outside the request's session, before any read of the
    content itself, so an answer kept under a version is never older than that version."""
    now = utcnow()
    engine = engine or db.engine  # the app's, unless given (outside an app context)
    query = version_query(engine)
    row = query.run(engine, "state", now)
    if row is None:
        return ContentVersion(version=0, latest_publication=None, last_modified=now)
    version, changed_at, membership, latest, upcoming, all_kept = row
    published = _latest_publication(now, latest, upcoming, all_kept)
    if published is False:
        asked = query.run(engine, "latest_publication", now)
        published = asked[0] if asked else None
    assert published is None or isinstance(published, datetime)
    moments = [aware_utc(moment) for moment in (changed_at, published) if moment is not None]
    return ContentVersion(
        version=version,
        latest_publication=aware_utc(published) if published is not None else None,
        last_modified=max(moments) if moments else now,
        membership=membership,
    )
