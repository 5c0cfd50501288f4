"""The database handle and every model, importable from one place.

`db` is created unbound here and bound to an app by `api.create_app`, so the
models can be imported without an application or a database.
"""

import sqlite3
from typing import TYPE_CHECKING

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base shared by every table."""


db = SQLAlchemy(model_class=Base)

# Every table's base class. Flask-SQLAlchemy makes `db.Model` at run time (a subclass of `Base` that
# names tables and binds them to the app's engine); type checkers see it as `Base`.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


# How long a statement may wait for a lock (SQLite's busy timeout, PostgreSQL's lock_timeout): well below
# gunicorn's 30 s worker timeout, so that a stalled transaction costs the writes behind it a 503 after
# a few seconds instead of holding every worker until it is killed.
LOCK_TIMEOUT_SECONDS = 5
# How long any one PostgreSQL statement may run, and how long a transaction may sit idle holding locks.
STATEMENT_TIMEOUT_SECONDS = 15
IDLE_IN_TRANSACTION_TIMEOUT_SECONDS = 30


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection: object, _record: object) -> None:
    """SQLite for several workers: WAL lets readers and a writer work at once, FULL sync survives power loss."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={LOCK_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


import models.indexes  # adds PostgreSQL's partial indexes to the tables it creates
import models.search  # noqa: F401  (adds full-text search to the tables it creates)
from models.audit import AuditEntry
from models.auth import ApiKey
from models.blobs import Blob
from models.content import Article, Series, Topic, article_topics, related_topics
from models.content_state import ContentState
from models.events import Event
from models.media import Media, MediaFile
from models.previews import PreviewLink
from models.representations import StoredRepresentation
from models.revisions import Revision
from models.slugs import OldSlug
from models.studio import ExceptionInterval, HoursException, OpeningInterval, Studio
from models.webhooks import Delivery, DeliveryAttempt, Webhook

__all__ = [
    "ApiKey",
    "Article",
    "AuditEntry",
    "Blob",
    "ContentState",
    "Delivery",
    "DeliveryAttempt",
    "Event",
    "ExceptionInterval",
    "HoursException",
    "Media",
    "MediaFile",
    "OldSlug",
    "OpeningInterval",
    "PreviewLink",
    "Revision",
    "Series",
    "StoredRepresentation",
    "Studio",
    "Topic",
    "Webhook",
    "article_topics",
    "db",
    "related_topics",
]
