"""The application factory, and nothing else: `create_app(test_config=None)`.

Configuration comes from `api.config`, the extensions from `api.extensions`,
the request and response hooks from `api.web`, the resources from
`api.resources`. Nothing here touches the database: a server must start even
while its database is down.
"""

from collections.abc import Mapping
from typing import Any

from flask import Flask

from api.caching.list_memo import init_list_memo
from api.caching.response_cache import init_response_cache
from api.cli import register_commands
from api.collection.indexed_search import init_search_index
from api.config import INSTANCE_PATH, check_production_environment, load_config
from api.extensions import init_migrations
from api.jobs import init_jobs
from api.media import init_media
from api.resources import blueprint
from api.web import init_web
from models import db


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then the environment, then `test_config`."""
    check_production_environment()
    app = Flask(__name__, instance_path=INSTANCE_PATH)
    load_config(app, test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = True

    db.init_app(app)
    init_migrations(app)
    init_response_cache(app)
    init_list_memo(app)
    init_jobs(app)
    init_media(app)
    init_search_index(app)
    init_web(app, blueprint)
    app.register_blueprint(blueprint)
    register_commands(app)
    return app
