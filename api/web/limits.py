"""Rate limits (Flask-Limiter): separate budgets for anonymous reads, writes and failed authentications.

Counters live in memory by default and in Redis when REDIS_URL is set, so that
limits hold across processes and machines. Budgets are configuration
(`RATE_LIMIT_READS`, `RATE_LIMIT_WRITES`, `RATE_LIMIT_FAILED_AUTH`), and
`RATELIMIT_ENABLED=false` turns them all off. Health checks are never limited
(their views say `rate_limited = False`): a load balancer must always be able to ask.
"""

import hashlib
from collections.abc import Callable

from flask import Blueprint, Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

_READ_METHODS = ("GET", "HEAD", "OPTIONS")


def _caller() -> str:
    """Writes are counted per key (by a digest of it, never the key itself), else per address."""
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return "key:" + hashlib.sha256(authorization.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return "addr:" + get_remote_address()


def _config(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _health_check() -> bool:
    """Whether the request is for a view that declares itself unlimited (`rate_limited = False`)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(getattr(view, "view_class", None), "rate_limited", True)


def init_limiter(app: Flask, blueprint: Blueprint) -> Limiter:
    """Give the app its own limiter (its storage and prefix are the app's) with the three budgets."""
    limiter = Limiter(key_func=get_remote_address)
    limiter.shared_limit(
        _config("RATE_LIMIT_READS"),
        scope="anonymous-reads",
        exempt_when=lambda: (
            _health_check() or request.method not in _READ_METHODS or "Authorization" in request.headers
        ),
    )(blueprint)
    limiter.shared_limit(
        _config("RATE_LIMIT_WRITES"),
        scope="writes",
        key_func=_caller,
        exempt_when=lambda: request.method in _READ_METHODS,
    )(blueprint)
    limiter.shared_limit(
        _config("RATE_LIMIT_FAILED_AUTH"),
        scope="failed-authentications",
        exempt_when=_health_check,
        deduct_when=lambda response: response.status_code == 401,
    )(blueprint)
    limiter.init_app(app)
    return limiter
