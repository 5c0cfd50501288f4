"""The migrations in migrations/ build exactly the schema the models describe, and can be undone."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from api.config import MIGRATIONS_DIRECTORY
from api.extensions import include_in_migrations
from models import db


def _schema_drift() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_in_migrations}
        )
        return compare_metadata(context, db.metadata)


def test_migrations_and_models_agree_and_downgrade_cleanly(bare_app):
    app = bare_app
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIRECTORY)
        assert _schema_drift() == []
        downgrade(directory=MIGRATIONS_DIRECTORY, revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        upgrade(directory=MIGRATIONS_DIRECTORY)
        assert "articles" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_the_seed_command_migrates_an_empty_database_first(bare_app):
    app = bare_app
    result = app.test_cli_runner().invoke(args=["seed", "--if-empty"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _schema_drift() == []
        db.engine.dispose()
    assert app.test_client().get("/api/v1/articles/massage-for-quadratus-lumborum").status_code == 200


def test_sqlite_connections_are_tuned_for_several_workers(tmp_path, make_app):
    app = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'tuned.sqlite3'}"})
    with app.app_context(), db.engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("busy_timeout") == 30000
        assert pragma("foreign_keys") == 1


def test_postgresql_connections_are_pre_pinged(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("pre-ping is for PostgreSQL's pooled connections")
        assert db.engine.pool._pre_ping is True
