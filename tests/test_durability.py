"""Durability: nothing half-written, nothing lost, and a database that cannot take writes gives 503s."""

import json
import os
import shutil
import sqlite3
import subprocess
import urllib.request

import pytest
from sqlalchemy import event, func, select, text

from models import Article, Revision, db
from models.auth import create_key
from seed_data import seed_database
from tests.servers import Gunicorn, PrivatePostgres, postgres_binaries

NEW = {"title": "Durable", "body_markdown": "Kept.", "status": "published"}


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Article)),
            db.session.scalar(select(func.count()).select_from(Revision)),
        )


def test_a_crash_in_the_middle_of_a_write_leaves_nothing_half_written(seeded_app, client, editor_key, monkeypatch):
    before = counts(seeded_app)

    def crash(*args, **kwargs):  # after the article row is flushed, before its revision and the commit
        raise RuntimeError("the process died here")

    monkeypatch.setattr("api.collection.operations.record_revision", crash)
    client.write("POST", "/api/v1/articles", editor_key, 500, json=NEW)
    assert counts(seeded_app) == before
    monkeypatch.undo()
    client.write("POST", "/api/v1/articles", editor_key, 201, json=NEW)
    assert counts(seeded_app) == (before[0] + 1, before[1] + 1)


def test_a_read_only_sqlite_database_gives_503_and_changes_nothing(seeded_app, make_app, editor_key):
    path = seeded_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    if not os.path.exists(path):
        pytest.skip("a SQLite file is what this opens read-only")
    read_only = make_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///file:{path}?mode=ro&uri=true", "RATELIMIT_ENABLED": False}
    )
    client = read_only.test_client()
    assert client.get("/api/v1/articles").status_code == 200  # reads still work
    key_read = client.get("/api/v1/articles?status=all", headers={"Authorization": f"Bearer {editor_key}"})
    assert key_read.status_code == 200  # with a key too: noting its use may fail, the read does not
    response = client.post("/api/v1/articles", json=NEW, headers={"Authorization": f"Bearer {editor_key}"})
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    assert counts(seeded_app)[0] == 1


def test_a_full_sqlite_database_gives_503_and_changes_nothing(seeded_app, make_app, editor_key):
    path = seeded_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    if not os.path.exists(path):
        pytest.skip("a SQLite file is what this fills")
    full = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "RATELIMIT_ENABLED": False})
    with full.app_context():
        pages = db.session.execute(text("PRAGMA page_count")).scalar()

    with full.app_context():
        db.engine.dispose()

        # Every new connection may grow the file by no page at all: the disk is "full".
        @event.listens_for(db.engine, "connect")
        def no_room(dbapi_connection, _record):
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    response = full.test_client().post(
        "/api/v1/articles",
        json={**NEW, "body_markdown": "x" * 200_000},
        headers={"Authorization": f"Bearer {editor_key}"},
    )
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert counts(seeded_app)[0] == 1


def test_a_read_only_postgresql_database_gives_503(app, make_app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's read-only transactions")
    with app.app_context():
        seed_database()
        key = create_key("writer", "editor")
    url = app.config["SQLALCHEMY_DATABASE_URI"] + "?options=-c%20default_transaction_read_only%3Don"
    read_only = make_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    client = read_only.test_client()
    assert client.get("/api/v1/articles").status_code == 200
    key_read = client.get("/api/v1/articles?status=all", headers={"Authorization": f"Bearer {key}"})
    assert key_read.status_code == 200  # noting the key's use fails on a read-only database; the read does not
    response = client.post("/api/v1/articles", json=NEW, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"


def test_a_worker_killed_right_after_its_201_leaves_the_row(tmp_path, make_app):
    database = f"sqlite:///{tmp_path / 'killed.sqlite3'}"
    setup = make_app({"SQLALCHEMY_DATABASE_URI": database})
    assert setup.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    with setup.app_context():
        key = create_key("writer", "editor")
        db.engine.dispose()
    server = Gunicorn({"DATABASE_URL": database, "RATELIMIT_ENABLED": "false"})
    try:
        request = urllib.request.Request(
            f"{server.base}/api/v1/articles",
            data=json.dumps(NEW).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
        server.kill()  # right after the 201: no shutdown, no flush, nothing more
    finally:
        server.stop()
    with sqlite3.connect(tmp_path / "killed.sqlite3") as connection:
        assert connection.execute("SELECT title FROM articles WHERE slug = 'durable'").fetchone() == ("Durable",)


def test_sqlite_backup_and_restore(seeded_app, client, editor_key, tmp_path, make_app):
    path = seeded_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    if not os.path.exists(path):
        pytest.skip("SQLite's online backup")
    client.write("POST", "/api/v1/articles", editor_key, 201, json=NEW)
    backup = tmp_path / "backup.sqlite3"
    source, target = sqlite3.connect(path), sqlite3.connect(backup)  # the README's command, while the app runs
    source.backup(target)
    source.close()
    target.close()
    client.write("DELETE", "/api/v1/articles/durable", editor_key, 204)
    restored = make_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{backup}", "RATELIMIT_ENABLED": False})
    article = restored.test_client().get("/api/v1/articles/durable")
    assert article.status_code == 200 and article.get_json()["data"]["title"] == "Durable"


@pytest.mark.skipif(
    not shutil.which("pg_dump") or not postgres_binaries(), reason="PostgreSQL backup run skipped: no pg_dump"
)
def test_postgresql_backup_and_restore(make_app):
    server = PrivatePostgres()
    try:
        server.start()
        app = make_app({"SQLALCHEMY_DATABASE_URI": server.url, "RATELIMIT_ENABLED": False})
        assert app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
        dump = os.path.join(server.directory, "content.dump")
        plain_url = server.url.replace("+psycopg", "")
        subprocess.run(
            ["pg_dump", "--format=custom", f"--dbname={plain_url}", f"--file={dump}"], check=True, timeout=60
        )
        subprocess.run(
            ["psql", plain_url, "-c", "CREATE DATABASE restored"], check=True, capture_output=True, timeout=60
        )
        restored_url = plain_url.rsplit("/", 1)[0] + "/restored"
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={restored_url}", dump], check=True, timeout=60)
        restored = make_app(
            {"SQLALCHEMY_DATABASE_URI": server.url.rsplit("/", 1)[0] + "/restored", "RATELIMIT_ENABLED": False}
        )
        articles = restored.test_client().get("/api/v1/articles?q=kidneys").get_json()
        assert [a["slug"] for a in articles["data"]] == ["massage-for-quadratus-lumborum"]  # search index restored too
        for made in (app, restored):
            with made.app_context():
                db.engine.dispose()
    finally:
        server.remove()
