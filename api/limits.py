"""Rate limits (Flask-Limiter): separate budgets for anonymous reads, writes and failed authentications.

Counters live in memory by default and in Redis when REDIS_URL is set, so that
limits hold across processes and machines. Budgets are configuration
(`RATE_LIMIT_READS`, `RATE_LIMIT_WRITES`, `RATE_LIMIT_FAILED_AUTH`), and
`RATELIMIT_ENABLED=false` turns them all off.
"""

import hashlib

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)

_READ_METHODS = ("GET", "HEAD", "OPTIONS")


def _caller() -> str:
    """Writes are counted per key (by a digest of it, never the key itself), else per address."""
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return "key:" + hashlib.sha256(authorization.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return "addr:" + get_remote_address()


def _config(name: str):
    return lambda: current_app.config[name]


def apply_budgets(blueprint) -> None:
    """Put the three budgets on every route of the API's blueprint."""
    limiter.shared_limit(
        _config("RATE_LIMIT_READS"),
        scope="anonymous-reads",
        exempt_when=lambda: request.method not in _READ_METHODS or "Authorization" in request.headers,
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
        deduct_when=lambda response: response.status_code == 401,
    )(blueprint)
