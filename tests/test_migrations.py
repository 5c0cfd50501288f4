"""The migrations in migrations/ build exactly the schema the models describe, and can be undone."""

import shutil

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from api.config import MIGRATIONS_DIRECTORY
from api.extensions import include_in_migrations
from models import db
from seed_data import seed_database
from tests.factories import add_article


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


def test_flask_db_commands_work_though_a_serving_app_never_loads_alembic(bare_app):
    """`flask db` is bound on first use (alembic costs a worker 11 MB): it still upgrades and reports."""
    runner = bare_app.test_cli_runner()
    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "--directory" in runner.invoke(args=["db", "--help"]).output
    head = ScriptDirectory(str(MIGRATIONS_DIRECTORY)).get_current_head()
    with bare_app.app_context():
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == head
        db.session.remove()
        db.engine.dispose()


def test_sqlite_connections_are_tuned_for_several_workers(tmp_path, make_app):
    app = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'tuned.sqlite3'}"})
    with app.app_context(), db.engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert (
            pragma("busy_timeout") == 5000
        )  # below gunicorn's 30 s: a stalled writer costs others a 503, not a worker
        assert pragma("foreign_keys") == 1


def test_postgresql_connections_are_pre_pinged(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("pre-ping is for PostgreSQL's pooled connections")
        assert db.engine.pool._pre_ping is True
        settings = {name: db.session.execute(text(f"SHOW {name}")).scalar() for name in _TIMEOUTS}
    assert settings == _TIMEOUTS  # below gunicorn's 30 s worker timeout


_TIMEOUTS = {"lock_timeout": "5s", "statement_timeout": "15s", "idle_in_transaction_session_timeout": "30s"}


REBUILDING_MIGRATION = '''"""A later migration that makes SQLite's batch mode rebuild the articles table (as dropping a column does)."""
from alembic import op

revision = "rebuild0articles"
down_revision = "{head}"


def upgrade():
    with op.batch_alter_table("articles", recreate="always"):
        pass


def downgrade():
    with op.batch_alter_table("articles", recreate="always"):
        pass
'''


def test_a_migration_that_rebuilds_a_searched_table_keeps_search_in_step(bare_app, tmp_path):
    """SQLite's batch mode rebuilds a table to drop or alter a column, and the rebuilt table has lost the
    triggers that feed its search index; the migrations' own hook gives them back after every step."""
    app = bare_app
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("a table rebuild is SQLite's batch mode")
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIRECTORY, directory)
    head = ScriptDirectory(str(directory)).get_current_head()
    (directory / "versions" / "rebuild0articles.py").write_text(
        REBUILDING_MIGRATION.format(head=head), encoding="utf-8"
    )
    with app.app_context():
        upgrade(directory=str(directory))
        seed_database()
    client = app.test_client()
    found = client.get("/api/v1/articles?q=quadratus").get_json()["meta"]["total"]
    assert found >= 1
    add_article(app, "zygomatic-words", body_markdown="Zygomatic arches, written after the rebuild.")
    assert client.get("/api/v1/articles?q=zygomatic").get_json()["meta"]["total"] == 1
    with app.app_context():
        downgrade(directory=str(directory), revision="base")  # every step back, search's own included
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        db.engine.dispose()


def test_content_from_before_the_shared_workflow_stays_public_and_in_order(bare_app):
    """Topics and series were public as soon as they existed: the migration that gives them a workflow
    publishes what there was, and numbers each series' articles in the order they had (by id)."""
    app = bare_app
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIRECTORY, revision="539c0107155b")
        now = "2026-11-20 10:00:00.000000"
        statements = [
            "INSERT INTO series (id, slug, title) VALUES (1, 'old-series', 'Old Series')",
            "INSERT INTO topics (id, slug, name, aliases, attachments, actions, stressors, signs, assessment, care,"
            f" created_at, updated_at, version) VALUES (1, 'old-topic', 'Old Topic', '[]', '[]', '[]', '[]', '[]',"
            f" '[]', '[]', '{now}', '{now}', 1)",
        ]
        for article_id in (2, 1):
            statements.append(
                "INSERT INTO articles (id, slug, title, body_markdown, body_html, body_text, toc,"
                " reading_time_minutes, status, published_at, series_id, created_at, updated_at, version)"
                f" VALUES ({article_id}, 'part-{article_id}', 'Part {article_id}', 'x', '<p>x</p>', 'x', '[]', 1,"
                f" 'published', '{now}', 1, '{now}', '{now}', 1)"
            )
        for statement in statements:
            db.session.execute(text(statement))
        db.session.commit()
        upgrade(directory=MIGRATIONS_DIRECTORY)
        assert _schema_drift() == []
        db.engine.dispose()
    client = app.test_client()
    assert client.get("/api/v1/topics/old-topic").status_code == 200
    series = client.get("/api/v1/series/old-series").get_json()["data"]
    assert [(a["slug"], a["position"]) for a in series["articles"]] == [("part-1", 1), ("part-2", 2)]
    assert client.get("/api/v1/topics?q=old").get_json()["meta"]["total"] == 1  # search still finds it
