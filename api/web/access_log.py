"""Structured logs: one JSON line per request, and JSON for every other log line of the app.

Each request's line carries its request id (the client's X-Request-ID when it
sent a sane one), method, path, status, duration, and the name of the API key
used. The Authorization header, keys and bodies are never logged.
"""

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

access_logger = logging.getLogger("api.access")


class JsonLineFormatter(logging.Formatter):
    """Formats a record as one line of JSON; extra fields come from `record.fields`."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    """Send the app's logs (the `api` logger tree) to stderr as JSON lines."""
    logger = logging.getLogger("api")
    if not any(getattr(handler, "is_api_json", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLineFormatter())
        # Marks the handler this module added, so a second app in the same process adds no other.
        handler.is_api_json = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    logger.propagate = False


def start_timer() -> None:
    g.request_started = time.perf_counter()


def write_access_line(fields: dict[str, Any]) -> None:
    """Write one request's access line (its fields as `log_request` names them)."""
    access_logger.info("%s %s %s", fields["method"], fields["path"], fields["status"], extra={"fields": fields})


def log_request(response: Response) -> Response:
    """Write the request's one access line."""
    started = g.get("request_started")
    write_access_line(
        {
            "request_id": g.get("request_id"),
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1"),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
            "bytes": response.calculate_content_length(),
            "remote_addr": request.remote_addr,
            "api_key": g.get("api_key_name"),
            "user_agent": request.headers.get("User-Agent", ""),  # as sent: no parsed UserAgent per line
        }
    )
    return response
