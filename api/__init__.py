"""The application factory: configuration, extensions, the API blueprint, errors and the CLI.

Configuration comes from defaults, then the environment, then a test mapping
(flaskr style). Nothing here touches the database: a server must start even
while its database is down.
"""

import os

from flask import Flask

from models import db

DEFAULTS = {
    "SQLALCHEMY_DATABASE_URI": "sqlite:///content.sqlite3",  # in the instance folder
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "RESTX_MASK_SWAGGER": False,
    "RESTX_ERROR_404_HELP": False,
    "RESTX_INCLUDE_ALL_MODELS": True,
    "RESTX_JSON": {"ensure_ascii": False},
    "ERROR_INCLUDE_MESSAGE": False,
    "SWAGGER_UI_DOC_EXPANSION": "list",
}


def _config_from_environment() -> dict:
    config = {}
    if os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("MAX_CONTENT_LENGTH"):
        config["MAX_CONTENT_LENGTH"] = int(os.environ["MAX_CONTENT_LENGTH"])
    return config


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: defaults, then the environment, then `test_config`."""
    app = Flask(__name__, instance_path=os.path.join(os.path.dirname(os.path.dirname(__file__)), "instance"))
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(_config_from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.url_map.strict_slashes = True

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Writers wait for each other (up to 30 s) instead of failing with "database is locked".
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    db.init_app(app)

    from api.errors import register_error_handlers
    from api.http import assign_request_id, finish_response
    from api.rest import blueprint
    from api.cli import register_commands

    app.before_request(assign_request_id)
    app.after_request(finish_response)
    register_error_handlers(app)
    app.register_blueprint(blueprint)
    register_commands(app)
    return app
