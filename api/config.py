"""Configuration: the defaults, what the environment overrides, and the checks production must pass.

`load_config` applies them in flaskr's order: defaults, then the environment,
then a test's own mapping. Nothing here touches the database.
"""

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url

from models import IDLE_IN_TRANSACTION_TIMEOUT_SECONDS, LOCK_TIMEOUT_SECONDS, STATEMENT_TIMEOUT_SECONDS

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = str(REPOSITORY_ROOT / "instance")
MIGRATIONS_DIRECTORY = str(REPOSITORY_ROOT / "migrations")

DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_DATABASE_URI": "sqlite:///content.sqlite3",  # in the instance folder
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "RESTX_MASK_SWAGGER": False,
    "RESTX_ERROR_404_HELP": False,
    "RESTX_INCLUDE_ALL_MODELS": True,
    "RESTX_JSON": {"ensure_ascii": False},
    "ERROR_INCLUDE_MESSAGE": False,
    # Rate limits (Flask-Limiter): in memory unless REDIS_URL names a Redis that processes share.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_HEADER_RETRY_AFTER_VALUE": "delta-seconds",
    # Fail open: while Redis is down or does not answer, each process counts in its own memory (limits
    # still hold per process) and serves; no Redis call may take longer than REDIS_TIMEOUT seconds.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "REDIS_TIMEOUT": 0.25,
    "RATE_LIMIT_READS": "300 per minute",
    "RATE_LIMIT_KEY_READS": "3000 per minute",
    # Media files, per address: a page shows many images, and they cost next to nothing (immutable, 304s).
    "RATE_LIMIT_FILE_READS": "3000 per minute",
    "RATE_LIMIT_WRITES": "600 per minute",
    "RATE_LIMIT_FAILED_AUTH": "20 per minute",
    # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (TRUSTED_PROXIES; 0: trust none).
    "TRUSTED_PROXIES": 0,
    # Flask's TRUSTED_HOSTS (comma-separated in the environment): the Host names links may be built from;
    # any other Host is a 400. None accepts any, for development.
    "TRUSTED_HOSTS": None,
    # Browsers on other origins may read; these origins may also write (CORS_WRITE_ORIGINS, comma-separated).
    "CORS_WRITE_ORIGINS": [],
    # Compression (Flask-Compress): brotli where the client accepts it, else gzip, for bodies from 500 bytes.
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_MIN_SIZE": 500,
    # Compressed bodies kept per process, by their content (api/caching/compressed.py); 0 turns it off.
    "COMPRESS_CACHE_MAX_BYTES": 8 * 1024 * 1024,
    # Streamed responses (Swagger UI's static files) stay as they are: Flask-Compress 1.25's stream
    # compressor never closes the file it reads from.
    "COMPRESS_STREAMS": False,
    "COMPRESS_MIMETYPES": [
        "application/json",
        "application/problem+json",
        "application/ld+json",
        "application/atom+xml",
        "application/xml",
        "text/html",
        "text/css",
        "application/javascript",
    ],
    "SWAGGER_UI_DOC_EXPANSION": "list",
    # Public read answers kept per process, keyed by the content version (api/caching/response_cache.py).
    "RESPONSE_CACHE_MAX_BYTES": 32 * 1024 * 1024,
    # The job queue the worker (`flask --app wsgi worker`) takes its work from: an SQLite file in the
    # instance folder, or Redis (JOBS_URL; REDIS_URL when only that is given) for several machines.
    "JOBS_URL": "sqlite:///jobs.sqlite3",
    "JOBS_QUEUE_NAME": "content-api",
    # The API's address as webhook receivers reach it: the URLs in their payloads start with it.
    "PUBLIC_API_URL": "http://127.0.0.1:5000",
    # Webhooks: each attempt's timeout, the delays between attempts (seconds; Standard Webhooks' schedule),
    # and whether targets on loopback, private and link-local addresses are allowed (never in production).
    "WEBHOOK_TIMEOUT_SECONDS": 10.0,
    "WEBHOOK_RETRY_DELAYS": [5, 300, 1800, 7200, 18000, 36000, 36000],
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": False,
    # The media library: where files are kept (folder: MEDIA_FOLDER in the instance folder; database: the
    # database itself, which every instance shares; empty: the database on PostgreSQL, else the folder),
    # an upload's own body limit, and the most pixels an image may have (larger ones are refused unread).
    "MEDIA_STORAGE": "",
    "MEDIA_FOLDER": "media",
    "MEDIA_MAX_BYTES": 15 * 1024 * 1024,
    "MEDIA_MAX_PIXELS": 50_000_000,
    # The public's article searches are answered by a search index in this folder (in the instance folder
    # unless absolute; one per instance, shared by its processes, kept in step through the events). A change
    # of more articles than SEARCH_INDEX_INLINE_LIMIT, or a first build past it, is the worker's; until it is
    # done, the database answers. SEARCH_INDEX=false: the database always answers.
    "SEARCH_INDEX": True,
    "SEARCH_INDEX_FOLDER": "search-index",
    "SEARCH_INDEX_INLINE_LIMIT": 2000,
}

# Settings the environment may give as they are, as integers, or as a switch.
_STRING_SETTINGS = (
    "PUBLIC_SITE_URL",
    "RATE_LIMIT_READS",
    "RATE_LIMIT_WRITES",
    "RATE_LIMIT_FAILED_AUTH",
    "RATE_LIMIT_KEY_READS",
    "RATE_LIMIT_FILE_READS",
    "RATELIMIT_KEY_PREFIX",
    "LOG_LEVEL",
    "JOBS_URL",
    "JOBS_QUEUE_NAME",
    "PUBLIC_API_URL",
    "MEDIA_STORAGE",
    "MEDIA_FOLDER",
    "SEARCH_INDEX_FOLDER",
)
_INTEGER_SETTINGS = (
    "MAX_CONTENT_LENGTH",
    "RESPONSE_CACHE_MAX_BYTES",
    "COMPRESS_CACHE_MAX_BYTES",
    "TRUSTED_PROXIES",
    "MEDIA_MAX_BYTES",
    "MEDIA_MAX_PIXELS",
    "SEARCH_INDEX_INLINE_LIMIT",
)
_OFF = ("0", "false", "no", "off")
_PUBLIC_ITEM_URL = re.compile(r"PUBLIC_[A-Z]+_URL")

