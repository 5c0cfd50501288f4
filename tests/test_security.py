"""Security headers on every answer, and a production start that refuses to run without its secrets."""

import subprocess
import sys

import pytest

from api.config import check_production_environment
from tests.servers import REPOSITORY


@pytest.mark.parametrize(
    "url", ["/api/v1/articles", "/api/v1/nope", "/api/v1/studio/structured-data", "/nope", "/api/v1/docs"]
)
def test_every_answer_carries_the_security_headers(client, url):
    response = client.raw.get(url)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and policy.startswith("default-src 'none'")
    if url.endswith("/docs"):
        assert "script-src 'self' 'unsafe-inline'" in policy  # Swagger UI's own start-up script
    else:
        assert "script-src" not in policy


def test_debug_is_off_unless_asked_for(app):
    assert app.debug is False


@pytest.mark.parametrize(
    "environment, problem",
    [
        ({"APP_ENV": "production"}, "DATABASE_URL, REDIS_URL"),
        ({"APP_ENV": "production", "DATABASE_URL": "postgresql://db/content"}, "REDIS_URL"),
        ({"APP_ENV": "production", "DATABASE_URL": "x", "REDIS_URL": "y", "FLASK_DEBUG": "1"}, "FLASK_DEBUG"),
        (
            {"APP_ENV": "production", "DATABASE_URL": "x", "REDIS_URL": "y", "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true"},
            "WEBHOOK_ALLOW_PRIVATE_TARGETS",
        ),
    ],
)
def test_production_refuses_to_start_without_its_secrets(environment, problem):
    with pytest.raises(RuntimeError, match=problem):
        check_production_environment(environment)


def test_production_starts_with_them_and_development_needs_none():
    check_production_environment({"APP_ENV": "production", "DATABASE_URL": "x", "REDIS_URL": "y"})
    check_production_environment({})


def test_a_production_server_without_secrets_exits_with_the_reason():
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
        env={"APP_ENV": "production", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "APP_ENV=production needs DATABASE_URL, REDIS_URL" in result.stderr
