"""Events: what changed, recorded in the change's own transaction (an outbox), for webhooks and the change feed.

Every revision written (an article created, a topic published, the hours
changed, ...) adds its events here as it is flushed (`_record_events`), so no
write path can forget one, and none is recorded for a change that rolls back.
A change makes one event per thing it did: an article created already
published is `article.created` and `article.published`. A scheduled item going
live at its time is no write at all: `announce_due_publications` records its
`published` event when the time has come (the worker calls it at that time; the
change feed calls it before it reads), once, however many processes ask.

The sequence number (`sequence`) orders events as they committed, and is the
change feed's cursor: on PostgreSQL each writing transaction takes one
advisory lock before it adds events, so a later number never commits before
an earlier one (SQLite has one writer at a time anyway).

The CDN keys (`surrogate_key`) are named here too, since reads send the keys
of what they show and events name the keys a change makes stale.
"""

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, Index, String, event, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import Model
from models.audit import LOGGED_ELSEWHERE_INFO
from models.editable import primary_key
from models.revisions import Revision
from models.types import UTCDateTime, utcnow
from models.webhooks import fan_out

# The kinds of item whose changes are events, and the name each has in an event's type.
ITEM_EVENT_NAMES = {"article": "article", "topic": "topic", "series": "series"}
SITE_EVENT_NAMES = {"studio": "studio", "hours": "hours", "hours exception": "hours"}
PUBLISHING_EVENTS = ("created", "updated", "published", "unpublished", "scheduled", "deleted", "restored")
# Images in the media library have no workflow: they are there (created, changed, restored) or deleted.
MEDIA_EVENTS = ("created", "updated", "deleted", "restored")
EVENT_TYPES = (
    *(f"{name}.{what}" for name in ITEM_EVENT_NAMES.values() for what in PUBLISHING_EVENTS),
    *(f"media.{what}" for what in MEDIA_EVENTS),
    "studio.updated",
    "hours.updated",
)
# What the change feed says happened, as the public saw it, and as a key holder did.
PUBLIC_CHANGES = ("created", "updated", "unpublished", "deleted")
CHANGES = ("created", "updated", "deleted", "restored")
# How far back a publication may lie for its going-live to be announced late (a worker that was down).
ANNOUNCE_LOOKBACK = timedelta(days=7)
# The advisory lock (on PostgreSQL) that keeps event numbers in commit order: any constant will do.
_EVENT_ORDER_LOCK = 7_361_504
# Session.info: the new events this session's flushes added (read once the transaction commits).
NEW_EVENTS_INFO = "new_events"


class Event(Model):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_item", "item_type", "item_id", "id"),
        Index("ix_events_feed", "in_feed", "id"),
    )

    sequence: Mapped[int] = mapped_column("id", primary_key=True)
    # The id receivers see (webhook-id) and redeliveries name.
    event_id: Mapped[str] = mapped_column(String(40), unique=True, default=lambda: f"evt_{uuid.uuid4().hex}")
    type: Mapped[str] = mapped_column(String(40))
    item_type: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int]
    slug: Mapped[Optional[str]] = mapped_column(String(120))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    key_name: Mapped[Optional[str]] = mapped_column(String(80))
    # One event of each change is its entry in the change feed: what it was to key holders (`change`)
    # and to the public (`public_change`; null when the public saw nothing, such as a draft's edit).
    in_feed: Mapped[bool] = mapped_column(Boolean, default=False)
    change: Mapped[str] = mapped_column(String(16))
    public_change: Mapped[Optional[str]] = mapped_column(String(16))
    # {"before": state or null, "after": state or null, "changed_fields": [...], "purge_keys": [...]}
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Set on a going-live event, so that a publication is announced once, whoever notices it first.
    dedupe_key: Mapped[Optional[str]] = mapped_column(String(200), unique=True)


def surrogate_key(item_type: str, slug: str | None = None) -> str:
    """The CDN key of one item (`article:massage-for-low-back-pain`), or of a kind's lists (`articles`)."""
    name = SITE_EVENT_NAMES.get(item_type) or ITEM_EVENT_NAMES.get(item_type) or item_type
    if slug is None:
        return name if name in ("studio", "hours", "series", "media") else f"{name}s"
    return f"{name}:{slug}"


