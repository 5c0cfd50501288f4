"""Old slugs: where a renamed item lives now, so links to its old URL keep working (301 to the new one).

A rename records the slug it leaves. A slug that an item takes (by creation or rename) stops being
anybody's old slug, and a purged item's old slugs go with it.
"""

from datetime import datetime
from typing import Optional

from sqlalchemy import Index, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from models import Model, db
from models.types import UTCDateTime, utcnow


class OldSlug(Model):
    __tablename__ = "old_slugs"
    __table_args__ = (Index("ix_old_slugs_item_type_slug", "item_type", "slug", unique=True),)

    old_slug_id: Mapped[int] = mapped_column("id", primary_key=True)
    item_type: Mapped[str] = mapped_column(String(32))
    slug: Mapped[str] = mapped_column(String(120))
    item_id: Mapped[int]
    renamed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def record_rename(item_type: str, item_id: int, old_slug: str, new_slug: str) -> None:
    """Remember that `old_slug` now means the item called `new_slug` (in the write's transaction)."""
    db.session.execute(delete(OldSlug).where(OldSlug.item_type == item_type, OldSlug.slug.in_((old_slug, new_slug))))
    db.session.add(OldSlug(item_type=item_type, slug=old_slug, item_id=item_id))


def forget_slug(item_type: str, slug: str) -> None:
    """A slug an item has just taken is nobody's old slug any more."""
    db.session.execute(delete(OldSlug).where(OldSlug.item_type == item_type, OldSlug.slug == slug))


def forget_item(item_type: str, item_id: int) -> None:
    """A purged item's old slugs lead nowhere."""
    db.session.execute(delete(OldSlug).where(OldSlug.item_type == item_type, OldSlug.item_id == item_id))


def renamed_to(item_type: str, slug: str) -> Optional[int]:
    """The id of the item that used to have this slug, if one did."""
    return db.session.scalar(select(OldSlug.item_id).where(OldSlug.item_type == item_type, OldSlug.slug == slug))
