"""HTTP plumbing every resource shares: errors, who is asking, limits, CORS, and the response hooks.

`init_web` binds it all to an app, and is the one place that says in which
order the hooks run on each request and response.
"""

from flask import Blueprint, Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from api.caching.compressed import configure_compressed_bodies
from api.extensions import compress
from api.web.access_log import configure_logging
from api.web.auth import identify_caller, refuse_failed_authentication
from api.web.cross_origin import init_cors, restrict_cross_origin_writes
from api.web.errors import refuse_untrusted_hosts, register_error_handlers
from api.web.limits import init_limiter
from api.web.replayed_reads import ReplayedReads
from api.web.requests import assign_request_id
from api.web.responses import finish_response


def trust_proxies_and_hosts(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies (0, the default: none), take the client's address, scheme,
    host and port from the X-Forwarded-* headers they set; otherwise those headers are ignored, since
    any client can send them. With TRUSTED_HOSTS, a request for any other host is refused before the app
    sees it (links are built from the host)."""
    if app.config["TRUSTED_HOSTS"]:
        app.wsgi_app = refuse_untrusted_hosts(app.wsgi_app, app.config["TRUSTED_HOSTS"])  # type: ignore[method-assign, assignment]
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]


def init_web(app: Flask, blueprint: Blueprint) -> None:
    """Logging, error handlers, and the request and response hooks, in their order."""
    configure_logging(app)
    register_error_handlers(app)
    # Innermost, so that it sees the request as Flask does (after ProxyFix) and only the hosts allowed.
    app.wsgi_app = ReplayedReads(app, app.wsgi_app)  # type: ignore[method-assign]
    trust_proxies_and_hosts(app)
    # Before each request, in this order: the request id (and its clock), who is asking, the limiter's
    # check (which counts a bad key), then the 401 for a bad key.
    app.before_request(assign_request_id)
    app.before_request(identify_caller)

    # After each request, hooks run in the reverse of their registration. Registered from the last to
    # the first, they run on each response in the order numbered here.
    configure_compressed_bodies(app)
    compress.init_app(app)  # 5. compression, on the final body (once per body and encoding)
    app.after_request(finish_response)  # 4. request id, security headers, ETag, caching headers, 304s
    init_limiter(app, blueprint)  # 3. the limiter's headers (and its check, before the request)
    app.before_request(refuse_failed_authentication)  # (after the limiter's check, before any view)
    app.after_request(restrict_cross_origin_writes)  # 2. CORS headers trimmed on writes from other origins
    init_cors(app)  # 1. CORS headers, for every origin
