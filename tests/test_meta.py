"""The index and the health checks."""

import os

from models import db


def test_index_links_to_everything(client):
    index = client.get_json("/api/v1/").get_json()["data"]
    assert index["version"] == "1.0"
    assert index["links"]["docs"] == "http://localhost/api/v1/docs"
    assert index["links"]["spec"] == "http://localhost/api/v1/openapi.json"
    for name in ("articles", "topics", "studio", "hours", "health"):
        path = index["links"][name].removeprefix("http://localhost")
        client.get_json(path)
    for name, media_type in (
        ("structured_data", "application/ld+json"),
        ("feed", "application/atom+xml"),
        ("sitemap", "application/xml"),
    ):
        answer = client.raw.get(index["links"][name].removeprefix("http://localhost"))
        assert (answer.status_code, answer.mimetype) == (200, media_type), name
    assert client.raw.get("/api/v1/").headers["Last-Modified"]


def test_liveness_does_not_need_the_database(empty_client):
    body = empty_client.get_json("/api/v1/health").get_json()
    assert body == {"data": {"status": "ok"}}


def test_readiness_reports_the_database(client):
    response = client.get_json("/api/v1/health/ready")
    assert response.get_json() == {"data": {"status": "ok", "database": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


def test_readiness_is_a_503_when_the_database_is_gone(app, tmp_path):
    """A database file that cannot be opened (its folder is gone) answers 503 with Retry-After."""
    from api import create_app

    broken = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"})
    response = broken.test_client().get("/api/v1/health/ready")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    assert not os.path.exists(tmp_path / "missing")
    with broken.app_context():
        db.engine.dispose()


def test_reads_carry_an_etag_and_answer_304(client):
    first = client.get_json("/api/v1/articles")
    assert first.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    etag = first.headers["ETag"]
    again = client.raw.get("/api/v1/articles", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
