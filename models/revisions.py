"""Revisions: every change to an item, kept as a snapshot of the item after it.

One table serves every kind of item. A revision records which key made the
change, when, what the change was (created, updated, deleted, ...), which
fields changed, and the item as it then was, so any revision can be restored.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import JSON, Index, Select, String, select
from sqlalchemy.orm import Mapped, mapped_column

from models import Model, db
from models.types import UTCDateTime, utcnow

# Fields that change on every write and so say nothing about what changed.
_VOLATILE_FIELDS = {"updated_at"}


class Revision(Model):
    __tablename__ = "revisions"
    __table_args__ = (Index("ix_revisions_item", "item_type", "item_id", "number", unique=True),)

    revision_id: Mapped[int] = mapped_column("id", primary_key=True)
    item_type: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int]
    number: Mapped[int]
    action: Mapped[str] = mapped_column(String(32))
    key_name: Mapped[Optional[str]] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_fields: Mapped[list[str]] = mapped_column(JSON)
    snapshot: Mapped[dict] = mapped_column(JSON)

    if TYPE_CHECKING:
        # Set on a revision just recorded (not a column): the item as its previous revision kept it, or
        # None for a new item; events name the state before a change from it.
        previous_snapshot: Optional[dict[str, Any]]


def latest_revision(item_type: str, item_id: int) -> Optional[Revision]:
    return db.session.scalar(
        select(Revision)
        .where(Revision.item_type == item_type, Revision.item_id == item_id)
        .order_by(Revision.number.desc())
        .limit(1)
    )


def record_revision(item_type: str, item_id: int, snapshot: dict, action: str, key_name: Optional[str]) -> Revision:
    """Add a revision holding `snapshot`, naming the fields that differ from the previous one."""
    previous = latest_revision(item_type, item_id)
    before = previous.snapshot if previous else {}
    changed = sorted(
        field
        for field in set(before) | set(snapshot)
        if field not in _VOLATILE_FIELDS and before.get(field) != snapshot.get(field)
    )
    revision = Revision(
        item_type=item_type,
        item_id=item_id,
        number=(previous.number if previous else 0) + 1,
        action=action,
        key_name=key_name,
        changed_fields=changed,
        snapshot=snapshot,
    )
    revision.previous_snapshot = previous.snapshot if previous else None
    db.session.add(revision)
    return revision


def revisions_of(item_type: str, item_id: int) -> Select[Revision]:
    """The query of an item's revisions, newest first."""
    return (
        select(Revision)
        .where(Revision.item_type == item_type, Revision.item_id == item_id)
        .order_by(Revision.number.desc())
    )


def purge_revisions(item_type: str, item_id: int) -> None:
    db.session.execute(db.delete(Revision).where(Revision.item_type == item_type, Revision.item_id == item_id))
