"""The database handle and every model, importable from one place.

`db` is created unbound here and bound to an app by `api.create_app`, so the
models can be imported without an application or a database.
"""

from sqlalchemy.orm import DeclarativeBase
from flask_sqlalchemy import SQLAlchemy


class Base(DeclarativeBase):
    """Declarative base shared by every table."""


db = SQLAlchemy(model_class=Base)

from models.content import Article, Series, Topic, article_topics, related_topics  # noqa: E402
from models.studio import ExceptionInterval, HoursException, OpeningInterval, Studio  # noqa: E402
from models.auth import ApiKey  # noqa: E402
from models.revisions import Revision  # noqa: E402

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
]
