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

from functools import lru_cache

from flask import Blueprint, Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.constants import HeaderNames
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

_READ_METHODS = ("GET", "HEAD", "OPTIONS")
_BUDGETS_SCOPE = "budgets"
# The headers Flask-Limiter gives each answer (its default names, which the product keeps).
LIMIT_HEADERS = (HeaderNames.LIMIT.value, HeaderNames.REMAINING.value, HeaderNames.RESET.value)


def _caller() -> str:
    """Budgets follow the valid key a request carries (by its id: however the header is spelled, one key
    is one budget), else the client's address (behind trusted proxies, the one they forwarded)."""
    key_id = g.get("api_key_id") if g.get("api_key") is not None else None
    return f"key:{key_id}" if key_id is not None else _address_caller(get_remote_address())


def _address_caller(address: str) -> str:
    return "addr:" + address


def _budget_key(budget: str | None, caller: str) -> str:
    return f"{budget}:{caller}"


def _view_budget() -> bool | str:
    """What the request's view says of its limits: True (the usual budgets), False (none), or "files"."""
    view = current_app.view_functions.get(request.endpoint or "")
    budget: bool | str = getattr(getattr(view, "view_class", None), "rate_limited", True)
    return budget


def _budget() -> str | None:
    """The setting naming the budget the request spends (once per request): none for a health check, and
    none for a request with a bad key, which only the failed-authentication budget counts."""
    if "rate_budget" not in g:
        view_budget = _view_budget()
        if view_budget is False or g.get("authentication_failed", False):
            g.rate_budget = None
        elif view_budget == "files":
            g.rate_budget = "RATE_LIMIT_FILE_READS"
        elif request.method not in _READ_METHODS:
            g.rate_budget = "RATE_LIMIT_WRITES"
        else:
            g.rate_budget = "RATE_LIMIT_KEY_READS" if g.get("api_key") is not None else "RATE_LIMIT_READS"
    budget: str | None = g.rate_budget
    return budget


def init_limiter(app: Flask, blueprint: Blueprint) -> Limiter:
    """Give the app its own limiter (its storage and prefix are the app's) with its budgets. The caller
    is known by then (`auth.identify_caller` runs first), so each request is counted against its own.

    The four budgets are one limit whose value and key follow the request (each budget counts under its
    own key): Flask-Limiter's work grows with the limits it checks, and with one limit for them a cache
    hit spends about 0.30 ms on limits instead of 0.37 ms (in-process, SQLite)."""
    limiter = Limiter(key_func=get_remote_address)
    limiter.shared_limit(
        lambda: current_app.config[_budget() or "RATE_LIMIT_READS"],
        scope=_BUDGETS_SCOPE,
        key_func=lambda: _budget_key(_budget(), _caller()),
        exempt_when=lambda: _budget() is None,
    )(blueprint)
    # Only requests with a bad key count here, and only they are refused when it is spent: an attacker
    # guessing keys from an address (or from behind the same proxy) never locks out a valid key or a reader.
    limiter.shared_limit(
        lambda: current_app.config["RATE_LIMIT_FAILED_AUTH"],
        scope="failed-authentications",
        exempt_when=lambda: _view_budget() is False or not g.get("authentication_failed", False),
    )(blueprint)
    limiter.init_app(app)
    app.extensions["rate_limiter"] = limiter
    return limiter


def current_budget() -> str | None:
    """The budget this request spent (see `_budget`), for an answer replayed later to spend the same."""
    return _budget()


@lru_cache(maxsize=64)
def _parsed_limits(setting: str) -> list[RateLimitItem]:
    return parse_many(setting)


def spend_anonymous_read(app: Flask, budget: str | None, address: str | None) -> list[tuple[str, str]] | None:
    """Spend one anonymous read of `budget` from `address` outside Flask, as the limiter would within it
    (the same counter: one budget however a read is answered), for `api.web.replayed_reads`. Its
    rate-limit headers, or None when the limiter itself must answer: the budget is spent (its 429), or its
    store failed or is being stood in for (its fallback, and its checks of when the store is back)."""
    limiter: Limiter = app.extensions["rate_limiter"]
    if budget is None or not limiter.enabled:
        return []
    limits = _parsed_limits(app.config[budget])
    if len(limits) != 1 or getattr(limiter, "_storage_dead", False):
        return None
    prefix = app.config.get("RATELIMIT_KEY_PREFIX", "")
    arguments = [_budget_key(budget, _address_caller(address or "127.0.0.1")), _BUDGETS_SCOPE]
    arguments = [prefix, *arguments] if prefix else arguments
    try:
        strategy = limiter.limiter
        if not strategy.hit(limits[0], *arguments):
            return None
        reset_at, remaining = strategy.get_window_stats(limits[0], *arguments)
    except Exception:  # the store is down: the limiter falls back to its own memory, and says so
        return None
    return list(zip(LIMIT_HEADERS, (str(limits[0].amount), str(remaining), str(int(reset_at + 1))), strict=True))


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
