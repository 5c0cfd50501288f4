"""API keys: made and revoked from the command line, stored only as a digest.

A key is `cps_` followed by 43 random URL-safe characters (256 bits). Only its
SHA-256 digest is stored: the key is shown once, when it is made. The digest
of a 256-bit random token can be looked up directly (no salt is needed: the
token cannot be guessed), and the final comparison is constant-time.
"""

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Optional

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from models import Model, db
from models.types import UTCDateTime, utcnow

KEY_PREFIX = "cps_"
ROLES = ("editor", "admin")
# What each role may do: an admin may do everything an editor may.
ROLE_RANK = {"editor": 1, "admin": 2}


class ApiKey(Model):
    __tablename__ = "api_keys"

    key_id: Mapped[int] = mapped_column("id", primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    def allows(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_key(name: str, role: str) -> str:
    """Make and store a key; return the key itself, which is never stored."""
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiKey(name=name, role=role, digest=_digest(token)))
    db.session.commit()
    return token


def find_active_key(token: str) -> Optional[ApiKey]:
    """The unrevoked key this token is, or None."""
    if not token.startswith(KEY_PREFIX):
        return None
    digest = _digest(token)
    key = db.session.scalar(select(ApiKey).where(ApiKey.digest == digest))
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.digest, digest):
        return None
    return key


def revoke_key(name: str) -> bool:
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        return False
    key.revoked_at = key.revoked_at or utcnow()
    db.session.commit()
    return True
