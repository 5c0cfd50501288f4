"""Fixtures: a fresh app and database per test (flaskr style), and a client that checks what it gets."""

import pytest

from api import create_app
from models import db
from seed_data import seed_database


@pytest.fixture
def app(tmp_path):
    """An app on a new, empty SQLite database of its own, with its tables created."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}"})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


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
        assert response.status_code == status, response.get_data(as_text=True)
        assert response.mimetype == expected_type
        return response

    def problem(self, url: str, status: int, method: str = "GET", **kwargs):
        """Request `url`, assert it answers the problem `status`, and return the problem body."""
        response = self.raw.open(url, method=method, **kwargs)
        assert response.status_code == status, response.get_data(as_text=True)
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