def _state(snapshot: dict[str, Any] | None, revision: int | None) -> dict[str, Any] | None:
    """An item's state in an event: what readers saw (status), where (slug), from when (published_at)."""
    if snapshot is None:
        return None
    state = {"revision": revision}
    if "status" in snapshot:
        state.update(status=snapshot["status"], slug=snapshot.get("slug"), published_at=snapshot.get("published_at"))
    return state


def cache_keys(item_type: str, *snapshots: dict[str, Any] | None) -> list[str]:
    """The CDN keys of an item, from its snapshots or representations: the item (under each slug it had), its
    lists, and the items it appears in (an article's topics and series). A read of the item is tagged with
    them, and a change to it names them to purge."""
    keys = {surrogate_key(item_type)}
    for snapshot in snapshots:
        if not snapshot:
            continue
        if snapshot.get("slug"):
            keys.add(surrogate_key(item_type, snapshot["slug"]))
        for topic in snapshot.get("topics") or []:
            keys.add(surrogate_key("topic", topic["slug"]))
        series = snapshot.get("series")
        if isinstance(series, dict) and series.get("slug"):
            keys.add(surrogate_key("series", series["slug"]))
    if item_type == "hours exception":
        keys.add(surrogate_key("studio"))
    return sorted(keys)


def _live_key(item_type: str, item_id: int, published_at: datetime | str) -> str:
    """The dedupe key of one publication's going-live (its time to the second, as snapshots hold it)."""
    if isinstance(published_at, str):
        published_at = datetime.fromisoformat(published_at.replace("Z", "+00:00"))
    return f"{item_type}:{item_id}:live:{published_at.astimezone(UTC).isoformat(timespec='seconds')}"


def _announced_before(session: Session, item_type: str, item_id: int, before: dict[str, Any]) -> str:
    """What readers last heard of the item: its status at its last write, or `published` when it was
    scheduled then and its going-live has been announced since."""
    status: str = before["status"]
    if status == "scheduled" and before.get("published_at"):
        key = _live_key(item_type, item_id, before["published_at"])
        with session.no_autoflush:
            if session.scalar(select(Event.sequence).where(Event.dedupe_key == key)) is not None:
                return "published"
    return status


def _public_change(before: str | None, after: str | None) -> str | None:
    was_public, is_public = before == "published", after == "published"
    if is_public:
        return "updated" if was_public else "created"
    if was_public:
        return "deleted" if after in ("deleted", None) else "unpublished"
    return None


def _item_event_types(name: str, action: str, before: str | None, after: str | None) -> list[str]:
    """The events one revision of a publishable item makes: what was done, then what it did to readers."""
    # A new item is created however it was made (a POST, the seed, an import).
    lifecycle = "created" if before is None else (action if action in ("deleted", "restored") else "updated")
    types = [f"{name}.{lifecycle}"]
    if after == "published" and before != "published":
        types.append(f"{name}.published")
    elif before == "published" and after in ("draft", "scheduled"):
        types.append(f"{name}.unpublished")
    if after == "scheduled":
        types.append(f"{name}.scheduled")
    return types


def _events_of(session: Session, revision: Revision, before: dict[str, Any] | None) -> list[Event]:
    after = revision.snapshot
    purge = cache_keys(revision.item_type, before, after)
    data = {
        "before": _state(before, revision.number - 1 if before else None),
        "after": _state(after, revision.number),
        "changed_fields": list(revision.changed_fields),
        "purge_keys": purge,
    }
    common = {"item_type": revision.item_type, "item_id": revision.item_id, "key_name": revision.key_name}
    if revision.item_type in SITE_EVENT_NAMES:
        name = SITE_EVENT_NAMES[revision.item_type]
        return [
            Event(
                type=f"{name}.updated",
                slug=None,
                change="updated",
                public_change="updated",
                in_feed=True,
                data=data,
                **common,
            )
        ]
    if revision.item_type == "media":
        return [_media_event(session, revision, before, data, common)]
    name = ITEM_EVENT_NAMES[revision.item_type]
    before_status = _announced_before(session, revision.item_type, revision.item_id, before) if before else None
    after_status = after.get("status")
    change = "created" if before is None else (revision.action if revision.action in CHANGES else "updated")
    public_change = _public_change(before_status, after_status)
    if before and before.get("slug") != after.get("slug"):
        data["previous_slug"] = before.get("slug")
    events = []
    for number, event_type in enumerate(_item_event_types(name, revision.action, before_status, after_status)):
        events.append(
            Event(
                type=event_type,
                slug=after.get("slug"),
                change=change,
                public_change=public_change,
                in_feed=number == 0,
                data=data,
                **common,
            )
        )
    if after_status == "published" and before_status == "scheduled" and before and before.get("published_at"):
        # Its going-live is announced by this change: the worker must not announce it again.
        events[-1].dedupe_key = _live_key(revision.item_type, revision.item_id, before["published_at"])
    return events


