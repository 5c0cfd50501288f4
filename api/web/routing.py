"""Where the API is mounted, and URLs of its views named by their Resource classes, never by strings.

Flask-RESTX gives each registered Resource class its endpoint (`.endpoint`);
`url_of(ArticleItem, slug=...)` builds the URL of that class's route.
"""

from typing import Any

from flask import request, url_for
from werkzeug.routing import RequestRedirect

from api.web.errors import ProblemError

API_PREFIX = "/api/v1"
BLUEPRINT_NAME = "api_v1"
# Flask-RESTX builds the spec's basePath from the endpoint of this name, and serves its docs and spec
# at the endpoints "doc" and "specs".
INDEX_ENDPOINT = "root"
DOCS_ENDPOINT = "doc"
SPEC_ENDPOINT = "specs"


def endpoint_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of one of the API blueprint's endpoints."""
    return url_for(f"{BLUEPRINT_NAME}.{endpoint}", **values, _external=True)


def url_of(resource: type, **values: Any) -> str:
    """The absolute URL of a registered Flask-RESTX Resource class's route."""
    return endpoint_url(resource.endpoint, **values)  # type: ignore[attr-defined]


def moved_to(**new_values: Any) -> RequestRedirect:
    """The redirect to this request's own route with other path values (a renamed item's new slug), its
    query string kept: 301 for a read, 308 for anything else (which keeps the method and the body)."""
    # The path's values win over a query parameter of the same name (`?slug=...` must not pick the target).
    values: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {}), **new_values}
    location = url_for(request.endpoint or "", **values, _external=True)
    if request.method not in ("GET", "HEAD") and "If-Match" not in request.headers:
        # Every write to an existing item needs If-Match: refuse it here rather than send it on to a 428.
        raise ProblemError(
            428,
            f"This write needs If-Match: the ETag you read the item with. The item is now at {location}.",
            errors={"If-Match": ["Send the item's ETag."]},
        )
    redirect = RequestRedirect(location)
    redirect.code = 301 if request.method in ("GET", "HEAD") else 308
    return redirect
