"""Writing a response: items and pages with their links, ETags and preconditions, and the headers
every answer carries (request id, security, caching), set by `finish_response`.
"""

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from flask import Response, g, request, url_for
from sqlalchemy import Select, func, select

from api.caching.compressed import note_body
from api.caching.content_version import content_headers
from api.caching.response_cache import keep_response
from api.web.access_log import log_request
from api.web.errors import ProblemError
from api.web.limits import current_budget
from api.web.paging import page_meta_and_links
from api.web.replayed_reads import offer_for_replay
from models import db

PUBLIC_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"
PRIVATE_CACHE_CONTROL = "private, no-store"
_ENCODING_SUFFIXES = (":br", ":gzip", ":deflate", ":zstd")
CACHEABLE_MEDIA_TYPES = ("application/json", "application/ld+json", "application/atom+xml", "application/xml")
DATABASE_RETRY_AFTER_SECONDS = 5
# What can make a read conditional; without any of them werkzeug's make_conditional has nothing to decide
# (it would only add a Date, which the server sends anyway) and skipping it saves ~40 µs of a cached hit.
_CONDITIONAL_HEADERS = ("If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "Range")

# A view's answer as Flask-RESTX takes it: a body, a status and headers.
ViewAnswer = tuple[Any, int, dict[str, str]]


def etag_of(body: Any) -> str:
    """The strong ETag of a JSON representation, the same however its keys were ordered."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return '"' + hashlib.blake2b(canonical.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest() + '"'


def check_if_match(current_body: Any) -> None:
    """Require If-Match on a write to an existing item: without it a 428, and a stale one is a 412; both
    carry the current ETag. (Read-modify-write without a precondition loses edits, silently.)"""
    if "If-Match" not in request.headers:
        raise ProblemError(
            428,
            "This write needs If-Match: the ETag you read the item with (GET it first), so that it cannot "
            "overwrite a change made since. `If-Match: *` overwrites whatever is there.",
            errors={"If-Match": ["Send the item's ETag."]},
            headers={"ETag": etag_of(current_body)},
        )
    current = etag_of(current_body)
    # A compressed response's ETag carries its encoding ("…:gzip"); it names the same representation.
    # (An empty tag, `If-Match: ""`, names nothing: Werkzeug parses it as None.)
    tags = [tag for tag in request.if_match.as_set() if tag]
    sent = {tag.rsplit(":", 1)[0] if tag.endswith(_ENCODING_SUFFIXES) else tag for tag in tags}
    if request.if_match.star_tag or current.strip('"') in sent:
        return
    raise ProblemError(
        412,
        "The item changed since you read it (If-Match is stale). Fetch it again, then retry.",
        headers={"ETag": current},
    )


def item_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> ViewAnswer:
    """An item answer `{"data": ...}` with the ETag of that representation and Last-Modified."""
    return {"data": body}, status, {"ETag": etag_of(body), **content_headers(), **(headers or {})}


def written_response(
    body: Any, warnings: list[str], status: int = 200, headers: dict[str, str] | None = None
) -> ViewAnswer:
    """A write's answer: the item as `item_response` gives it, with `meta.warnings` saying what the server
    took out of what was sent (the ETag is the item's, as its GET gives it)."""
    answer, status, all_headers = item_response(body, status, headers)
    return {**answer, "meta": {"warnings": warnings}}, status, all_headers


def tag_response(keys: Iterable[str]) -> None:
    """Name the CDN keys of what this read shows (the item, its list, the items it shows from others): sent
    as Surrogate-Key (Fastly, Varnish) and Cache-Tag (Cloudflare); a webhook names the keys a change made stale."""
    g.cache_keys = sorted(set(keys))


def not_found(detail: str) -> ProblemError:
    return ProblemError(404, detail)


def paginate(
    query: Select, page: int, per_page: int
) -> tuple[list[Any], dict[str, Any], dict[str, Any], dict[str, str]]:
    """Run one page of an ordered query: its items, `meta`, `links` and the `Link` header."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return (items, *page_links(page, per_page, total))


def page_links(page: int, per_page: int, total: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """A page's `meta`, its `links` (first, prev, next, last) and the same links as a `Link` header."""

    def page_url(number: int) -> str:
        other_args = {name: value for name, value in request.args.items() if name not in ("page", "per_page")}
        args = {"page": number, "per_page": per_page, **other_args}
        values: dict[str, Any] = {**(request.view_args or {}), **args}
        return url_for(request.endpoint or "", **values, _external=True)

    meta, links, link_header = page_meta_and_links(page, per_page, total, page_url)
    return meta, links, {"Link": link_header}


# Swagger UI's page runs its own inline start-up script and styles; everything else may run nothing.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def add_security_headers(response: Response) -> None:
    """Headers every answer carries: no MIME sniffing, no framing, no referrer, a content policy."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    html = response.mimetype == "text/html"
    response.headers.setdefault(
        "Content-Security-Policy", DOCS_CONTENT_SECURITY_POLICY if html else API_CONTENT_SECURITY_POLICY
    )


def finish_response(response: Response) -> Response:
    """Echo the request id; give successful reads an ETag, caching rules and 304s."""
    response.headers["X-Request-ID"] = g.get("request_id", "")
    add_security_headers(response)
    if response.status_code == 503:
        # The limiter stretches any Retry-After to its own window; a database outage says its own.
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    elif response.status_code != 429:
        response.headers.pop("Retry-After", None)  # the limiter adds it to every answer; it means "wait"
    if request.method in ("GET", "HEAD") and response.status_code == 200 and response.mimetype in CACHEABLE_MEDIA_TYPES:
        # A read that sent a key is private, whether or not the view asked who it is (a bad key is a 401).
        authenticated = g.get("api_key") is not None or "Authorization" in request.headers
        response.headers.setdefault("Cache-Control", PRIVATE_CACHE_CONTROL if authenticated else PUBLIC_CACHE_CONTROL)
        response.vary.add("Authorization")
        if "ETag" not in response.headers:
            response.add_etag()
        if g.get("cache_keys"):
            response.headers["Surrogate-Key"] = " ".join(g.cache_keys)
            response.headers["Cache-Tag"] = ",".join(g.cache_keys)
        keep_response(response)  # the plain body, before a 304 empties it or compression changes it
        note_body(response)  # and its content key, under which its compressed forms are kept
        if any(name in request.headers for name in _CONDITIONAL_HEADERS):
            response.make_conditional(request)
        offer_for_replay(response, current_budget())
    logged: Response = log_request(response)
    return logged
