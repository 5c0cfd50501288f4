"""Public reads answered before Flask: what Flask sent for the same request, replayed.

A cache hit through Flask still builds a request context, dispatches through Flask-RESTX and runs
every hook (CORS, the limiter, security headers, ETag, compression) to make the same bytes again: a
cached article (12 KB, SQLite) took 470 µs in-process that way, and takes 73 µs replayed (a raw WSGI
call, 5 runs of 1,000; with `Accept-Encoding: gzip, deflate, br` 613 µs and 114 µs).
So when Flask answers a public read that `cached_read` serves (a 200, or a 304 to a revalidation),
`finish_response` offers it here, and what it sent (status, headers, body, compressed as it was) is
kept under the request's exact terms: its method, scheme, host, path and query, the headers an
answer follows (Accept, Accept-Encoding, Origin, If-None-Match, If-Modified-Since) and the content
version it was made under. The next request with the same terms is answered from it, in this order:
the content version read (as every public read reads it, so a write through any process or instance
is seen by the next request everywhere, and an answer made under an older version is never sent),
the read spent from the caller's rate-limit budget (the limiter's own counter), its own request id
and its access line. Nothing else runs, and nothing else differs: a test asks both ways and compares.

Anything else goes to Flask as before: writes, a key holder's read, a Range or If-Match, a read whose
budget is spent (the limiter answers the 429), an unreadable version (the 503 is Flask's). A read
that goes to Flask takes the version read here along (`VERSION_READ_BEFORE`): one statement a read.
A plain GET of an article or of the article list that nothing replays yet is answered from what is
stored (`api.web.stored_answers`), before Flask too, with the cache on or off (and kept for replay
when it is on).

Kept answers live in the response cache itself, under keys of their own, within its one bound
(RESPONSE_CACHE_MAX_BYTES): with a second map of as many bytes, the two kept different answers (a
replayed hit never touches the response cache's entry, which aged out while the replay's stayed), and
a worker grew from about 150 MB to 180 MB in the benchmark.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy import Engine

from api.caching.content_version import VERSION_READ_BEFORE
from api.caching.response_cache import CachedResponse, ResponseCache
from api.web.access_log import write_access_line
from api.web.limits import LIMIT_HEADERS, spend_anonymous_read
from api.web.requests import request_id_from
from api.web.stored_answers import Shapes, keep_shape, route_of, stored_answer
from models import db
from models.content_state import ContentVersion, content_version

# Where `finish_response` leaves what a replay of its answer needs.
OFFERED = "api.replayable"
# The first part of a replayed answer's key in the response cache (whose own keys start with a version number).
REPLAYED = "replayed"
# Request headers an answer of a cached read follows: each is part of the terms it is kept under.
_FOLLOWED = ("HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_ORIGIN", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
# Requests only Flask answers: a key holder's, and conditions on a write or a part of a body.
_FLASK_ONLY = ("HTTP_AUTHORIZATION", "HTTP_RANGE", "HTTP_IF_RANGE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")
# Headers made for each request, never replayed (the server sends its own Date).
_PER_REQUEST = {"x-request-id", "retry-after", "date", *(name.lower() for name in LIMIT_HEADERS)}

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class Offer:
    """What Flask knew of an answer that a replay needs: the version it was made under, until when it
    holds, the budget it spent and what its access line said of its size."""

    version: tuple[Any, ...] | None  # None: the response cache is off
    expires_at: datetime | None
    budget: str | None
    logged_bytes: int | None
    stored_root: str | None = None  # made from stored parts (`api.web.stored_answers`), with this root URL


@dataclass(frozen=True)
class ReplayedAnswer(CachedResponse):
    status: str = "200 OK"
    budget: str | None = None
    logged_bytes: int | None = None


def offer_for_replay(response: Response, budget: str | None) -> None:
    """Offer the answer of a read `cached_read` served (called last in `finish_response`)."""
    version, stored_root = g.get("replay_version"), g.get("stored_answer_root")
    if (version is None and stored_root is None) or response.status_code not in (200, 304):
        return
    if response.direct_passthrough:
        return
    expires_at = g.get("response_cache_expires_at")
    request.environ[OFFERED] = Offer(version, expires_at, budget, response.calculate_content_length(), stored_root)


def _terms(environ: dict[str, Any]) -> tuple[Any, ...] | None:
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or any(name in environ for name in _FLASK_ONLY):
        return None
    return (
        environ["REQUEST_METHOD"],
        environ["wsgi.url_scheme"],
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        *(environ.get(name) for name in _FOLLOWED),
    )


class ReplayedReads:
    """WSGI middleware, innermost (inside ProxyFix and the host check): replays kept answers, keeps offered ones."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]):
        self.app = app
        self.wsgi_app = wsgi_app
        self._engine: Engine | None = None
        self.shapes = Shapes()

    def engine(self) -> Engine:
        if self._engine is None:
            with self.app.app_context():
                self._engine = db.engine
        return self._engine

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answers: ResponseCache | None = self.app.extensions.get("response_cache")
        terms = _terms(environ)
        if terms is None or (answers is None and route_of(terms) is None):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        try:
            version = content_version(self.engine())
        except Exception:  # the database is down: Flask reads it again, and answers the 503
            return self.wsgi_app(environ, start_response)
        environ[VERSION_READ_BEFORE] = version
        made_under = (version.version, version.latest_publication)
        answer = answers.get((REPLAYED, made_under, terms)) if answers is not None else None
        if answer is None:
            answer = self._stored_answer(terms, version)
            if answer is not None and answers is not None:
                answers.put((REPLAYED, made_under, terms), answer)
        if isinstance(answer, ReplayedAnswer):
            limit_headers = spend_anonymous_read(self.app, answer.budget, environ.get("REMOTE_ADDR"))
            if limit_headers is not None:
                return self._replay(answer, limit_headers, environ, start_response, started)
        return self._through_flask(answers, terms, environ, start_response)

    def _stored_answer(self, terms: tuple[Any, ...], version: ContentVersion) -> ReplayedAnswer | None:
        try:
            stored = stored_answer(self.app, self.engine(), self.shapes, terms, version)
        except Exception:  # the database failed between two statements: Flask tries, and answers the 503
            return None
        if stored is None:
            return None
        return ReplayedAnswer(stored.body, stored.headers, None, "200 OK", stored.budget, len(stored.body))

    def _replay(
        self,
        answer: ReplayedAnswer,
        limit_headers: list[tuple[str, str]],
        environ: dict[str, Any],
        start_response: StartResponse,
        started: float,
    ) -> Iterable[bytes]:
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response(answer.status, [*answer.headers, ("X-Request-ID", request_id), *limit_headers])
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        write_access_line(
            {  # as `access_log.log_request` writes it
                "request_id": request_id,
                "method": environ["REQUEST_METHOD"],
                "path": "/" + path.lstrip("/"),
                "query": environ.get("QUERY_STRING", ""),
                "status": int(answer.status[:3]),
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "bytes": answer.logged_bytes,
                "remote_addr": environ.get("REMOTE_ADDR"),
                "api_key": None,
                "user_agent": environ.get("HTTP_USER_AGENT", ""),
            }
        )
        return [answer.body]

    def _through_flask(
        self,
        answers: ResponseCache | None,
        terms: tuple[Any, ...],
        environ: dict[str, Any],
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        sent: list[Any] = []

        def noting_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        body = self.wsgi_app(environ, noting_start_response)
        offer: Offer | None = environ.get(OFFERED)
        if offer is None or not sent:
            return body
        try:
            whole = b"".join(body)  # an offered answer is bytes in memory already
        finally:
            if hasattr(body, "close"):
                body.close()
        status, headers = sent
        kept = tuple((name, value) for name, value in headers if name.lower() not in _PER_REQUEST)
        if answers is not None and offer.version is not None:
            answer = ReplayedAnswer(whole, kept, offer.expires_at, status, offer.budget, offer.logged_bytes)
            answers.put((REPLAYED, offer.version, terms), answer)
        if offer.stored_root is not None and status.startswith("200") and offer.expires_at is None:
            keep_shape(self.shapes, terms, offer.stored_root, offer.budget, kept)
        return [whole]
