"""Every error the server gives, as an RFC 9457 problem+json response.

One function, `problem_response`, turns any exception into the problem body
the conventions describe. It serves both the Flask-RESTX `Api` (for URLs
under /api/v1) and the app itself (unknown URLs elsewhere, 405, 500), so no
error can leave in another shape. Nothing internal (a trace, SQL, a path, a
route hint) ever reaches the client.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING

from flask import Flask, Response, current_app, g, json, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.wsgi import get_host

from models import db

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemError(HTTPException):
    """An HTTP error with a detail for the client and, for validation, errors by field."""

    def __init__(self, status: int, detail: str, errors: dict | None = None, headers: dict | None = None):
        super().__init__(description=detail)
        self.code = status
        self.errors = errors
        self.extra_headers = headers or {}

    def get_headers(self, environ=None, scope=None):
        return list(self.extra_headers.items())


# A problem stays small whatever the request was: a body of a million bad values gets the first few
# errors, each message and echoed value cut short, and a count of the rest.
MAX_ERROR_FIELDS = 50
MAX_MESSAGES_PER_FIELD = 5
MAX_TEXT = 500


def _short(text: str) -> str:
    return text if len(text) <= MAX_TEXT else f"{text[: MAX_TEXT - 1]}…"


def _bounded_errors(errors: dict) -> dict[str, list[str]]:
    bounded = {
        _short(str(field)): [_short(str(message)) for message in list(messages)[:MAX_MESSAGES_PER_FIELD]]
        for field, messages in list(errors.items())[:MAX_ERROR_FIELDS]
    }
    if len(errors) > MAX_ERROR_FIELDS:
        bounded["_more"] = [f"{len(errors) - MAX_ERROR_FIELDS} more fields have errors; fix these first."]
    return bounded


def problem_body(status: int, detail: str, errors: dict | None = None) -> dict:
    """The problem document for the current request, of bounded size."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": _short(detail),
        "instance": _short(request.path),
        "request_id": g.get("request_id"),
    }
    if errors:
        body["errors"] = _bounded_errors(errors)
    return body


# PostgreSQL error classes that mean "not now" rather than "wrong": connection exceptions (08),
# a read-only transaction (25006), insufficient resources such as a full disk (53), an operator's
# intervention such as a shutdown (57P), a lock not granted within lock_timeout (55P03), a statement
# cancelled at statement_timeout (57014), a transaction ended at idle_in_transaction_session_timeout (25P03).
_UNAVAILABLE_SQLSTATES = ("08", "25006", "25P03", "53", "55P03", "57014", "57P")


def database_unavailable(error: Exception) -> bool:
    """Whether an error means the database cannot be reached or used right now (an outage, a full or
    read-only disk, a lock held too long), as opposed to a fault in the request or the code."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    # A driver's own error that reached us unwrapped (SQLAlchemy's pool passes some on). psycopg is
    # looked up, not imported: on SQLite it was never loaded (it costs a worker 10 MB), nor raised.
    psycopg = sys.modules.get("psycopg")
    drivers: tuple[type[Exception], ...] = (sqlite3.OperationalError,)
    if psycopg is not None:
        drivers += (psycopg.OperationalError, psycopg.InterfaceError)
    if isinstance(error, drivers):
        return True
    if isinstance(error, DBAPIError):
        sqlstate = getattr(error.orig, "sqlstate", None) or ""
        return error.connection_invalidated or sqlstate.startswith(_UNAVAILABLE_SQLSTATES)
    return False


def problem_response(error: Exception) -> Response:
    """Turn any exception into a problem+json response."""
    if database_unavailable(error):
        current_app.logger.warning(
            "database unavailable on %s %s: %s", request.method, request.path, type(error).__name__
        )
        db.session.rollback()
        error = ProblemError(503, "The database is not reachable right now; retry shortly.")
    if isinstance(error, HTTPException) and error.code is not None and error.code < 400:
        return error.get_response()  # type: ignore[return-value]  # a routing redirect, /api/v1 -> /api/v1/
    if isinstance(error, HTTPException) and error.code is not None:
        status, detail = error.code, error.description or HTTPStatus(error.code).phrase
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    else:
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()  # whatever failed, the rest of this request must not build on it
        status, detail, headers = 500, "The server failed to answer this request. It has been logged.", []
    body = problem_body(status, detail, getattr(error, "errors", None))
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE, headers=headers)
    return response


def refuse_untrusted_hosts(wsgi_app: WSGIApplication, trusted: list[str]) -> WSGIApplication:
    """WSGI middleware: a request whose Host is not one of `trusted` is a 400 problem, answered before
    Flask (whose own check would fail again inside Flask-RESTX's error routing) builds anything from it."""

    def guarded(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            get_host(environ, trusted_hosts=trusted)
        except SecurityError:
            body = {
                "type": "about:blank",
                "title": "Bad Request",
                "status": 400,
                "detail": "The request's Host is not one this server answers for (TRUSTED_HOSTS).",
                "instance": _short(environ.get("PATH_INFO", "/")),
            }
            response = Response(json.dumps(body), status=400, mimetype=PROBLEM_MEDIA_TYPE)
            return response(environ, start_response)
        return wsgi_app(environ, start_response)

    return guarded


def register_error_handlers(app: Flask) -> None:
    """Answer errors outside the Flask-RESTX Api (unknown URLs, 405, 500) as problems too."""
    app.register_error_handler(HTTPException, problem_response)
    app.register_error_handler(Exception, problem_response)
