"""HTTP helpers every namespace shares: query parsing, pages and their links, request ids, caching.

Query strings are validated by marshmallow schemas like bodies are, but a bad
query is the client's URL being wrong, so it is a 400 (not a 422), and an
unknown or repeated parameter is refused rather than silently ignored.
"""

import hashlib
import json
import math
import re
import uuid

from flask import g, request, url_for
from werkzeug.http import http_date
from marshmallow import RAISE, Schema, ValidationError
from sqlalchemy import Select, func, select

from api.access_log import log_request, start_timer
from api.errors import ProblemError
from api.response_cache import current_content_version, keep_response
from models import db

_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
PUBLIC_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"
PRIVATE_CACHE_CONTROL = "private, no-store"
_ENCODING_SUFFIXES = (":br", ":gzip", ":deflate", ":zstd")
CACHEABLE_MEDIA_TYPES = ("application/json", "application/ld+json", "application/atom+xml", "application/xml")
DATABASE_RETRY_AFTER_SECONDS = 5


def load_query(schema: type[Schema]) -> dict:
    """Validate the query string with a schema; a bad, unknown or repeated parameter is a 400."""
    raw = request.args.to_dict(flat=False)
    repeated = {name: ["Give this parameter once."] for name, values in raw.items() if len(values) > 1}
    if repeated:
        raise ProblemError(400, "The query string repeats a parameter.", errors=repeated)
    try:
        return schema(unknown=RAISE).load({name: values[0] for name, values in raw.items()})
    except ValidationError as error:
        raise ProblemError(400, "The query string is not valid.", errors=error.normalized_messages()) from None


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"field.sub.0": ["message", ...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = prefix if key == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            for field, field_messages in flatten_errors(value, path).items():
                flat.setdefault(field, []).extend(field_messages)
    elif isinstance(messages, list) and all(isinstance(message, str) for message in messages):
        flat[prefix or "_body"] = list(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(flatten_errors(value, f"{prefix}.{index}"))
    else:
        flat[prefix or "_body"] = [str(messages)]
    return flat


def load_body(schema: Schema, **load_options) -> dict:
    """Validate the JSON body with a schema: 415 if not JSON, 400 if malformed, 422 if invalid."""
    if not request.is_json:
        raise ProblemError(415, "Send the body as JSON, with Content-Type: application/json.")
    raw = request.get_data(cache=True)  # 413 past MAX_CONTENT_LENGTH when Content-Length says so
    limit = request.max_content_length
    if limit is not None and len(raw) >= limit:
        # A body sent without Content-Length (chunked) is cut at the limit rather than refused;
        # reading one byte more makes Werkzeug's stream answer 413 instead of parsing a truncated body.
        request.stream.read(1)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ProblemError(400, "The body is not well-formed JSON (UTF-8).") from None
    if not isinstance(body, dict):
        raise ProblemError(422, "The body must be a JSON object.", errors={"_body": ["Must be a JSON object."]})
    if load_options.get("partial") is True:
        # Only the top-level fields may be left out: an item in a list must still be whole.
        load_options["partial"] = tuple(schema.fields)
    try:
        return schema.load(body, **load_options)
    except ValidationError as error:
        errors = flatten_errors(error.normalized_messages())
        for field in getattr(schema, "SERVER_OWNED", ()):
            if field in errors:
                errors[field] = ["This field is set by the server and cannot be written."]
        raise ProblemError(422, "The body is not valid; `errors` names each bad field.", errors=errors) from None


def etag_of(body: dict) -> str:
    """The strong ETag of a JSON representation, the same however its keys were ordered."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return '"' + hashlib.blake2b(canonical.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest() + '"'


def check_if_match(current_body: dict) -> None:
    """Honour If-Match: a stale one is a 412 that carries the current ETag."""
    if "If-Match" not in request.headers:
        return
    current = etag_of(current_body)
    # A compressed response's ETag carries its encoding ("…:gzip"); it names the same representation.
    sent = {tag.rsplit(":", 1)[0] if tag.endswith(_ENCODING_SUFFIXES) else tag for tag in request.if_match.as_set()}
    if request.if_match.star_tag or current.strip('"') in sent:
        return
    raise ProblemError(
        412,
        "The item changed since you read it (If-Match is stale). Fetch it again, then retry.",
        headers={"ETag": current},
    )


def content_headers() -> dict:
    """Last-Modified of anything served from content: the later of the last write and the last
    scheduled publication whose time has come (which changes what the public sees without a write)."""
    return {"Last-Modified": http_date(current_content_version().last_modified)}


def item_response(body: dict, status: int = 200, headers: dict | None = None):
    """An item answer `{"data": ...}` with the ETag of that representation and Last-Modified."""
    return {"data": body}, status, {"ETag": etag_of(body), **content_headers(), **(headers or {})}


def not_found(detail: str) -> ProblemError:
    return ProblemError(404, detail)


def paginate(query: Select, page: int, per_page: int) -> tuple[list, dict, dict, dict]:
    """Run one page of an ordered query: its items, `meta`, `links` and the `Link` header."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return (items, *page_links(page, per_page, total))


def page_links(page: int, per_page: int, total: int) -> tuple[dict, dict, dict]:
    """A page's `meta`, its `links` (first, prev, next, last) and the same links as a `Link` header."""
    pages = math.ceil(total / per_page)
    last = max(pages, 1)

    def page_url(number: int) -> str:
        other_args = {name: value for name, value in request.args.items() if name not in ("page", "per_page")}
        args = {"page": number, "per_page": per_page, **other_args}
        return url_for(request.endpoint, **(request.view_args or {}), **args, _external=True)

    links = {
        "self": page_url(page),
        "first": page_url(1),
        "prev": page_url(min(page - 1, last)) if page > 1 else None,
        "next": page_url(page + 1) if page < pages else None,
        "last": page_url(last),
    }
    meta = {"page": page, "per_page": per_page, "total": total, "pages": pages}
    link_header = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)
    return meta, links, {"Link": link_header}


def assign_request_id() -> None:
    """Take the client's X-Request-ID when it is sane, otherwise make one."""
    start_timer()
    supplied = request.headers.get("X-Request-ID", "")
    g.request_id = supplied if _REQUEST_ID_PATTERN.match(supplied) else uuid.uuid4().hex


# Swagger UI's page runs its own inline start-up script and styles; everything else may run nothing.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def add_security_headers(response) -> None:
    """Headers every answer carries: no MIME sniffing, no framing, no referrer, a content policy."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    html = response.mimetype == "text/html"
    response.headers.setdefault("Content-Security-Policy", DOCS_CONTENT_SECURITY_POLICY if html else API_CONTENT_SECURITY_POLICY)


def finish_response(response):
    """Echo the request id; give successful reads an ETag, caching rules and 304s."""
    response.headers["X-Request-ID"] = g.get("request_id", "")
    add_security_headers(response)
    if response.status_code == 503:
        # The limiter stretches any Retry-After to its own window; a database outage says its own.
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    elif response.status_code != 429:
        response.headers.pop("Retry-After", None)  # the limiter adds it to every answer; it means "wait"
    if request.method in ("GET", "HEAD") and response.status_code == 200 and response.mimetype in CACHEABLE_MEDIA_TYPES:
        authenticated = g.get("api_key") is not None
        response.headers.setdefault("Cache-Control", PRIVATE_CACHE_CONTROL if authenticated else PUBLIC_CACHE_CONTROL)
        response.vary.add("Authorization")
        if "ETag" not in response.headers:
            response.add_etag()
        keep_response(response)  # the plain body, before a 304 empties it or compression changes it
        response.make_conditional(request)
    return log_request(response)
