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


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection: object, _record: object) -> None:
    """SQLite for several workers: WAL lets readers and a writer work at once, FULL sync survives power loss."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


import models.search  # noqa: F401  (adds full-text search to the tables it creates)
from models.auth import ApiKey
from models.content import Article, Series, Topic, article_topics, related_topics
from models.content_state import ContentState
from models.revisions import Revision
from models.slugs import OldSlug
from models.studio import ExceptionInterval, HoursException, OpeningInterval, Studio

__all__ = [
    "ApiKey",
    "Article",
    "ContentState",
    "ExceptionInterval",
    "HoursException",
    "OldSlug",
    "OpeningInterval",
    "Revision",
    "Series",
    "Studio",
    "Topic",
    "article_topics",
    "db",
    "related_topics",
]
