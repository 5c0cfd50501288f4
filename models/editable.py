"""What every editable content item is made of, and the contract the API's shared machinery relies on.

Articles and topics (and every collection added later) are `EditableItem`s: a
unique slug, timestamps, a soft-delete time, a version for optimistic locking,
and the two SQL conditions every read path uses, `public()` (what anyone may
see) and `in_state(state)` (what a key holder's `status=` asks for). Each
model writes its own visibility rule once, in `public()`, and everything that
needs it (item, list, total, search, feeds, sitemap, the content version)
calls it.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Optional

from sqlalchemy import Column, ColumnElement, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from models.types import UTCDateTime, utcnow


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
