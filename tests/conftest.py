"""Fixtures: a fresh app and database per test (flaskr style), and a client that checks what it gets."""

import os

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from api import create_app
from api.config import database_url as normalise_database_url
from models import db
from models.auth import create_key
from seed_data import seed_database
from tests.servers import Worker, serving_in_thread

POSTGRESQL_SKIP_REASON = (
    "PostgreSQL run skipped: set TEST_DATABASE_URL (for example "
    "postgresql+psycopg://postgres@127.0.0.1:5432/test) to run every test on PostgreSQL as well as SQLite"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Each test runs on a new SQLite file, and again on PostgreSQL when TEST_DATABASE_URL names one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(POSTGRESQL_SKIP_REASON)
    return normalise_database_url(url)


def test_jobs_config(tmp_path) -> dict:
    """A job queue for one test, and webhooks that may go to the test's own loopback receivers, retried
    after fractions of a second instead of minutes."""
    return {
        "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        "MEDIA_FOLDER": str(tmp_path / "media"),
        "SEARCH_INDEX_FOLDER": str(tmp_path / "search-index"),
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": True,
        "WEBHOOK_RETRY_DELAYS": [0.5, 0.5, 0.5],
        "WEBHOOK_TIMEOUT_SECONDS": 2.0,
    }


def empty_database(app) -> None:
    """Remove every table (the migrations' bookkeeping too), so the database is as new."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.engine.dispose()


@pytest.fixture
def bare_app(database_url, tmp_path):
    """An app on an empty database: no tables at all (and a job queue of its own)."""
    config = {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False, **test_jobs_config(tmp_path)}
    app = create_app({"TESTING": True, **config})
    empty_database(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(tmp_path):
    """Make extra apps inside a test (a second process, a different configuration); closed at the end."""
    made = []

    def make(config: dict):
        new_app = create_app({"TESTING": True, **test_jobs_config(tmp_path), **config})
        made.append(new_app)
        return new_app

    yield make
    for made_app in made:
        with made_app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(bare_app):
    """An app on a new, empty database of its own, with its tables created."""
    with bare_app.app_context():
        db.create_all()
    return bare_app


@pytest.fixture
def seeded_app(app):
    """The app with the studio's page seeded."""
    with app.app_context():
        seed_database()
    return app


class ApiClient:
    """A test client whose helpers assert the status and media type of every answer."""

    def __init__(self, flask_client):
        self.raw = flask_client

    def get_json(self, url: str, status: int = 200, **kwargs):
        response = self.raw.get(url, **kwargs)
        expected_type = "application/json" if status < 400 else "application/problem+json"
        assert response.status_code == status, response.get_data(as_text=True)[:500]
        assert response.mimetype == expected_type
        return response

    def write(self, method: str, url: str, key: str | None, status: int, **kwargs):
        """Send a write with the key (if any), assert its status and media type, return the response.

        A PUT, PATCH, DELETE or revision restore reads the item first and sends its ETag in If-Match, as
        a careful script does (the server requires it); `headers={"If-Match": None}` sends none, to test
        that. A restore or purge of a deleted item names the ETag its DELETE answered with."""
        headers = dict(kwargs.pop("headers", {}))
        if key:
            headers["Authorization"] = f"Bearer {key}"
        # A revision's restore names the item as it is now: read it at the item's URL.
        item_url = url.split("/revisions/")[0] if url.endswith("/restore") and "/revisions/" in url else None
        if (method in ("PUT", "PATCH", "DELETE") or item_url) and "If-Match" not in headers:
            current = self.raw.get(item_url or url, headers=headers)
            if current.status_code == 200:
                headers["If-Match"] = current.headers["ETag"]
        if headers.get("If-Match", "") is None:
            del headers["If-Match"]
        response = self.raw.open(url, method=method, headers=headers, **kwargs)
        assert response.status_code == status, response.get_data(as_text=True)[:500]
        if status == 204:
            assert response.get_data() == b""
        elif status < 400:
            assert response.mimetype == "application/json"
        else:
            assert response.mimetype == "application/problem+json"
            assert response.get_json()["status"] == status
        return response

    def as_key(self, key: str, url: str, status: int = 200):
        """GET with a key."""
        return self.get_json(url, status, headers={"Authorization": f"Bearer {key}"})

    def problem(self, url: str, status: int, method: str = "GET", **kwargs):
        """Request `url`, assert it answers the problem `status`, and return the problem body."""
        response = self.raw.open(url, method=method, **kwargs)
        assert response.status_code == status, response.get_data(as_text=True)[:500]
        assert response.mimetype == "application/problem+json"
        body = response.get_json()
        assert body["status"] == status
        assert body["type"] == "about:blank"
        assert body["title"] and body["detail"]
        assert body["instance"] == url.split("?")[0]
        assert body["request_id"] == response.headers["X-Request-ID"]
        return body


@pytest.fixture
def client(seeded_app):
    return ApiClient(seeded_app.test_client())


@pytest.fixture
def empty_client(app):
    return ApiClient(app.test_client())


def _make_key(app, name: str, role: str) -> str:
    with app.app_context():
        return create_key(name, role)


@pytest.fixture
def editor_key(seeded_app):
    return _make_key(seeded_app, "editor-one", "editor")


@pytest.fixture
def admin_key(seeded_app):
    return _make_key(seeded_app, "admin-one", "admin")


@pytest.fixture
def worker(seeded_app):
    """Start the real worker on the test's database and queue (stopped at the end)."""
    started = []
    config = seeded_app.config

    def start(threads: int = 2, **extra: str) -> Worker:
        environment = {
            "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
            "JOBS_URL": config["JOBS_URL"],
            "JOBS_QUEUE_NAME": config["JOBS_QUEUE_NAME"],
            "MEDIA_FOLDER": config["MEDIA_FOLDER"],
            "MEDIA_STORAGE": config["MEDIA_STORAGE"],
            "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
            "WEBHOOK_RETRY_DELAYS": ",".join(str(delay) for delay in config["WEBHOOK_RETRY_DELAYS"]),
            "WEBHOOK_TIMEOUT_SECONDS": str(config["WEBHOOK_TIMEOUT_SECONDS"]),
            "PUBLIC_API_URL": "http://127.0.0.1:5000",
            **extra,
        }
        started.append(Worker(environment, threads))
        return started[-1]

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def live_server(seeded_app):
    """The seeded app served over real HTTP on a free loopback port, for what a test client cannot send."""
    with serving_in_thread(make_server("127.0.0.1", 0, seeded_app, threaded=True)) as port:
        yield f"127.0.0.1:{port}"


def pytest_terminal_summary(terminalreporter):
    """Say once why tests were skipped, rather than once per test."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items()):
        terminalreporter.write_line(f"SKIPPED {count} tests: {reason}")


def pytest_addoption(parser):
    parser.addoption(
        "--services-only",
        action="store_true",
        help="run only the tests that PostgreSQL and Redis make run (the PostgreSQL half of every test, and those "
        "marked `services`): CI's second pass, after the whole suite has run on SQLite",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "services: runs only where TEST_DATABASE_URL or TEST_REDIS_URL name a server")


def pytest_collection_modifyitems(config, items):
    """With --services-only, leave out what the SQLite run has already run the same way."""
    if not config.getoption("--services-only"):
        return
    wanted, left_out = [], []
    for item in items:
        on_postgresql = getattr(item, "callspec", None) and item.callspec.params.get("database_url") == "postgresql"
        (wanted if on_postgresql or item.get_closest_marker("services") else left_out).append(item)
    config.hook.pytest_deselected(items=left_out)
    items[:] = wanted
