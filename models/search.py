"""Full-text search over articles, topics and the media library with the database's own engine.

SQLite: FTS5 tables with the articles and topics as external content, kept in
step with every write by triggers. PostgreSQL: a generated, weighted tsvector
column with a GIN index, which the database keeps up to date itself. Either
way the index is part of the schema (created with the tables and by the
migrations) and no code path can forget to update it.

`matching(model, q)` gives what a list query needs: a condition, a rank and a
highlighted snippet, with matches marked by \\x02 and \\x03 (to be escaped and
turned into <mark> by the caller).
"""

import re
from typing import Any

from sqlalchemy import DDL, Connection, TextClause, event, func, literal_column, select, text
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.selectable import Join

from models import db
from models.content import Article, Topic
from models.editable import EditableItem
from models.media import Media
from models.plans import InOrderJoin

MARK_START, MARK_END = "\x02", "\x03"

_SEARCHED_COLUMNS = {
    "articles": ("title", "excerpt", "body_text"),
    "topics": ("name", "aliases", "summary", "attachments", "actions", "stressors", "signs", "assessment", "care"),
    "media": ("alt", "caption", "credit"),
}


_TRIGGER_EVENTS = ("insert", "delete", "update")


def _sqlite_triggers(table: str) -> dict[str, str]:
    """The triggers that keep a table's FTS5 index in step with it, by name."""
    columns = _SEARCHED_COLUMNS[table]
    listed = ", ".join(columns)
    new_values = ", ".join(f"new.{column}" for column in columns)
    old_values = ", ".join(f"old.{column}" for column in columns)
    fts = f"{table}_fts"
    remove_old = f"INSERT INTO {fts}({fts}, rowid, {listed}) VALUES ('delete', old.id, {old_values});"
    add_new = f"INSERT INTO {fts}(rowid, {listed}) VALUES (new.id, {new_values});"
    bodies = {"insert": add_new, "delete": remove_old, "update": f"{remove_old} {add_new}"}
    return {
        f"{table}_fts_{event_name}": f"CREATE TRIGGER {table}_fts_{event_name} AFTER {event_name.upper()} ON {table} "
        f"BEGIN {bodies[event_name]} END"
        for event_name in _TRIGGER_EVENTS
    }


def _sqlite_ddl(table: str) -> list[str]:
    listed = ", ".join(_SEARCHED_COLUMNS[table])
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({listed}, content='{table}', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')",
        *_sqlite_triggers(table).values(),
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _postgresql_ddl(table: str) -> list[str]:
    weights = "ABBCCCCCC" if table == "topics" else "ABC"
    parts = " || ".join(
        f"setweight(to_tsvector('english', coalesce({column}::text, '')), '{weight}')"
        for column, weight in zip(_SEARCHED_COLUMNS[table], weights, strict=True)
    )
    return [
        f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({parts}) STORED",
        f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)",
    ]


def search_ddl(dialect: str, table: str) -> list[str]:
    """The statements that add search to a table (used when tables are created and by the migrations)."""
    if dialect == "sqlite":
        return _sqlite_ddl(table)
    if dialect == "postgresql":
        return _postgresql_ddl(table)
    return []


def drop_search_ddl(dialect: str, table: str) -> list[str]:
    if dialect == "sqlite":
        # IF EXISTS: a table rebuilt by an older migration may have lost them (see restore_search).
        return [f"DROP TRIGGER IF EXISTS {table}_fts_{event_name}" for event_name in _TRIGGER_EVENTS] + [
            f"DROP TABLE {table}_fts"
        ]
    if dialect == "postgresql":
        return [f"DROP INDEX ix_{table}_search_vector", f"ALTER TABLE {table} DROP COLUMN search_vector"]
    return []


for _model in (Article, Topic, Media):
    _table = _model.__tablename__
    for _dialect in ("sqlite", "postgresql"):
        for _statement in search_ddl(_dialect, _table):
            event.listen(_model.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))


