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
holds at most RESPONSE_CACHE_MAX_BYTES of bodies (0 turns the cache off),
least recently used first out.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from flask import Response, current_app, g, request

from models.content_state import ContentVersion, content_version
from models.types import utcnow

# What an answer carries that belongs to its content; the rest (request id, CORS, limits) is per request.
KEPT_HEADERS = ("Content-Type", "ETag", "Last-Modified", "Link")
MAX_TOTALS = 4096
# What changes a list's page but not its total.
_NOT_FILTERS = ("page", "per_page", "sort", "fields", "include")


@dataclass(frozen=True)
class CachedResponse:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    expires_at: datetime | None

    def response(self) -> Response:
        return Response(self.body, status=200, headers=list(self.headers))


class ResponseCache:
    """A least-recently-used map bounded by the bytes of the bodies it holds."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, CachedResponse] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # for threaded servers; gunicorn's sync workers have one thread
        self._totals: dict[tuple, int] = {}

    def get(self, key: tuple) -> CachedResponse | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.expires_at is not None and entry.expires_at <= utcnow():
                self._remove(key)
                entry = None
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: CachedResponse) -> None:
        size = len(entry.body)
        if size > self.max_bytes // 8:  # one huge answer must not empty the cache
            return
        with self._lock:
            if key in self._entries:
                self._remove(key)
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._remove(next(iter(self._entries)))

    def total(self, key: tuple, count) -> int:
        """A list's total under a content version: counted once, not once per page."""
        with self._lock:
            known = self._totals.get(key)
        if known is None:
            known = count()
            with self._lock:
                if len(self._totals) >= MAX_TOTALS:
                    self._totals.clear()
                self._totals[key] = known
        return known

    def _remove(self, key: tuple) -> None:
        self._bytes -= len(self._entries.pop(key).body)

    def __len__(self) -> int:
        return len(self._entries)


def init_response_cache(app) -> None:
    max_bytes = int(app.config["RESPONSE_CACHE_MAX_BYTES"])
    app.extensions["response_cache"] = ResponseCache(max_bytes) if max_bytes > 0 else None


def _cache() -> ResponseCache | None:
    if request.method not in ("GET", "HEAD") or "Authorization" in request.headers:
        return None
    return current_app.extensions.get("response_cache")


def current_content_version() -> ContentVersion:
    """The content version a read answers from: read once per read, whatever asks for it (the cache,
    Last-Modified, a feed's updated time). A write reads it afresh, since it moves it."""
    if request.method not in ("GET", "HEAD"):
        return content_version()
    if "content_version" not in g:
        g.content_version = content_version()
    return g.content_version


def cached_read(view):
    """Serve a public GET from the cache when the content has not changed since it was kept."""

    @wraps(view)
    def read(*args, **kwargs):
        cache = _cache()
        if cache is None:
            return view(*args, **kwargs)
        version = current_content_version()
        # Answers hold absolute links built from the request's own scheme and host.
        key = (version.version, version.latest_publication, request.root_url, request.path, request.query_string)
        entry = cache.get(key)
        if entry is not None:
            return entry.response()
        g.response_cache_key = key
        return view(*args, **kwargs)

    return read


def expire_cached_response_at(moment: datetime | None) -> None:
    """Say that this answer depends on the clock and holds until `moment`."""
    g.response_cache_expires_at = moment


def keep_response(response) -> None:
    """Keep a fresh public answer (called before compression and before 304s, on the plain body)."""
    key = g.pop("response_cache_key", None)
    if key is None or response.status_code != 200 or request.method != "GET" or response.direct_passthrough:
        return
    cache = current_app.extensions.get("response_cache")
    headers = tuple((name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers)
    cache.put(key, CachedResponse(response.get_data(), headers, g.get("response_cache_expires_at")))


def remembered_total(count) -> int:
    """The total of the public list this request asks for, counted once per content version and
    filters (a 100,000-article total costs ~5 ms on SQLite): paging through a list counts it once."""
    cache = _cache()
    if cache is None:
        return count()
    version = current_content_version()
    filters = tuple(sorted((name, value) for name, value in request.args.items() if name not in _NOT_FILTERS))
    return cache.total((version.version, version.latest_publication, request.path, filters), count)
