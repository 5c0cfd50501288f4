"""Preview links: a token that lets whoever holds it read one draft or scheduled item, for a while.

An editor makes one for an item; the token is shown once and only its SHA-256
digest is stored (as with API keys), so the database never holds a usable
token. It works until it expires or is revoked, for that item only.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from models import Model, db
from models.types import UTCDateTime, utcnow

TOKEN_PREFIX = "prv_"
DEFAULT_LIFETIME = timedelta(hours=24)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PreviewLink(Model):
    __tablename__ = "preview_links"
    __table_args__ = (Index("ix_preview_links_item", "item_type", "item_id"),)

    link_id: Mapped[int] = mapped_column("id", primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    item_type: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int]
    created_by: Mapped[Optional[str]] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > utcnow()


def create_preview_link(
    item_type: str, item_id: int, lifetime: timedelta, key_name: str | None
) -> tuple[PreviewLink, str]:
    """A new link (added to the session) and its token, which exists only in this answer."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    link = PreviewLink(
        digest=_digest(token), item_type=item_type, item_id=item_id, created_by=key_name, expires_at=utcnow() + lifetime
    )
    db.session.add(link)
    return link, token


def active_link(token: str) -> PreviewLink | None:
    """The link a token opens: None when unknown, expired or revoked."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    link = db.session.scalar(select(PreviewLink).where(PreviewLink.digest == _digest(token)))
    return link if link is not None and link.active else None
