"""Every failure is an RFC 9457 problem, inside the API and outside it, and leaks nothing."""

import pytest
from sqlalchemy import text

from models import db


@pytest.mark.parametrize("url", ["/", "/nope", "/api", "/api/v2/articles", "/api/v1/nope", "/api/v1/articles/"])
def test_unknown_urls_are_404_problems_without_route_hints(client, url):
    body = client.problem(url, 404)
    assert "did you mean" not in body["detail"].lower()
    assert "api_v1" not in str(body)


@pytest.mark.parametrize(
    "method, url, allowed",
    [
        ("PUT", "/api/v1/articles", {"GET", "POST"}),
        ("DELETE", "/api/v1/topics", {"GET", "POST"}),
        ("POST", "/api/v1/articles/massage-for-quadratus-lumborum", {"GET", "PUT", "PATCH", "DELETE"}),
        ("DELETE", "/api/v1/studio", {"GET", "PUT", "PATCH"}),
        ("POST", "/api/v1/studio/hours", {"GET", "PUT", "PATCH"}),
        ("PATCH", "/api/v1/", {"GET"}),
        ("DELETE", "/api/v1/health", {"GET"}),
    ],
)
def test_unsupported_methods_are_405_problems_with_allow(client, method, url, allowed):
    response = client.raw.open(url, method=method)
    client.problem(url, 405, method=method)
    assert set(response.headers["Allow"].split(", ")) == allowed | {"HEAD", "OPTIONS"}


def test_405_outside_the_api_is_a_problem_too(client):
    response = client.raw.post("/api/v1/docs/swagger-ui.css")  # a plain Flask route, not a Flask-RESTX one
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"


def test_a_crash_is_a_500_problem_that_reveals_nothing(seeded_app, client):
    with seeded_app.app_context():  # corrupt a stored value so that serving it fails
        db.session.execute(text("UPDATE studio SET hero_slides = '5'"))
        db.session.commit()
    body = client.problem("/api/v1/studio", 500)
    assert "hero_slides" not in str(body) and "not iterable" not in str(body)
    assert "Traceback" not in str(body) and "sqlite" not in str(body).lower()


def test_a_crash_outside_the_api_is_a_500_problem(seeded_app):
    @seeded_app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = seeded_app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "secret internals" not in response.get_data(as_text=True)


def test_the_request_id_is_echoed_in_header_and_problem(client):
    response = client.raw.get("/api/v1/nope", headers={"X-Request-ID": "req-42.a_b"})
    assert response.headers["X-Request-ID"] == "req-42.a_b"
    assert response.get_json()["request_id"] == "req-42.a_b"


def test_an_unsafe_request_id_is_replaced(client):
    response = client.raw.get("/api/v1/health", headers={"X-Request-ID": "<script>"})
    assert response.headers["X-Request-ID"] != "<script>"
    assert len(response.headers["X-Request-ID"]) == 32


def test_the_bare_prefix_redirects_to_the_index(client):
    response = client.raw.get("/api/v1")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/api/v1/")