def _media_event(
    session: Session, revision: Revision, before: dict[str, Any] | None, data: dict[str, Any], common: dict[str, Any]
) -> Event:
    """An image's one event: created, updated, deleted or restored, as readers saw it too (an image has
    no drafts: what its revision did is what the public saw)."""
    from models.placements import places_of  # the placing models import this module's package

    what = "created" if before is None else (revision.action if revision.action in MEDIA_EVENTS else "updated")
    public = {"restored": "created"}.get(what, what)
    # What readers see of the image changes where content places it: those items and their lists too.
    keys = set(data["purge_keys"])
    with session.no_autoflush:
        for item_type, slug in places_of(revision.item_id):
            keys |= {surrogate_key(item_type), surrogate_key(item_type, slug) if slug else surrogate_key(item_type)}
    data["purge_keys"] = sorted(keys)
    slug = revision.snapshot.get("slug")
    return Event(type=f"media.{what}", slug=slug, change=what, public_change=public, in_feed=True, data=data, **common)


def _keep_commit_order(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _EVENT_ORDER_LOCK})


def add_events(session: Session, events: list[Event]) -> None:
    """Add events to the session's transaction, in commit order, with their webhook deliveries."""
    if not events:
        return
    _keep_commit_order(session)
    session.add_all(events)
    fan_out(session, events)
    session.info.setdefault(NEW_EVENTS_INFO, []).extend(events)


@event.listens_for(Session, "before_flush")
def _record_events(session: Session, _context: object, _instances: object) -> None:
    if session.info.get(LOGGED_ELSEWHERE_INFO):
        return  # an import copies revisions made long ago: they happened then, not now
    events: list[Event] = []
    for revision in [obj for obj in session.new if isinstance(obj, Revision)]:
        if (
            revision.item_type in ITEM_EVENT_NAMES
            or revision.item_type in SITE_EVENT_NAMES
            or revision.item_type == "media"
        ):
            events.extend(_events_of(session, revision, getattr(revision, "previous_snapshot", None)))
    add_events(session, events)


def _due_publications(session: Session, now: datetime) -> Iterable[tuple[str, Any]]:
    """Items whose publication time has come since their last write: (item type, item)."""
    from models.content import Article, Series, Topic  # the content models import this module's package

    for item_type, model in (("article", Article), ("topic", Topic), ("series", Series)):
        due = select(model).where(
            model.public(now), model.published_at > model.updated_at, model.published_at > now - ANNOUNCE_LOOKBACK
        )
        for item in session.scalars(due):
            yield item_type, item


def announce_due_publications(session: Session) -> int:
    """Record the `published` event of every scheduled item whose time has come and that nobody announced
    yet; commit; return how many. Safe to call from any number of processes at once."""
    from models.revisions import latest_revision

    now = utcnow()
    due = list(_due_publications(session, now))
    if not due:
        return 0
    announced = 0
    _keep_commit_order(session)
    for item_type, item in due:
        item_id = primary_key(item)
        key = _live_key(item_type, item_id, item.published_at)
        if session.scalar(select(Event.sequence).where(Event.dedupe_key == key)) is not None:
            continue
        latest = latest_revision(item_type, item_id)
        snapshot = latest.snapshot if latest else {"slug": item.slug, "status": "scheduled"}
        after = {**snapshot, "status": "published"}
        name = ITEM_EVENT_NAMES[item_type]
        live = Event(
            type=f"{name}.published",
            item_type=item_type,
            item_id=item_id,
            slug=item.slug,
            key_name=None,
            in_feed=True,
            change="updated",
            public_change="created",
            dedupe_key=key,
            data={
                "before": _state(snapshot, latest.number if latest else None),
                "after": _state(after, latest.number if latest else None),
                "changed_fields": ["status"],
                "purge_keys": cache_keys(item_type, snapshot),
            },
        )
        add_events(session, [live])
        announced += 1
    try:
        session.commit()
    except IntegrityError:
        # Another process announced the same publication meanwhile (SQLite: both read before either wrote).
        session.rollback()
        return 0
    return announced
