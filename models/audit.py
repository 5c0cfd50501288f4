"""The audit log: every change to the site's content and its keys, whoever made it and however.

Revisions are each item's own history (what it was after each change, to
restore); the audit log is the whole site's, in one list: who (the key's
name), when, what (the kind of item, which one, the action and the fields it
changed) and from which request. Every revision written adds its entry here
as it is flushed (`_log_revisions`), so no write path can forget it; what
leaves no revision (a purge, a key made or revoked on the command line) is
logged with `record_audit`. The web layer names the request in
`db.session.info` (REQUEST_ID_INFO); changes made outside a request (the
command line, the seed) have none.
"""

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import Model, db
from models.revisions import Revision
from models.types import UTCDateTime, utcnow

# Where the web layer puts the request's id for the entries its writes make.
REQUEST_ID_INFO = "request_id"
# Set by a writer that logs its changes itself (an import copies revisions made long ago, which must not
# be logged as if made now).
LOGGED_ELSEWHERE_INFO = "revisions_logged_elsewhere"


class AuditEntry(Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at", "id"),
        Index("ix_audit_log_item", "item_type", "item", "at"),
        Index("ix_audit_log_key", "key_name", "at"),
    )

    entry_id: Mapped[int] = mapped_column("id", primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    key_name: Mapped[Optional[str]] = mapped_column(String(80))
    request_id: Mapped[Optional[str]] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(80))
    item_type: Mapped[str] = mapped_column(String(32))
    # The item as people name it: its slug, an exception's first day, a key's name; the type for the studio.
    item: Mapped[str] = mapped_column(String(120))
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The item's revision this change made, when it made one.
    revision_number: Mapped[Optional[int]]

    @property
    def via(self) -> str:
        return "api" if self.request_id else "command line"


def item_label(item_type: str, snapshot: dict[str, Any]) -> str:
    """How the audit log names an item from its snapshot."""
    label = snapshot.get("slug") or snapshot.get("starts_on") or item_type
    return str(label)[:120]


def record_audit(
    action: str,
    item_type: str,
    item: str,
    key_name: Optional[str],
    changed_fields: Optional[list[str]] = None,
) -> AuditEntry:
    """Log one change that leaves no revision, made in the request's session (and so committed, or rolled
    back, with it)."""
    session: Session = db.session()
    return _log(session, action, item_type, item, key_name, changed_fields)


def _log(
    session: Session,
    action: str,
    item_type: str,
    item: str,
    key_name: Optional[str],
    changed_fields: Optional[list[str]] = None,
    revision_number: Optional[int] = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=utcnow(),
        key_name=key_name,
        request_id=session.info.get(REQUEST_ID_INFO),
        action=action,
        item_type=item_type,
        item=item,
        changed_fields=list(changed_fields or []),
        revision_number=revision_number,
    )
    session.add(entry)
    return entry


@event.listens_for(Session, "before_flush")
def _log_revisions(session: Session, _context: object, _instances: object) -> None:
    if session.info.get(LOGGED_ELSEWHERE_INFO):
        return
    for revision in [obj for obj in session.new if isinstance(obj, Revision)]:
        _log(
            session,
            revision.action,
            revision.item_type,
            item_label(revision.item_type, revision.snapshot),
            revision.key_name,
            revision.changed_fields,
            revision.number,
        )
