"""API keys: made and revoked from the command line, stored only as a digest.

A key is `cps_`, 40 random letters and digits (238 bits), and 6 more that are
a CRC32 checksum of those 40 (as GitHub's tokens carry): a secret scanner that
knows the pattern `cps_[A-Za-z0-9]{46}` can tell a leaked key from random text,
and the server refuses a mistyped one without a database lookup. Keys made
before the checksum (`cps_` and 43 URL-safe characters) keep working. Only the
SHA-256 digest is stored: the key is shown once, when it is made. The digest of
a random token can be looked up directly (no salt is needed: it cannot be
guessed), and the final comparison is constant-time.
"""

import hashlib
import hmac
import secrets
import string
import zlib
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import Index, String, select, text
from sqlalchemy.orm import Mapped, mapped_column

from models import Model, db
from models.audit import record_audit
from models.types import UTCDateTime, utcnow

KEY_PREFIX = "cps_"
ROLES = ("viewer", "editor", "admin")
# What each role may do: a viewer reads what key holders read (drafts, scheduled items: a preview server
# or a build), an editor also writes articles and topics, an admin may do everything.
ROLE_RANK = {"viewer": 0, "editor": 1, "admin": 2}
_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_RANDOM_LENGTH, _CHECKSUM_LENGTH = 40, 6


class ApiKey(Model):
    __tablename__ = "api_keys"
    # A name belongs to one active key at a time; a revoked key's name may be given to a new key.
    __table_args__ = (
        Index(
            "ix_api_keys_active_name",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    key_id: Mapped[int] = mapped_column("id", primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # A key past its expiry stops working, as if revoked.
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # After `rotate`, the key it replaced keeps working until previous_valid_until (a grace period for
    # the scripts that still use it).
    previous_digest: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    previous_valid_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    def allows(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _checksum(random_part: str) -> str:
    """The CRC32 of the random part, as 6 base-62 characters."""
    value, digits = zlib.crc32(random_part.encode("ascii")), []
    for _ in range(_CHECKSUM_LENGTH):
        value, digit = divmod(value, 62)
        digits.append(_BASE62[digit])
    return "".join(reversed(digits))


def has_valid_checksum(token: str) -> bool:
    """Whether a token of the checksummed form carries the right checksum (older keys have none)."""
    body = token.removeprefix(KEY_PREFIX)
    if len(body) != _RANDOM_LENGTH + _CHECKSUM_LENGTH or not body.isascii() or not body.isalnum():
        return True  # not of the checksummed form: a key made before it, looked up as such
    return hmac.compare_digest(_checksum(body[:_RANDOM_LENGTH]), body[_RANDOM_LENGTH:])


# How the audit log names a key's changes.
KEY_ITEM_TYPE = "api key"


def _new_token() -> str:
    random_part = "".join(secrets.choice(_BASE62) for _ in range(_RANDOM_LENGTH))
    return KEY_PREFIX + random_part + _checksum(random_part)


def create_key(name: str, role: str, expires_at: Optional[datetime] = None) -> str:
    """Make and store a key; return the key itself, which is never stored."""
    token = _new_token()
    db.session.add(ApiKey(name=name, role=role, digest=_digest(token), expires_at=expires_at))
    changed = ["name", "role"] + (["expires_at"] if expires_at else [])
    record_audit(f"created ({role})", KEY_ITEM_TYPE, name, None, changed)
    db.session.commit()
    return token


def rotate_key(name: str, grace: timedelta) -> Optional[str]:
    """Give the active key called `name` a new secret; the old one keeps working for `grace`. Returns the
    new key, or None when no active key has that name."""
    key = active_key_named(name)
    if key is None:
        return None
    token = _new_token()
    key.previous_digest, key.previous_valid_until = key.digest, utcnow() + grace
    key.digest = _digest(token)
    record_audit("rotated", KEY_ITEM_TYPE, name, None, ["digest", "previous_valid_until"])
    db.session.commit()
    return token


def find_active_key(token: str) -> Optional[ApiKey]:
    """The unrevoked, unexpired key this token is (or was, within a rotation's grace period), or None."""
    if not token.startswith(KEY_PREFIX) or not has_valid_checksum(token):
        return None
    digest, now = _digest(token), utcnow()
    key = db.session.scalar(select(ApiKey).where(ApiKey.digest == digest))
    if key is None or not hmac.compare_digest(key.digest, digest):
        key = _replaced_key(digest, now)
    if key is None or key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    return key


def _replaced_key(digest: str, now: datetime) -> Optional[ApiKey]:
    """The key whose rotation replaced the token with this digest, while its grace period lasts."""
    key = db.session.scalar(select(ApiKey).where(ApiKey.previous_digest == digest))
    if key is None or key.previous_digest is None or not hmac.compare_digest(key.previous_digest, digest):
        return None
    if key.previous_valid_until is None or key.previous_valid_until <= now:
        return None
    return key


def active_key_named(name: str) -> Optional[ApiKey]:
    """The unrevoked key called `name` (revoked ones may share its name)."""
    key: Optional[ApiKey] = db.session.scalar(select(ApiKey).where(ApiKey.name == name, ApiKey.revoked_at.is_(None)))
    return key


def revoke_key(name: str) -> bool:
    key = active_key_named(name)
    if key is None:
        return False
    key.revoked_at = utcnow()
    record_audit("revoked", KEY_ITEM_TYPE, name, None, ["revoked_at"])
    db.session.commit()
    return True