# In production these must come from the environment: a server must not quietly fall back to an
# embedded database or to rate limits that each process counts alone.
PRODUCTION_SECRETS = ("DATABASE_URL", "REDIS_URL")


def database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3, whichever spelling the environment uses."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def config_from_environment(environment: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The settings the environment gives."""
    config: dict[str, Any] = {}
    if environment.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = database_url(environment["DATABASE_URL"])
    if environment.get("REDIS_URL"):
        config["RATELIMIT_STORAGE_URI"] = environment["REDIS_URL"]
    if environment.get("CORS_WRITE_ORIGINS"):
        origins = environment["CORS_WRITE_ORIGINS"].split(",")
        config["CORS_WRITE_ORIGINS"] = [origin.strip() for origin in origins if origin.strip()]
    if environment.get("TRUSTED_HOSTS"):
        hosts = environment["TRUSTED_HOSTS"].split(",")
        config["TRUSTED_HOSTS"] = [host.strip() for host in hosts if host.strip()]
    if environment.get("REDIS_URL") and not environment.get("JOBS_URL"):
        config["JOBS_URL"] = environment["REDIS_URL"]
    for switch in ("RATELIMIT_ENABLED", "WEBHOOK_ALLOW_PRIVATE_TARGETS", "SEARCH_INDEX"):
        if environment.get(switch):
            config[switch] = environment[switch].lower() not in _OFF
    if environment.get("WEBHOOK_RETRY_DELAYS"):
        config["WEBHOOK_RETRY_DELAYS"] = [float(delay) for delay in environment["WEBHOOK_RETRY_DELAYS"].split(",")]
    if environment.get("WEBHOOK_TIMEOUT_SECONDS"):
        config["WEBHOOK_TIMEOUT_SECONDS"] = float(environment["WEBHOOK_TIMEOUT_SECONDS"])
    for name in _INTEGER_SETTINGS:
        if environment.get(name):
            config[name] = int(environment[name])
    for name in _STRING_SETTINGS:
        if environment.get(name):
            config[name] = environment[name]
    # Where the website shows each collection's items: PUBLIC_ARTICLE_URL, PUBLIC_TOPIC_URL, ...
    for name, value in environment.items():
        if _PUBLIC_ITEM_URL.fullmatch(name) and value:
            config[name] = value
    return config


def _json_for_the_database(value: object) -> str:
    # Store JSON columns as readable UTF-8 (a curly apostrophe, not its \\u escape), so search sees the words.
    return json.dumps(value, ensure_ascii=False)


def engine_options(uri: str) -> dict[str, Any]:
    """SQLAlchemy engine options for the database the URI names. Errors never carry the statement's
    parameters (article bodies, key digests) into logs and tracebacks: `hide_parameters`."""
    if uri.startswith("sqlite"):
        # Writers wait for each other (up to LOCK_TIMEOUT_SECONDS), then fail with "database is locked": a 503.
        return {
            "connect_args": {"timeout": LOCK_TIMEOUT_SECONDS},
            "json_serializer": _json_for_the_database,
            "hide_parameters": True,
        }
    # A connection that died while pooled (a database restart) is replaced, not handed out. No statement
    # waits for a lock, runs, or leaves a transaction idle for longer than the limits in `models`.
    timeouts = (
        f"-c lock_timeout={LOCK_TIMEOUT_SECONDS}s -c statement_timeout={STATEMENT_TIMEOUT_SECONDS}s "
        f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT_SECONDS}s"
    )
    # connect_args replace the URL's own `options`: keep those too (a URL may ask for read-only sessions).
    from_url = make_url(uri).query.get("options")
    if from_url:
        timeouts = f"{from_url if isinstance(from_url, str) else ' '.join(from_url)} {timeouts}"
    return {
        "pool_pre_ping": True,
        "connect_args": {"options": timeouts, "connect_timeout": 5},
        "json_serializer": _json_for_the_database,
        "hide_parameters": True,
    }


def check_production_environment(environment: Mapping[str, str] = os.environ) -> None:
    """Refuse to start in production (APP_ENV=production) without its secrets, or with debugging on."""
    if environment.get("APP_ENV", "development") != "production":
        return
    missing = [name for name in PRODUCTION_SECRETS if not environment.get(name)]
    if missing:
        raise RuntimeError(f"APP_ENV=production needs {', '.join(missing)} in the environment")
    if environment.get("FLASK_DEBUG", "0").lower() not in ("0", "false", ""):
        raise RuntimeError("APP_ENV=production must not run with FLASK_DEBUG on")
    if environment.get("WEBHOOK_ALLOW_PRIVATE_TARGETS", "false").lower() not in (*_OFF, ""):
        raise RuntimeError(
            "APP_ENV=production must not send webhooks to private addresses (WEBHOOK_ALLOW_PRIVATE_TARGETS): "
            "anyone with an admin key could reach into the private network"
        )


def load_config(app: Flask, test_config: Mapping[str, Any] | None = None) -> None:
    """Defaults, then the environment, then `test_config`; then what follows from them."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(config_from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        timeout = float(app.config["REDIS_TIMEOUT"])
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": timeout, "socket_connect_timeout": timeout}
        )
