"""Failing dependencies, over real HTTP against gunicorn: a private PostgreSQL stopped under a running
server and before one boots. Every request that needs the database answers 503 with Retry-After, with a
key or without, from the response cache or not; nothing is a 500; service resumes by itself.

Skipped without PostgreSQL's server binaries (the machine's shared server is never stopped).
"""

import json
import urllib.error
import urllib.request

import pytest

from api.cli import create_key
from models import db
from seed_data import seed_database
from tests.servers import Gunicorn, PrivatePostgres, postgres_binaries

pytestmark = pytest.mark.skipif(
    not postgres_binaries(), reason="Outage run skipped: no PostgreSQL server binaries here to start and stop"
)
READS = ["/api/v1/articles", "/api/v1/articles/massage-for-quadratus-lumborum", "/api/v1/studio", "/api/v1/"]


def _get(base: str, path: str, key: str | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _assert_unavailable(base: str, key: str) -> None:
    for path in READS:
        for with_key in (None, key):
            status, headers, body = _get(base, path, with_key)
            assert status == 503, (path, with_key is not None, status, body[:300])
            assert headers["Content-Type"] == "application/problem+json" and headers["Retry-After"] == "5"
            assert json.loads(body)["status"] == 503 and b"psycopg" not in body
    assert _get(base, "/api/v1/health")[0] == 200  # the processes themselves are alive
    assert _get(base, "/api/v1/health/ready")[0] == 503


@pytest.fixture
def private_postgres(make_app):
    server = PrivatePostgres()
    server.start()
    setup = make_app({"SQLALCHEMY_DATABASE_URI": server.url, "RATELIMIT_ENABLED": False})
    with setup.app_context():
        db.create_all()
        seed_database()
        key = create_key("reader", "admin")
        db.engine.dispose()
    yield server, key
    server.remove()


def test_a_database_that_goes_down_under_a_running_server_gives_503s(private_postgres):
    server, key = private_postgres
    gunicorn = Gunicorn({"DATABASE_URL": server.url, "RATELIMIT_ENABLED": "false"})
    try:
        for path in READS:  # read once, so that the response cache holds them
            assert _get(gunicorn.base, path)[0] == 200
        server.stop()
        _assert_unavailable(gunicorn.base, key)
        server.start()
        for path in READS:
            assert _get(gunicorn.base, path)[0] == 200
            assert _get(gunicorn.base, path, key)[0] == 200
        assert "Traceback" not in gunicorn.output()
    finally:
        gunicorn.stop()


def test_a_server_booted_while_the_database_is_down_gives_503s_then_serves(private_postgres):
    server, key = private_postgres
    server.stop()
    gunicorn = Gunicorn({"DATABASE_URL": server.url, "RATELIMIT_ENABLED": "false"})
    try:
        _assert_unavailable(gunicorn.base, key)
        server.start()
        for path in READS:
            assert _get(gunicorn.base, path)[0] == 200
        assert "Traceback" not in gunicorn.output()
    finally:
        gunicorn.stop()
