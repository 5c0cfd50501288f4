"""HTTP helpers every namespace shares: query parsing, pages and their links, request ids, caching.

Query strings are validated by marshmallow schemas like bodies are, but a bad
query is the client's URL being wrong, so it is a 400 (not a 422), and an
unknown or repeated parameter is refused rather than silently ignored.
"""

import math
import re
import uuid

from flask import g, request, url_for
from marshmallow import RAISE, Schema, ValidationError
from sqlalchemy import Select, func, select

from api.errors import ProblemError
from models import db

_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
PUBLIC_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"


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


def not_found(detail: str) -> ProblemError:
    return ProblemError(404, detail)


def paginate(query: Select, page: int, per_page: int) -> tuple[list, dict, dict, dict]:
    """Run one page of an ordered query: its items, `meta`, `links` and the `Link` header."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
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
    return items, meta, links, {"Link": link_header}


def assign_request_id() -> None:
    """Take the client's X-Request-ID when it is sane, otherwise make one."""
    supplied = request.headers.get("X-Request-ID", "")
    g.request_id = supplied if _REQUEST_ID_PATTERN.match(supplied) else uuid.uuid4().hex


def finish_response(response):
    """Echo the request id; give successful reads an ETag, caching rules and 304s."""
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if request.method in ("GET", "HEAD") and response.status_code == 200 and response.is_json:
        response.headers.setdefault("Cache-Control", PUBLIC_CACHE_CONTROL)
        response.add_etag()
        response.make_conditional(request)
    return response
