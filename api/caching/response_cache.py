"""Whole public read responses, kept per process and keyed by the content version.

Reads outnumber writes by far, and an unchanged article list is the same bytes
for every visitor. `@cached_read` answers a public GET from memory when the
content version (one row, bumped in the same transaction as every content write,
see `models.content_state`) is the one the answer was made under; otherwise the
view runs and its answer is kept. Each request still reads that version (one
small query, which Last-Modified needs anyway), so a write made through any
process or any instance is seen by the very next request everywhere: nothing
is invalidated, and nothing shared can go stale. An answer that also depends on
the clock (whether the studio is open) says until when it holds.

Key holders' reads (drafts, private fields) are never cached. Each process
holds at most RESPONSE_CACHE_MAX_BYTES of answers (bodies and headers; 0 turns the cache off),
least recently used first out: cachetools' TLRUCache, bounded by the bodies'
sizes, with each entry's own expiry.
"""

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from cachetools import TLRUCache
from flask import Flask, Response, current_app, g, request

from api.caching.content_version import current_content_version

# What an answer carries that belongs to its content; the rest (request id, CORS, limits) is per request.
KEPT_HEADERS = ("Content-Type", "ETag", "Last-Modified", "Link", "Surrogate-Key", "Cache-Tag")
# What an entry costs beside its body and headers (its key, its objects): an empty body (a 304) is not free.
ENTRY_OVERHEAD_BYTES = 512
# What each header costs beside its name and value (a tuple of two strings): 14 headers of a replayed
# article are some 2 KB, measured with tracemalloc, which a bound on bodies alone did not count.
HEADER_OVERHEAD_BYTES = 100

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class CachedResponse:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    expires_at: datetime | None

    def response(self) -> Response:
        return Response(self.body, status=200, headers=list(self.headers))


def entry_size(entry: CachedResponse) -> int:
    """What an entry counts against the cache's bound: its body, its headers and its own objects."""
    headers = sum(len(name) + len(value) + HEADER_OVERHEAD_BYTES for name, value in entry.headers)
    return len(entry.body) + headers + ENTRY_OVERHEAD_BYTES


def _expiry(_key: tuple[Any, ...], entry: CachedResponse, _now: float) -> float:
    return entry.expires_at.timestamp() if entry.expires_at is not None else math.inf


class ResponseCache:
    """A least-recently-used map bounded by the bytes of the bodies it holds; entries may expire."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: TLRUCache[tuple[Any, ...], CachedResponse] = TLRUCache(
            maxsize=max_bytes,
            ttu=_expiry,
            timer=time.time,
            getsizeof=entry_size,
        )
        self._lock = threading.Lock()  # for threaded servers; gunicorn's sync workers have one thread

    def get(self, key: tuple[Any, ...]) -> CachedResponse | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: tuple[Any, ...], entry: CachedResponse) -> None:
        if len(entry.body) > self.max_bytes // 8:  # one huge answer must not empty the cache
            return
        with self._lock:
            self._entries[key] = entry

    def __len__(self) -> int:
        with self._lock:
            self._entries.expire()
            return len(self._entries)


def init_response_cache(app: Flask) -> None:
    max_bytes = int(app.config["RESPONSE_CACHE_MAX_BYTES"])
    app.extensions["response_cache"] = ResponseCache(max_bytes) if max_bytes > 0 else None


def _cache() -> ResponseCache | None:
    if request.method not in ("GET", "HEAD") or "Authorization" in request.headers:
        return None
    cache: ResponseCache | None = current_app.extensions.get("response_cache")
    return cache


def cached_read(view: View) -> View:
    """Serve a public GET from the cache when the content has not changed since it was kept."""

    @wraps(view)
    def read(*args: Any, **kwargs: Any) -> Any:
        cache = _cache()
        if cache is None:
            return view(*args, **kwargs)
        version = current_content_version()
        # Answers hold absolute links built from the request's own scheme and host.
        made_under = (version.version, version.latest_publication)
        key = (*made_under, request.root_url, request.path, request.query_string)
        entry = cache.get(key)
        g.replay_version = made_under  # what `replayed_reads` keeps this answer under
        if entry is not None:
            g.response_cache_expires_at = entry.expires_at
            return entry.response()
        g.response_cache_key = key
        return view(*args, **kwargs)

    return read  # type: ignore[return-value]


def expire_cached_response_at(moment: datetime | None) -> None:
    """Say that this answer depends on the clock and holds until `moment`."""
    g.response_cache_expires_at = moment


def keep_response(response: Response) -> None:
    """Keep a fresh public answer (called before compression and before 304s, on the plain body)."""
    key = g.pop("response_cache_key", None)
    if key is None or response.status_code != 200 or request.method != "GET" or response.direct_passthrough:
        return
    cache: ResponseCache = current_app.extensions["response_cache"]
    headers = tuple((name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers)
    cache.put(key, CachedResponse(response.get_data(), headers, g.get("response_cache_expires_at")))
