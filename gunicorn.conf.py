"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py`.

Every setting can be overridden from the environment (names below). The app
itself writes one JSON line per request to stderr, with its request id, so
gunicorn's own access log is off unless GUNICORN_ACCESS_LOG names a file or "-".
"""

import json
import multiprocessing
import os

from gunicorn import util

wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that takes longer than this is killed and its worker replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then, so that no slow leak can grow for ever; not too often, since a
# new worker starts with an empty response cache.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = 5000

accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '{"remote": "%(h)s", "request": "%(r)s", "status": %(s)s, "bytes": "%(b)s", "request_id": "%({x-request-id}o)s", "duration_us": %(D)s}'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# gunicorn 22+ opens a control socket in the home directory by default; a server has no use for it.
control_socket_disable = True
# The heartbeat file lives in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Each worker opens its own database connections on first use: nothing is shared across a fork.
preload_app = False

# The longest request line (method, URL, version) and header line gunicorn reads: its maximum, so that
# every request the API's spec allows fits; past it gunicorn itself answers 414 or 431.
limit_request_line = 8190
limit_request_field_size = 8190

_GUNICORN_DETAILS = {
    414: "The request line is longer than the server reads (8190 bytes): shorten the query string.",
    431: "A request header is longer than the server reads (8190 bytes).",
}


def _write_problem(sock, status_int, reason, mesg):
    """gunicorn's own error answers (a request line or header too long, a request that is not valid HTTP)
    as RFC 9457 problems like every other error of the API, instead of its HTML page. The detail names
    the limit; it never echoes what the client sent."""
    detail = _GUNICORN_DETAILS.get(status_int, "The request is not valid HTTP/1.1.")
    body = json.dumps({"type": "about:blank", "title": reason, "status": status_int, "detail": detail}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
        f"X-Content-Type-Options: nosniff\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = _write_problem  # gunicorn's workers answer their errors through this one function
