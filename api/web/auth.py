"""Who is asking: API keys sent as `Authorization: Bearer <key>`, and the roles they carry.

`require_role` is called first thing in every write, before the body is read,
so a caller without a valid key learns nothing about what its body would do.
"""

from datetime import timedelta

from flask import g, request
from sqlalchemy.exc import DBAPIError

from api.web.errors import ProblemError, database_unavailable
from models import db
from models.audit import REQUEST_ID_INFO
from models.auth import ApiKey, find_active_key
from models.types import utcnow

_CHALLENGE = 'Bearer realm="content-api"'


# last_used_at is written at most this often per key: a key holder's reads do not each write, and still
# work when the database is read-only.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def identify_caller() -> None:
    """Before anything else looks at the request (the limiter, the cache, a view): which valid key it
    carries, if any. A header that names no valid key (missing scheme, unknown, revoked) marks the
    request as a failed authentication, answered 401 once the failed-authentication limit has counted it."""
    g.api_key = None
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _, token = header.strip().partition(" ")
    key = find_active_key(token.strip()) if scheme.lower() == "bearer" else None
    if key is None:
        g.authentication_failed = True
        return
    g.api_key, g.api_key_name, g.api_key_id = key, key.name, key.key_id
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
        try:
            db.session.commit()
        except DBAPIError as error:  # a read-only or busy database: noting the use fails, reading still works
            if not database_unavailable(error):
                raise
            db.session.rollback()


def refuse_failed_authentication() -> None:
    """A request whose Authorization names no valid key is a 401, whatever it asks for."""
    if g.get("authentication_failed"):
        raise ProblemError(
            401,
            "The API key is missing, malformed, unknown or revoked.",
            headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'},
        )


def current_key() -> ApiKey | None:
    """The valid key the request carries, or None when it carries none (see identify_caller)."""
    if "api_key" not in g:
        identify_caller()
        refuse_failed_authentication()
    known: ApiKey | None = g.api_key
    return known


def require_role(role: str) -> ApiKey:
    """The request's key, which must allow `role`: 401 without a valid key, 403 when too weak."""
    key = current_key()
    if key is None:
        raise ProblemError(
            401, "This needs an API key: send Authorization: Bearer <key>.", headers={"WWW-Authenticate": _CHALLENGE}
        )
    if not key.allows(role):
        raise ProblemError(403, f"This needs the {role} role; the key '{key.name}' has the role {key.role}.")
    # Every write passes here: the audit log's entries for what it changes name this request.
    db.session.info[REQUEST_ID_INFO] = g.get("request_id")
    return key


def key_name() -> str | None:
    """The name of the key the request carries, if any (kept apart from the ORM object, see above)."""
    name: str | None = g.get("api_key_name")
    return name
