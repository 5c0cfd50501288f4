"""The Flask extensions, created unbound; `create_app` binds them to each app with `init_app`.

The database handle `db` lives with the models (`models.db`); the rate limiter
is made per app in `api.web.limits`, since its budgets are the app's own.
"""

from typing import Any

import click
from flask import Flask
from flask_compress import Compress
from flask_cors import CORS

from api.config import MIGRATIONS_DIRECTORY
from models.indexes import is_postgresql_only_index
from models.search import is_search_object, restore_search_after_migration
from models.types import render_migration_item


def include_in_migrations(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Autogenerate leaves search's tables, columns and indexes, and PostgreSQL's partial indexes, to their
    own migrations."""
    return not is_search_object(name or "", type_) and not is_postgresql_only_index(name or "", type_)


compress = Compress()
cors = CORS()
# Batch mode lets SQLite take ALTERs (by rebuilding the table: after each step, search gets back the
# triggers a rebuild drops); compare_type lets a test catch a column whose type drifted.
MIGRATE_OPTIONS: dict[str, Any] = {
    "directory": MIGRATIONS_DIRECTORY,
    "render_as_batch": True,
    "compare_type": True,
    "render_item": render_migration_item,
    "include_object": include_in_migrations,
    "on_version_apply": restore_search_after_migration,
}


class _DeferredMigrations:
    """Stands in `app.extensions["migrate"]` until something reads it (`flask db`, `seed`, a test), then
    binds Flask-Migrate for real: alembic costs a serving worker 11 MB it never uses, since migrations run
    from the command line before the server starts."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def __getattr__(self, name: str) -> Any:
        from flask_migrate import Migrate

        from models import db

        Migrate(**MIGRATE_OPTIONS).init_app(self._app, db)  # replaces this in app.extensions
        return getattr(self._app.extensions["migrate"], name)


class _MigrationCommands(click.Command):
    """Flask-Migrate's `flask db` group, imported when the command line runs it: its own context (options,
    subcommands, help) is the one click goes on with."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        from flask_migrate.cli import db as migration_commands

        context: click.Context = migration_commands.make_context(info_name, args, parent=parent, **extra)
        return context


def init_migrations(app: Flask) -> None:
    """Give the app Flask-Migrate's configuration and its `flask db` commands, both bound on first use."""
    app.extensions["migrate"] = _DeferredMigrations(app)
    app.cli.add_command(_MigrationCommands("db", help="Perform database migrations (Flask-Migrate)."))
