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
from datetime import datetime
from typing import Optional

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from models import Model, db
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


def create_key(name: str, role: str) -> str:
    """Make and store a key; return the key itself, which is never stored."""
    random_part = "".join(secrets.choice(_BASE62) for _ in range(_RANDOM_LENGTH))
    token = KEY_PREFIX + random_part + _checksum(random_part)
    db.session.add(ApiKey(name=name, role=role, digest=_digest(token)))
    db.session.commit()
    return token


def find_active_key(token: str) -> Optional[ApiKey]:
    """The unrevoked key this token is, or None."""
    if not token.startswith(KEY_PREFIX) or not has_valid_checksum(token):
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
