"""Who is asking: API keys sent as `Authorization: Bearer <key>`, and the roles they carry.

`require_role` is called first thing in every write, before the body is read,
so a caller without a valid key learns nothing about what its body would do.
"""

from flask import g, request

from api.web.errors import ProblemError
from models import db
from models.auth import ApiKey, find_active_key
from models.types import utcnow

_CHALLENGE = 'Bearer realm="content-api"'


def current_key() -> ApiKey | None:
    """The valid key the request carries, or None when it carries none; a bad key is a 401."""
    if "api_key" in g:
        known: ApiKey | None = g.api_key
        return known
    header = request.headers.get("Authorization")
    key = None
    if header is not None:
        scheme, _, token = header.partition(" ")
        key = find_active_key(token.strip()) if scheme.lower() == "bearer" else None
        if key is None:
            raise ProblemError(
                401,
                "The API key is missing, malformed, unknown or revoked.",
                headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'},
            )
        key.last_used_at = utcnow()
        db.session.commit()
        g.api_key_name = key.name  # kept apart from the ORM object, which a failed write may expire
    g.api_key = key
    return key


def require_role(role: str) -> ApiKey:
    """The request's key, which must allow `role`: 401 without a valid key, 403 when too weak."""
    key = current_key()
    if key is None:
        raise ProblemError(
            401, "This needs an API key: send Authorization: Bearer <key>.", headers={"WWW-Authenticate": _CHALLENGE}
        )
    if not key.allows(role):
        raise ProblemError(403, f"This needs the {role} role; the key '{key.name}' is an {key.role}.")
    return key


def key_name() -> str | None:
    """The name of the key the request carries, if any (kept apart from the ORM object, see above)."""
    name: str | None = g.get("api_key_name")
    return name
