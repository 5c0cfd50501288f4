"""Rate limits (Flask-Limiter): budgets for anonymous reads, key holders' reads, writes and bad keys.

Counters live in memory by default and in Redis when REDIS_URL is set, so that
limits hold across processes and machines. Budgets are configuration
(`RATE_LIMIT_READS` per address, `RATE_LIMIT_KEY_READS` and `RATE_LIMIT_WRITES`
per key, `RATE_LIMIT_FAILED_AUTH` per address for bad keys only, and
`RATE_LIMIT_FILE_READS` per caller for media files, whose views say
`rate_limited = "files"`: one page shows many), and `RATELIMIT_ENABLED=false`
turns them all off. Health checks are never limited (their views say
`rate_limited = False`): a load balancer must always be able to ask.
"""

from collections.abc import Callable

from flask import Blueprint, Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

_READ_METHODS = ("GET", "HEAD", "OPTIONS")


def _caller() -> str:
    """Budgets follow the valid key a request carries (by its id: however the header is spelled, one key
    is one budget), else the client's address (behind trusted proxies, the one they forwarded)."""
    key_id = g.get("api_key_id") if g.get("api_key") is not None else None
    return f"key:{key_id}" if key_id is not None else "addr:" + get_remote_address()


def _config(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _view_budget() -> bool | str:
    """What the request's view says of its limits: True (the usual budgets), False (none), or "files"."""
    view = current_app.view_functions.get(request.endpoint or "")
    budget: bool | str = getattr(getattr(view, "view_class", None), "rate_limited", True)
    return budget


def _health_check() -> bool:
    return _view_budget() is False


def _file_read() -> bool:
    return _view_budget() == "files"


def _with_key() -> bool:
    return g.get("api_key") is not None


def init_limiter(app: Flask, blueprint: Blueprint) -> Limiter:
    """Give the app its own limiter (its storage and prefix are the app's) with its budgets. The caller
    is known by then (`auth.identify_caller` runs first), so each request is counted against its own."""
    limiter = Limiter(key_func=get_remote_address)
    is_read = lambda: request.method in _READ_METHODS  # noqa: E731
    limiter.shared_limit(
        _config("RATE_LIMIT_READS"),
        scope="anonymous-reads",
        key_func=_caller,
        exempt_when=lambda: (
            _health_check() or _file_read() or not is_read() or _with_key() or g.get("authentication_failed", False)
        ),
    )(blueprint)
    limiter.shared_limit(
        _config("RATE_LIMIT_KEY_READS"),
        scope="key-reads",
        key_func=_caller,
        exempt_when=lambda: _health_check() or _file_read() or not is_read() or not _with_key(),
    )(blueprint)
    limiter.shared_limit(
        _config("RATE_LIMIT_FILE_READS"),
        scope="file-reads",
        key_func=_caller,
        exempt_when=lambda: not _file_read() or g.get("authentication_failed", False),
    )(blueprint)
    limiter.shared_limit(
        _config("RATE_LIMIT_WRITES"),
        scope="writes",
        key_func=_caller,
        exempt_when=lambda: is_read() or g.get("authentication_failed", False),
    )(blueprint)
    # Only requests with a bad key count here, and only they are refused when it is spent: an attacker
    # guessing keys from an address (or from behind the same proxy) never locks out a valid key or a reader.
    limiter.shared_limit(
        _config("RATE_LIMIT_FAILED_AUTH"),
        scope="failed-authentications",
        exempt_when=lambda: _health_check() or not g.get("authentication_failed", False),
    )(blueprint)
    limiter.init_app(app)
    app.extensions["rate_limiter"] = limiter
    return limiter


def shared_counters_state(app: Flask) -> str | None:
    """For readiness: "ok" when the shared counters' store (Redis) answers, "unavailable" when it does not
    (each process then counts in its own memory), None when there is none to share (memory://)."""
    if not app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        return None
    limiter: Limiter = app.extensions["rate_limiter"]
    try:
        return "ok" if limiter.storage.check() else "unavailable"
    except Exception:
        return "unavailable"
