"""Production behaviour: structured logs, rate limits (in memory and in Redis), database outages, several instances."""

import io
import json
import logging
import os
import urllib.error
import urllib.request
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.config import database_url
from api.web.access_log import JsonLineFormatter
from models import db
from models.auth import create_key
from seed_data import seed_database
from tests.conftest import empty_database
from tests.servers import Gunicorn, PrivatePostgres, postgres_binaries

REDIS_URL = os.environ.get("TEST_REDIS_URL")
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="Redis run skipped: set TEST_REDIS_URL (for example redis://127.0.0.1:6379/0)"
)


@pytest.fixture
def captured_logs():
    """Everything the app logs, as the JSON lines it writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    logger = logging.getLogger("api")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_one_json_line_per_request_with_its_id_and_never_the_key(client, editor_key, captured_logs):
    response = client.write(
        "POST",
        "/api/v1/articles",
        editor_key,
        201,
        json={"title": "Logged", "body_markdown": "x"},
        headers={"X-Request-ID": "trace-123"},
    )
    assert response.headers["X-Request-ID"] == "trace-123"
    client.write("POST", "/api/v1/articles", "cps_wrong-key", 401, json={}, headers={"X-Request-ID": "trace-456"})
    lines = [json.loads(line) for line in captured_logs.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "api.access"]
    assert [line["request_id"] for line in access] == ["trace-123", "trace-456"]
    assert access[0]["status"] == 201 and access[0]["api_key"] == "editor-one" and access[0]["method"] == "POST"
    assert access[1]["status"] == 401 and access[1]["api_key"] is None
    assert editor_key not in captured_logs.getvalue() and "cps_wrong-key" not in captured_logs.getvalue()


def _limited_app(make_app, database_url: str, **config):
    return make_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
            "RATE_LIMIT_READS": "3 per minute",
            "RATE_LIMIT_WRITES": "2 per minute",
            "RATE_LIMIT_FAILED_AUTH": "2 per minute",
            **config,
        }
    )


@pytest.fixture
def limited_app(app, make_app):
    limited = _limited_app(make_app, app.config["SQLALCHEMY_DATABASE_URI"])
    with limited.app_context():
        seed_database()
    return limited


def _assert_429(response):
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["status"] == 429


def test_anonymous_reads_have_their_own_budget_with_headers(limited_app):
    client = limited_app.test_client()
    for remaining in (2, 1, 0):
        response = client.get("/api/v1/articles")
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == str(remaining)
        assert int(response.headers["X-RateLimit-Reset"]) > 0
    _assert_429(client.get("/api/v1/studio"))
    with limited_app.app_context():
        key = create_key("writer", "editor")
    # Writes (and reads with a key) spend another budget.
    created = client.post(
        "/api/v1/articles", json={"title": "T", "body_markdown": "B"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert created.status_code == 201
    assert client.get("/api/v1/articles?status=all", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_media_files_have_a_budget_of_their_own(app, make_app):
    from tests.test_media import multipart, photo

    limited = _limited_app(make_app, app.config["SQLALCHEMY_DATABASE_URI"], RATE_LIMIT_FILE_READS="5 per minute")
    with limited.app_context():
        seed_database()
        key = create_key("uploader", "editor")
    client = limited.test_client()
    form = {"file": (io.BytesIO(photo(400, 300)), "door.jpg"), "alt": "The door"}
    answer = client.post("/api/v1/media", headers={"Authorization": f"Bearer {key}"}, **multipart(form))
    assert answer.status_code == 201
    file_url = answer.get_json()["data"]["src"].removeprefix("http://localhost")
    # A page with five images spends none of the three JSON reads an address has here...
    for remaining in (4, 3, 2, 1, 0):
        response = client.get(file_url)
        assert response.status_code == 200 and response.headers["X-RateLimit-Remaining"] == str(remaining)
    _assert_429(client.get(file_url))
    # ... and the JSON reads still have theirs.
    assert client.get("/api/v1/articles").headers["X-RateLimit-Remaining"] == "2"


def test_writes_have_their_own_budget(limited_app):
    client = limited_app.test_client()
    with limited_app.app_context():
        key = create_key("writer", "editor")
    headers = {"Authorization": f"Bearer {key}"}
    for number in (1, 2):
        assert (
            client.post(
                "/api/v1/articles", json={"title": f"T{number}", "body_markdown": "B"}, headers=headers
            ).status_code
            == 201
        )
    _assert_429(client.post("/api/v1/articles", json={"title": "T3", "body_markdown": "B"}, headers=headers))
    assert client.get("/api/v1/articles").status_code == 200  # anonymous reads are unaffected


def test_bad_keys_are_limited_without_locking_out_a_valid_key_or_readers(limited_app):
    """20 guesses from one address (one attacker, or anyone behind the same proxy) spend only the
    bad-key budget: the valid key still writes and reads, readers still read."""
    client = limited_app.test_client()
    with limited_app.app_context():
        key = create_key("writer", "editor")
    guess = {"Authorization": "Bearer cps_guess"}
    for _ in range(2):
        assert client.post("/api/v1/articles", json={}, headers=guess).status_code == 401
    _assert_429(client.post("/api/v1/articles", json={}, headers=guess))
    _assert_429(client.get("/api/v1/studio", headers=guess))
    valid = {"Authorization": f"Bearer {key}"}
    created = client.post("/api/v1/articles", json={"title": "T", "body_markdown": "B"}, headers=valid)
    assert created.status_code == 201
    assert created.headers["X-RateLimit-Limit"] == "2"  # the key's own write budget, not the bad-key one
    read = client.get("/api/v1/articles?status=all", headers=valid)
    assert read.status_code == 200 and read.headers["X-RateLimit-Limit"] == "3000"
    assert client.get("/api/v1/articles").status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/studio", "/api/v1/studio/hours", "/api/v1/", "/api/v1/sitemap.xml"])
def test_a_made_up_authorization_header_is_a_401_not_a_way_around_limits_and_cache(limited_app, url):
    client = limited_app.test_client()
    for header in ("x", "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz"):
        response = client.get(url, headers={"Authorization": header})
        assert response.status_code in (401, 429) and response.mimetype == "application/problem+json"
    for _ in range(3):
        assert client.get(url).status_code == 200
    _assert_429(client.get(url))  # the anonymous budget was not skipped by any of the headers above


def test_one_key_is_one_write_budget_however_the_header_is_spelled(limited_app):
    client = limited_app.test_client()
    with limited_app.app_context():
        key = create_key("writer", "editor")
    spellings = [f"Bearer {key}", f"bearer {key}", f"BEARER   {key}  "]
    for number, spelling in enumerate(spellings[:2]):
        body = {"title": f"Spelled {number}", "body_markdown": "B"}
        assert client.post("/api/v1/articles", json=body, headers={"Authorization": spelling}).status_code == 201
    body = {"title": "Spelled 2", "body_markdown": "B"}
    _assert_429(client.post("/api/v1/articles", json=body, headers={"Authorization": spellings[2]}))


@pytest.mark.parametrize("trusted_proxies, separate_budgets", [(0, False), (1, True)])
def test_forwarded_addresses_count_only_behind_trusted_proxies(app, make_app, trusted_proxies, separate_budgets):
    limited = _limited_app(make_app, app.config["SQLALCHEMY_DATABASE_URI"], TRUSTED_PROXIES=trusted_proxies)
    with limited.app_context():
        seed_database()
    client = limited.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}  # every visitor arrives through the same load balancer
    for _ in range(3):
        response = client.get("/api/v1/studio", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base=proxy)
        assert response.status_code == 200
    other_visitor = client.get("/api/v1/studio", headers={"X-Forwarded-For": "198.51.100.9"}, environ_base=proxy)
    assert (other_visitor.status_code == 200) is separate_budgets
    same_visitor = client.get("/api/v1/studio", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base=proxy)
    assert same_visitor.status_code == 429


def test_trusted_hosts_refuse_any_other_host(app, make_app):
    guarded = make_app(
        {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TRUSTED_HOSTS": ["api.studio.example"]}
    )
    with guarded.app_context():
        seed_database()
    client = guarded.test_client()
    evil = client.get("/api/v1/articles", headers={"Host": "evil.example"})
    assert evil.status_code == 400 and evil.mimetype == "application/problem+json"
    assert "evil.example" not in evil.get_data(as_text=True)
    good = client.get("/api/v1/articles", headers={"Host": "api.studio.example"})
    assert good.status_code == 200
    assert good.get_json()["links"]["self"].startswith("http://api.studio.example/api/v1/articles")


def test_database_errors_never_carry_the_statements_parameters(app):
    with app.app_context():
        with pytest.raises(DBAPIError) as raised:
            db.session.execute(text("SELECT :body + no_such_column"), {"body": "a secret article body"})
        db.session.rollback()
    assert "a secret article body" not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)


def test_limits_can_be_turned_off(app, make_app):
    unlimited = _limited_app(make_app, app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=False)
    with unlimited.app_context():
        seed_database()
    client = unlimited.test_client()
    for _ in range(6):
        response = client.get("/api/v1/articles")
        assert response.status_code == 200 and "X-RateLimit-Limit" not in response.headers


@needs_redis
@pytest.mark.services
def test_limits_in_redis_hold_across_processes(app, make_app):
    prefix = uuid.uuid4().hex
    first, second = (
        _limited_app(
            make_app,
            app.config["SQLALCHEMY_DATABASE_URI"],
            RATELIMIT_STORAGE_URI=REDIS_URL,
            RATELIMIT_KEY_PREFIX=prefix,
        )
        for _ in range(2)
    )
    with first.app_context():
        seed_database()
    assert first.test_client().get("/api/v1/articles").status_code == 200
    assert second.test_client().get("/api/v1/articles").status_code == 200
    response = first.test_client().get("/api/v1/articles")
    assert response.status_code == 200 and response.headers["X-RateLimit-Remaining"] == "0"
    _assert_429(second.test_client().get("/api/v1/articles"))


@pytest.mark.skipif(
    not postgres_binaries(), reason="Outage run skipped: no PostgreSQL server binaries here to start and stop"
)
def test_a_postgresql_outage_gives_503s_and_service_resumes_by_itself(make_app):
    server = PrivatePostgres()
    try:
        server.start()
        app = make_app({"SQLALCHEMY_DATABASE_URI": server.url, "RATELIMIT_ENABLED": False})
        with app.app_context():
            db.create_all()
            seed_database()
            key = create_key("admin", "admin")
        client = app.test_client()
        assert client.get("/api/v1/articles").status_code == 200

        server.stop()
        for method, url in [
            ("GET", "/api/v1/articles"),
            ("GET", "/api/v1/studio/hours"),
            ("GET", "/api/v1/health/ready"),
            ("PATCH", "/api/v1/studio"),
        ]:
            response = client.open(
                url, method=method, json={"tagline": "x"}, headers={"Authorization": f"Bearer {key}"}
            )
            assert response.status_code == 503, (url, response.get_data(as_text=True))
            assert response.mimetype == "application/problem+json"
            assert response.headers["Retry-After"] == "5"
            assert "psycopg" not in response.get_data(as_text=True)
        assert client.get("/api/v1/health").status_code == 200  # the process itself is alive

        server.start()
        assert client.get("/api/v1/health/ready").status_code == 200
        assert client.get("/api/v1/articles").status_code == 200
        with app.app_context():
            db.engine.dispose()  # before the server goes for good
    finally:
        server.remove()


def _http(method: str, url: str, body: dict | None = None, key: str | None = None) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")


@needs_redis
@pytest.mark.services
@pytest.mark.skipif(not POSTGRES_URL, reason="Several-instances run skipped: set TEST_DATABASE_URL and TEST_REDIS_URL")
def test_two_gunicorn_instances_share_postgresql_and_redis(make_app):
    url = database_url(POSTGRES_URL)
    setup = make_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    empty_database(setup)
    result = setup.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    with setup.app_context():
        key = create_key("multi", "editor")
        db.engine.dispose()
    environment = {
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "RATE_LIMIT_READS": "4 per minute",
        "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
    }
    first = Gunicorn(environment)
    try:
        second = Gunicorn(environment)
        try:
            status, headers, body = _http(
                "POST",
                f"{first.base}/api/v1/articles",
                {"title": "Written On One", "body_markdown": "x", "status": "published"},
                key,
            )
            assert status == 201, body
            status, _, body = _http("GET", f"{second.base}/api/v1/articles/written-on-one")
            assert status == 200 and body["data"]["title"] == "Written On One"
            # That GET spent one read; three more across both instances spend the budget of four.
            for base in (first.base, second.base, first.base):
                assert _http("GET", f"{base}/api/v1/studio")[0] == 200
            for base in (first.base, second.base):
                status, headers, body = _http("GET", f"{base}/api/v1/studio")
                assert status == 429 and body["status"] == 429 and int(headers["Retry-After"]) > 0
        finally:
            second.stop()
    finally:
        first.stop()
    empty_database(setup)


@pytest.mark.services
@pytest.mark.skipif(not POSTGRES_URL, reason="Several-instances run skipped: set TEST_DATABASE_URL")
def test_an_image_uploaded_through_one_instance_is_served_by_another(make_app, tmp_path):
    from api.media import make_variants
    from models import Media
    from tests.test_media import has_location, multipart, photo

    url = database_url(POSTGRES_URL)
    setup = make_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    empty_database(setup)
    assert setup.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    with setup.app_context():
        key = create_key("multi", "editor")
        db.engine.dispose()
    # Each instance has a media folder of its own: only the database is shared.
    instances = []
    try:
        for name in ("first", "second"):
            instances.append(Gunicorn({"DATABASE_URL": url, "MEDIA_FOLDER": str(tmp_path / name)}))
        first, second = instances
        body = multipart({"file": (io.BytesIO(photo(1600, 1200)), "IMG_7.JPG"), "alt": "The studio's front door"})
        request = urllib.request.Request(f"{first.base}/api/v1/media", method="POST", data=body["data"])
        request.add_header("Content-Type", body["content_type"])
        request.add_header("Authorization", f"Bearer {key}")
        with urllib.request.urlopen(request, timeout=20) as response:
            assert response.status == 201
        # The variants, made by a third process (as the worker would be) on the same database.
        with setup.test_request_context():
            media_id = db.session.scalar(db.select(Media.media_id).where(Media.slug == "the-studios-front-door"))
            assert make_variants(media_id).startswith("made ")
            db.engine.dispose()
        status, _, image = _http("GET", f"{second.base}/api/v1/media/the-studios-front-door")
        assert status == 200 and image["data"]["processing"] == "ready"
        for file in (image["data"]["original"], image["data"]["variants"][-1]):
            served_url = file["url"].replace("http://localhost", second.base)
            with urllib.request.urlopen(served_url, timeout=10) as response:
                served = response.read()
                assert response.headers["Content-Type"] == file["media_type"] and len(served) == file["bytes"]
                assert "immutable" in response.headers["Cache-Control"]
            assert not has_location(served)
        assert not any((tmp_path / name).exists() and any((tmp_path / name).iterdir()) for name in ("first", "second"))
    finally:
        for instance in instances:
            instance.stop()
    empty_database(setup)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_what_gunicorn_itself_refuses_is_a_problem_too(seeded_app):
    with seeded_app.app_context():
        db.engine.dispose()
    server = Gunicorn({"DATABASE_URL": seeded_app.config["SQLALCHEMY_DATABASE_URI"]})
    try:
        fits = _http("GET", f"{server.base}/api/v1/articles?q={'a' * 7000}")
        assert fits[0] == 400  # long, but within the request line gunicorn reads: the API answers
        status, headers, body = _http("GET", f"{server.base}/api/v1/articles?q={'a' * 9000}")
        assert status == 414 and headers["Content-Type"] == "application/problem+json"
        assert body["status"] == 414 and "8190" in body["detail"] and "aaaa" not in body["detail"]
    finally:
        server.stop()


def test_whoami_reports_the_keys_own_read_budget(limited_app):
    with limited_app.app_context():
        key = create_key("preview", "viewer")
    client = limited_app.test_client()
    for _ in range(3):
        client.get("/api/v1/articles")  # the anonymous budget of this address is spent...
    answer = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {key}"})
    budget = answer.get_json()["data"]["budget"]
    assert budget["limit"] == 3000 and budget["remaining"] == 2999  # ...the key's own is not
    assert answer.headers["X-RateLimit-Remaining"] == "2999" and budget["reset"] > 0
