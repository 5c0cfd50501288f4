"""Failing dependencies, over real HTTP against gunicorn: a private PostgreSQL stopped under a running
server and before one boots. Every request that needs the database answers 503 with Retry-After, with a
key or without, from the response cache or not; nothing is a 500; service resumes by itself.

And Redis stopped, or a Redis that accepts connections and never answers: the API fails open (each
process counts rate limits in its own memory) within a bounded wait, and readiness says so.

Skipped without PostgreSQL's or Redis' server binaries (the machine's shared servers are never touched).
"""

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest

from api.cli import create_key
from models import db
from seed_data import seed_database
from tests.servers import REDIS_SERVER, Gunicorn, PrivatePostgres, PrivateRedis, black_hole, postgres_binaries

needs_postgres_binaries = pytest.mark.skipif(
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


@needs_postgres_binaries
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


@needs_postgres_binaries
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


needs_redis_server = pytest.mark.skipif(REDIS_SERVER is None, reason="Redis fault run skipped: no redis-server")


def _limited(make_app, database_url: str, redis_url: str):
    return make_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": redis_url,
            "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
            "RATE_LIMIT_READS": "5 per minute",
        }
    )


# Each request waits for Redis at most twice REDIS_TIMEOUT (0.25 s): its counter, then now and then a
# check whether Redis is back. The bound is far above that, so a pause of a loaded CI machine (one
# request took 2.3 s there) does not fail it, and far below a hang: without a socket timeout redis-py
# would wait for as long as the black hole keeps the connection open.
BOUNDED_WAIT_SECONDS = 5


def _served_within(client, path: str):
    started = time.monotonic()
    response = client.get(path)
    assert time.monotonic() - started < BOUNDED_WAIT_SECONDS, f"{path} took {time.monotonic() - started:.1f} s"
    return response


@needs_redis_server
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_redis_going_down_fails_open_and_readiness_says_so(seeded_app, make_app):
    redis = PrivateRedis()
    redis.start()
    try:
        app = _limited(make_app, seeded_app.config["SQLALCHEMY_DATABASE_URI"], redis.url)
        client = app.test_client()
        assert client.get("/api/v1/health/ready").get_json()["data"] == {
            "status": "ok",
            "database": "ok",
            "redis": "ok",
        }
        assert client.get("/api/v1/studio").headers["X-RateLimit-Remaining"] == "4"
        redis.stop()
        for _ in range(5):  # served, still limited (each process counts alone meanwhile), never a 500
            assert _served_within(client, "/api/v1/studio").status_code == 200
        assert _served_within(client, "/api/v1/studio").status_code == 429
        ready = _served_within(client, "/api/v1/health/ready")
        assert ready.status_code == 200
        assert ready.get_json()["data"] == {"status": "degraded", "database": "ok", "redis": "unavailable"}
    finally:
        redis.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_redis_that_never_answers_costs_a_request_at_most_a_bounded_wait(seeded_app, make_app):
    with black_hole() as port:
        app = _limited(make_app, seeded_app.config["SQLALCHEMY_DATABASE_URI"], f"redis://127.0.0.1:{port}/0")
        client = app.test_client()
        for path in ("/api/v1/studio", "/api/v1/articles", "/api/v1/studio", "/api/v1/topics"):
            assert _served_within(client, path).status_code == 200
        ready = _served_within(client, "/api/v1/health/ready")
        assert ready.status_code == 200 and ready.get_json()["data"]["redis"] == "unavailable"
