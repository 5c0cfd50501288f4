"""HTTP plumbing every resource shares: errors, who is asking, limits, CORS, and the response hooks.

`init_web` binds it all to an app, and is the one place that says in which
order the hooks run on each request and response.
"""

from flask import Blueprint, Flask

from api.extensions import compress
from api.web.access_log import configure_logging
from api.web.cross_origin import init_cors, restrict_cross_origin_writes
from api.web.errors import register_error_handlers
from api.web.limits import init_limiter
from api.web.requests import assign_request_id
from api.web.responses import finish_response


def init_web(app: Flask, blueprint: Blueprint) -> None:
    """Logging, error handlers, and the request and response hooks, in their order."""
    configure_logging(app)
    register_error_handlers(app)
    # Before each request, in this order: the request id (and its clock), then the limiter's check.
    app.before_request(assign_request_id)

    # After each request, hooks run in the reverse of their registration. Registered from the last to
    # the first, they run on each response in the order numbered here.
    compress.init_app(app)  # 5. compression, on the final body
    app.after_request(finish_response)  # 4. request id, security headers, ETag, caching headers, 304s
    init_limiter(app, blueprint)  # 3. the limiter's headers (and its check, before the request)
    app.after_request(restrict_cross_origin_writes)  # 2. CORS headers trimmed on writes from other origins
    init_cors(app)  # 1. CORS headers, for every origin
