"""The application factory: configuration, extensions, the API blueprint, errors and the CLI.

Configuration comes from defaults, then the environment, then a test mapping
(flaskr style). Nothing here touches the database: a server must start even
while its database is down.
"""

import json
import os

from flask import Flask
from flask_compress import Compress
from flask_migrate import Migrate

from api.limits import init_limiter
from api.response_cache import init_response_cache
from models import db
from models.search import is_search_object
from models.types import render_migration_item


def include_in_migrations(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate leaves search's tables, columns and indexes to its own migration."""
    return not is_search_object(name or "", type_)

MIGRATIONS_DIRECTORY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")
# Batch mode lets SQLite take ALTERs; compare_type lets a test catch a column whose type drifted.
compress = Compress()
migrate = Migrate(
    directory=MIGRATIONS_DIRECTORY,
    render_as_batch=True,
    compare_type=True,
    render_item=render_migration_item,
    include_object=include_in_migrations,
)

DEFAULTS = {
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
    "RATE_LIMIT_READS": "300 per minute",
    "RATE_LIMIT_WRITES": "600 per minute",
    "RATE_LIMIT_FAILED_AUTH": "20 per minute",
    # Browsers on other origins may read; these origins may also write (CORS_WRITE_ORIGINS, comma-separated).
    "CORS_WRITE_ORIGINS": [],
    # Compression (Flask-Compress): brotli where the client accepts it, else gzip, for bodies from 500 bytes.
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_MIN_SIZE": 500,
    # Streamed responses (Swagger UI's static files) stay as they are: Flask-Compress 1.25's stream
    # compressor never closes the file it reads from.
    "COMPRESS_STREAMS": False,
    "COMPRESS_MIMETYPES": [
        "application/json", "application/problem+json", "application/ld+json",
        "application/atom+xml", "application/xml", "text/html", "text/css", "application/javascript",
    ],
    "SWAGGER_UI_DOC_EXPANSION": "list",
    # Public read answers kept per process, keyed by the content version (api/response_cache.py).
    "RESPONSE_CACHE_MAX_BYTES": 32 * 1024 * 1024,
}


def database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3, whichever spelling the environment uses."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _config_from_environment() -> dict:
    environment = os.environ
    config = {}
    if environment.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = database_url(environment["DATABASE_URL"])
    if environment.get("REDIS_URL"):
        config["RATELIMIT_STORAGE_URI"] = environment["REDIS_URL"]
    for name in ("PUBLIC_SITE_URL", "PUBLIC_ARTICLE_URL", "PUBLIC_TOPIC_URL"):
        if environment.get(name):
            config[name] = environment[name]
    if environment.get("CORS_WRITE_ORIGINS"):
        config["CORS_WRITE_ORIGINS"] = [o.strip() for o in environment["CORS_WRITE_ORIGINS"].split(",") if o.strip()]
    for name in ("MAX_CONTENT_LENGTH", "RESPONSE_CACHE_MAX_BYTES"):
        if environment.get(name):
            config[name] = int(environment[name])
    if environment.get("RATELIMIT_ENABLED"):
        config["RATELIMIT_ENABLED"] = environment["RATELIMIT_ENABLED"].lower() not in ("0", "false", "no", "off")
    for name in ("RATE_LIMIT_READS", "RATE_LIMIT_WRITES", "RATE_LIMIT_FAILED_AUTH", "RATELIMIT_KEY_PREFIX", "LOG_LEVEL"):
        if environment.get(name):
            config[name] = environment[name]
    return config


def _json_for_the_database(value) -> str:
    # Store JSON columns as readable UTF-8 (a curly apostrophe, not its \\u escape), so search sees the words.
    return json.dumps(value, ensure_ascii=False)


def _engine_options(uri: str) -> dict:
    if uri.startswith("sqlite"):
        # Writers wait for each other (up to 30 s) instead of failing with "database is locked".
        return {"connect_args": {"timeout": 30}, "json_serializer": _json_for_the_database}
    # A connection that died while pooled (a database restart) is replaced, not handed out.
    return {"pool_pre_ping": True, "json_serializer": _json_for_the_database}


# In production these must come from the environment: a server must not quietly fall back to an
# embedded database or to rate limits that each process counts alone.
PRODUCTION_SECRETS = ("DATABASE_URL", "REDIS_URL")


def check_production_environment(environment=os.environ) -> None:
    """Refuse to start in production (APP_ENV=production) without its secrets, or with debugging on."""
    if environment.get("APP_ENV", "development") != "production":
        return
    missing = [name for name in PRODUCTION_SECRETS if not environment.get(name)]
    if missing:
        raise RuntimeError(f"APP_ENV=production needs {', '.join(missing)} in the environment")
    if environment.get("FLASK_DEBUG", "0").lower() not in ("0", "false", ""):
        raise RuntimeError("APP_ENV=production must not run with FLASK_DEBUG on")


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: defaults, then the environment, then `test_config`."""
    check_production_environment()
    app = Flask(__name__, instance_path=os.path.join(os.path.dirname(os.path.dirname(__file__)), "instance"))
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(_config_from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.url_map.strict_slashes = True

    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    from api.access_log import configure_logging
    from api.cross_origin import init_cors, restrict_cross_origin_writes
    from api.errors import register_error_handlers
    from api.http import assign_request_id, finish_response
    from api.rest import blueprint
    from api.cli import register_commands

    configure_logging(app)
    app.before_request(assign_request_id)
    # Flask runs after-request hooks in the reverse of their order here. So: CORS adds its headers
    # and the write restriction trims them; the limiter adds its headers; finish_response sets
    # ETag, caching headers and 304s on the plain body; compression runs last, on the final body.
    compress.init_app(app)
    app.after_request(finish_response)
    db.init_app(app)
    init_response_cache(app)
    migrate.init_app(app, db)
    init_limiter(app, blueprint)
    app.after_request(restrict_cross_origin_writes)
    init_cors(app)
    register_error_handlers(app)
    app.register_blueprint(blueprint)
    register_commands(app)
    return app
