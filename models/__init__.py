"""The database handle and every model, importable from one place.

`db` is created unbound here and bound to an app by `api.create_app`, so the
models can be imported without an application or a database.
"""

import sqlite3

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base shared by every table."""


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, _record) -> None:
    """SQLite for several workers: WAL lets readers and a writer work at once, FULL sync survives power loss."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

from models.content import Article, Series, Topic, article_topics, related_topics  # noqa: E402
from models.studio import ExceptionInterval, HoursException, OpeningInterval, Studio  # noqa: E402
from models.auth import ApiKey  # noqa: E402
from models.revisions import Revision  # noqa: E402
from models.content_state import ContentState  # noqa: E402
import models.search  # noqa: E402,F401  (adds full-text search to the tables it creates)

__all__ = [
    "db",
    "Article",
    "Series",
    "Topic",
    "article_topics",
    "related_topics",
    "Studio",
    "OpeningInterval",
    "HoursException",
    "ExceptionInterval",
    "ApiKey",
    "Revision",
    "ContentState",
]
