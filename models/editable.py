"""What every editable content item is made of, and the contract the API's shared machinery relies on.

Articles, topics and series (and every collection added later) are `EditableItem`s: a
unique slug, timestamps, a soft-delete time, a version for optimistic locking,
and the two SQL conditions every read path uses, `public()` (what anyone may
see) and `in_state(state)` (what a key holder's `status=` asks for). Each
model writes its own visibility rule once, in `public()`, and everything that
needs it (item, list, total, search, feeds, sitemap, the content version)
calls it.

`PublishableItem` adds the editorial workflow articles, topics and series
share: a draft, published at a time (a future one is scheduled), or deleted.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Optional

from sqlalchemy import Column, ColumnElement, String, and_, inspect, true
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from models.types import UTCDateTime, utcnow


def primary_key(item: Any) -> int:
    """The id of a stored item (read from its identity, so a deleted or expired item needs no query)."""
    identity = inspect(item).identity
    assert identity is not None, "only a stored item has an id"
    return int(identity[0])


class EditableItem:
    """A mixin for models the API lists, shows, edits, soft-deletes, restores and purges by slug."""

    slug: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Optimistic locking: an UPDATE that finds another version raises, so no update is lost.
    version: Mapped[int] = mapped_column(default=1)

    # The states a key holder may ask a list for with `status=`; the first is the public's.
    STATES: ClassVar[tuple[str, ...]]

    if TYPE_CHECKING:
        # Set by a list with `q` on the items it shows (not a column): {"rank": ..., "snippet": ...}.
        search_hit: dict[str, Any]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}

    @classmethod
    def id_column(cls) -> Column[int]:
        """The table's primary key column (every editable table calls it `id`)."""
        column: Column[int] = cls.__table__.c.id  # type: ignore[attr-defined]
        return column

    @classmethod
    def public(cls, at: Any = None) -> ColumnElement[bool]:
        """The SQL condition for an item the public may see at `at` (now when None)."""
        raise NotImplementedError

    @classmethod
    def in_state(cls, state: str) -> ColumnElement[bool]:
        """The SQL condition for `status=` on a key holder's list."""
        raise NotImplementedError


# What is stored: a draft, or published (at a time that may still be to come: scheduled).
STORED_STATUSES = ("draft", "published")
# What a key holder may ask a list of publishable items for with `status=`; the first is the public's.
PUBLISHING_STATES = ("published", "draft", "scheduled", "deleted", "all")


class PublishableItem(EditableItem):
    """An editable item with a workflow: a draft until published, public from its publication time on."""

    STATES = PUBLISHING_STATES

    status: Mapped[str] = mapped_column(String(16), default="draft")
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    @property
    def effective_status(self) -> str:
        """draft, published, scheduled (published with a publication time still to come), or deleted."""
        if self.deleted_at is not None:
            return "deleted"
        if self.status == "published" and self.published_at is not None and self.published_at > utcnow():
            return "scheduled"
        return self.status

    @property
    def is_public(self) -> bool:
        """`public()` for an item already loaded: whether the public may see it now."""
        return self.effective_status == "published" and self.published_at is not None

    @property
    def is_live(self) -> bool:
        """Not deleted: what a key holder sees named from other items (drafts and scheduled ones too)."""
        return self.deleted_at is None

    @classmethod
    def public(cls, at: Any = None) -> ColumnElement[bool]:
        """The SQL condition for an item the public may see at `at` (now when None): published, and its
        time has come."""
        return and_(
            cls.deleted_at.is_(None),
            cls.status == "published",
            cls.published_at.is_not(None),
            cls.published_at <= (utcnow() if at is None else at),
        )

    @classmethod
    def scheduled_after(cls, moment: Any) -> ColumnElement[bool]:
        """The SQL condition for an item that becomes public at a time after `moment` (scheduled, then)."""
        return and_(cls.deleted_at.is_(None), cls.status == "published", cls.published_at > moment)

    @classmethod
    def in_state(cls, state: str) -> ColumnElement[bool]:
        """The SQL condition for `status=` on a key holder's list."""
        live = cls.deleted_at.is_(None)
        if state == "published":
            return cls.public()
        if state == "draft":
            return and_(live, cls.status == "draft")
        if state == "scheduled":
            return cls.scheduled_after(utcnow())
        if state == "deleted":
            return cls.deleted_at.is_not(None)
        return true()
