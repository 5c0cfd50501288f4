"""CORS for browsers on other origins: anyone may read; only configured origins may write.

Flask-CORS answers preflights and adds the headers; reads are open to every
origin (`Access-Control-Allow-Origin: *`). A write, or a preflight asking for
one, gets CORS headers only when its Origin is listed in CORS_WRITE_ORIGINS,
so a page on any other origin cannot make a browser send it.
"""

from flask import Flask, Response, current_app, request

from api.extensions import cors

READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Headers a script on another origin may read from responses.
EXPOSED_HEADERS = [
    "ETag",
    "Last-Modified",
    "Link",
    "Location",
    "Retry-After",
    "X-Request-ID",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
]
ALLOWED_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "X-Request-ID",
]


def _asks_to_write() -> bool:
    if request.method == "OPTIONS":
        return request.headers.get("Access-Control-Request-Method", "GET").upper() not in READ_METHODS
    return request.method not in READ_METHODS


def restrict_cross_origin_writes(response: Response) -> Response:
    """Keep CORS headers on a write only for the configured origins, and name that origin."""
    origin = request.headers.get("Origin")
    if origin is None or "Access-Control-Allow-Origin" not in response.headers or not _asks_to_write():
        return response
    if origin in current_app.config["CORS_WRITE_ORIGINS"]:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    else:
        for header in [name for name, _value in response.headers if name.lower().startswith("access-control-")]:
            del response.headers[header]
    return response


def init_cors(app: Flask) -> None:
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": "*"}},
        send_wildcard=True,
        expose_headers=EXPOSED_HEADERS,
        allow_headers=ALLOWED_REQUEST_HEADERS,
        methods=["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"],
        max_age=600,
    )