def restore_search(connection: Connection) -> None:
    """Give back search what a migration took from it without saying so, and reindex: on SQLite a
    table that Alembic's batch mode rebuilt (to drop or alter a column) loses its triggers, and its
    search index would silently stop following it. Idempotent; nothing to do on PostgreSQL, whose
    generated column survives ALTER TABLE."""
    if connection.dialect.name != "sqlite":
        return
    present = {name for (name,) in connection.exec_driver_sql("SELECT name FROM sqlite_master")}
    for table in _SEARCHED_COLUMNS:
        if table not in present or f"{table}_fts" not in present:
            continue  # before search's own migration, or after its downgrade
        missing = [ddl for name, ddl in _sqlite_triggers(table).items() if name not in present]
        for statement in missing:
            connection.exec_driver_sql(statement)
        if missing:
            connection.exec_driver_sql(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")


def restore_search_after_migration(ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
    """Alembic's on_version_apply hook: `restore_search` after every migration step, up or down."""
    restore_search(ctx.connection)


def is_search_object(name: str, type_: str) -> bool:
    """Whether a schema object belongs to search (so schema comparisons leave it to this module)."""
    return (
        (type_ == "table" and "_fts" in name)
        or (type_ == "column" and name == "search_vector")
        or (type_ == "index" and name.endswith("_search_vector"))
    )


def words(q: str) -> list[str]:
    """The words of a query; punctuation and operators are not syntax here."""
    return re.findall(r"\w+", q)


_VISIBILITY_INDEXES = {"articles": "ix_articles_visibility"}


# (condition, rank where higher is better, snippet, what to select from or None)
Search = tuple[ColumnElement[bool] | TextClause, ColumnElement[Any], ColumnElement[Any], Join | None]


def matching(model: type[EditableItem], q: str, dialect: str) -> Search:
    """(condition, rank where higher is better, snippet, what to select from or None) for `model` and `q`."""
    table = model.__tablename__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        query = func.websearch_to_tsquery("english", q)
        vector: ColumnElement[Any] = literal_column(f"{table}.search_vector")
        document = func.concat_ws(" ", *(literal_column(f"{table}.{c}::text") for c in _SEARCHED_COLUMNS[table][1:]))
        snippet = func.ts_headline(
            "english",
            document,
            query,
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2",
        )
        return vector.bool_op("@@")(query), func.ts_rank_cd(vector, query), snippet, None
    fts = f"{table}_fts"
    # Every word must appear; the last may be the start of a word, as someone is still typing.
    terms = [f'"{word}"' for word in words(q)]
    terms[-1] += "*"
    match = " ".join(terms)
    condition = text(f"{fts} MATCH :match").bindparams(match=match)
    rank: ColumnElement[Any] = literal_column(f"-bm25({fts})")
    fts_snippet: ColumnElement[Any] = literal_column(f"snippet({fts}, -1, '{MARK_START}', '{MARK_END}', '…', 24)")
    index = sql_table(fts, sql_column("rowid"))
    # Without this plan a word in 13,000 of 100,000 articles took 26 s, not 40 ms (see models/plans.py).
    items = model.__table__  # type: ignore[attr-defined]
    source = InOrderJoin(index, items, index.c.rowid == items.c.id, _VISIBILITY_INDEXES.get(table))
    return condition, rank, fts_snippet, source


def search_snippets(model: type[EditableItem], search: Search, ids: list[int]) -> dict[int, str]:
    """The highlighted snippet of each of these items (one query, for a page's items only)."""
    if not ids:
        return {}
    condition, _rank, snippet, source = search
    key = model.id_column()
    items = model.__table__  # type: ignore[attr-defined]
    query = select(key, snippet.label("snippet")).select_from(items if source is None else source)
    rows = db.session.execute(query.where(condition, key.in_(ids)))
    return {row.id: row.snippet for row in rows}
