"""A stalled transaction holding the lock every write needs (the content version's row on PostgreSQL,
the write lock on SQLite), over real HTTP against gunicorn's two sync workers: writes behind it give up
with a 503 after the lock timeout instead of holding workers until gunicorn kills them, and reads are
never blocked by it."""

import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request

import psycopg

from api.cli import create_key
from models import LOCK_TIMEOUT_SECONDS, db
from tests.servers import Gunicorn

ARTICLE = "/api/v1/articles/massage-for-quadratus-lumborum"


def _request(base: str, path: str, key: str, method: str = "GET", body: dict | None = None, etag: str | None = None):
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    if etag:
        headers["If-Match"] = etag
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=40) as response:
            return response.status, dict(response.headers), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), time.monotonic() - started


def _stall(database_uri: str):
    """Open a transaction that takes the lock every write needs, and leave it open."""
    if database_uri.startswith("sqlite"):
        connection = sqlite3.connect(database_uri.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE content_state SET version = version")
        return connection
    connection = psycopg.connect(database_uri.replace("postgresql+psycopg://", "postgresql://"))
    connection.execute("UPDATE content_state SET version = version")  # psycopg keeps the transaction open
    return connection


def test_writes_behind_a_stalled_transaction_give_up_with_503_and_reads_go_on(seeded_app):
    uri = seeded_app.config["SQLALCHEMY_DATABASE_URI"]
    with seeded_app.app_context():
        key = create_key("writer", "editor")
        db.engine.dispose()
    server = Gunicorn({"DATABASE_URL": uri, "RATELIMIT_ENABLED": "false"})
    try:
        _status, headers, _ = _request(server.base, ARTICLE, key)  # the key's first use is noted now
        stalled = _stall(uri)
        try:
            answers = []
            writer = threading.Thread(
                target=lambda: answers.append(
                    _request(server.base, ARTICLE, key, "PATCH", {"excerpt": "Waits."}, headers["ETag"])
                )
            )
            writer.start()
            time.sleep(0.5)  # the write waits for the lock in one worker; the other serves the reads
            reads = [_request(server.base, path, key)[2] for path in (ARTICLE, "/api/v1/studio") * 10]
            writer.join()
            status, write_headers, waited = answers[0]
            assert status == 503 and write_headers["Retry-After"] == "5"
            assert LOCK_TIMEOUT_SECONDS - 0.5 < waited < LOCK_TIMEOUT_SECONDS + 5
            assert max(reads) < 1.0, reads  # a reader never waits for the writer's lock
        finally:
            stalled.close()  # the stall ends; writes go through again
        assert _request(server.base, ARTICLE, key, "PATCH", {"excerpt": "Now."}, headers["ETag"])[0] == 200
    finally:
        server.stop()
