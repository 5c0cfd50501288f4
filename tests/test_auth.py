"""API keys: made, listed and revoked from the CLI; 401 and 403 decided before the body is read."""

import pytest
from sqlalchemy import select

from models import ApiKey, db

ARTICLES = "/api/v1/articles"


def test_cli_creates_a_key_shown_once_as_the_last_line_and_stores_only_a_digest(seeded_app):
    runner = seeded_app.test_cli_runner()
    result = runner.invoke(args=["api-keys", "create", "alice", "--role", "admin"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("cps_") and len(key) > 40
    with seeded_app.app_context():
        stored = db.session.scalar(select(ApiKey).where(ApiKey.name == "alice"))
        assert stored.role == "admin"
        assert key not in (stored.digest, stored.name) and len(stored.digest) == 64
    listing = runner.invoke(args=["api-keys", "list"])
    assert "alice" in listing.output and "admin" in listing.output and key not in listing.output
    duplicate = runner.invoke(args=["api-keys", "create", "alice", "--role", "editor"])
    assert duplicate.exit_code != 0
    bad_role = runner.invoke(args=["api-keys", "create", "bob", "--role", "owner"])
    assert bad_role.exit_code != 0


def test_a_key_works_until_revoked_and_then_at_once_no_more(seeded_app, client):
    runner = seeded_app.test_cli_runner()
    key = runner.invoke(args=["api-keys", "create", "temp", "--role", "editor"]).output.strip().splitlines()[-1]
    client.as_key(key, f"{ARTICLES}?status=draft")
    assert runner.invoke(args=["api-keys", "revoke", "temp"]).exit_code == 0
    client.problem(f"{ARTICLES}?status=draft", 401, headers={"Authorization": f"Bearer {key}"})
    client.write("POST", ARTICLES, key, 401, json={"title": "x", "body_markdown": "y"})
    assert runner.invoke(args=["api-keys", "revoke", "nobody"]).exit_code != 0
    listing = runner.invoke(args=["api-keys", "list"]).output
    assert "temp" in listing


def test_last_use_is_recorded(seeded_app, client, editor_key):
    client.as_key(editor_key, f"{ARTICLES}?status=draft")
    with seeded_app.app_context():
        assert db.session.scalar(select(ApiKey.last_used_at).where(ApiKey.name == "editor-one")) is not None


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer ",
        "Bearer cps_not-a-real-key",
        "Basic dXNlcjpwYXNz",
        "cps_no_scheme",
        "Bearer wrong-prefix",
    ],
)
def test_missing_or_invalid_keys_are_401_with_a_bearer_challenge(client, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.raw.post(ARTICLES, json={"title": "x", "body_markdown": "y"}, headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_401_comes_before_the_body_is_looked_at(client):
    # Not JSON, too big, and invalid: still a 401, because the key decides first.
    response = client.raw.post(ARTICLES, data=b"\x00" * 2_000_000, content_type="text/plain")
    assert response.status_code == 401
    assert client.get_json(ARTICLES).get_json()["meta"]["total"] == 1


@pytest.mark.parametrize(
    "method, url",
    [
        ("PATCH", "/api/v1/studio"),
        ("PUT", "/api/v1/studio/hours"),
        ("POST", "/api/v1/studio/hours/exceptions"),
        ("POST", "/api/v1/articles/massage-for-quadratus-lumborum/purge"),
        ("POST", "/api/v1/topics/quadratus-lumborum/revisions/1/restore"),
    ],
)
def test_an_editor_reaching_for_admin_work_gets_403(client, editor_key, method, url):
    body = client.write(method, url, editor_key, 403, json={}).get_json()
    assert "admin" in body["detail"]


def test_status_other_than_published_needs_a_key(client):
    for status in ("draft", "scheduled", "deleted", "all"):
        client.problem(f"{ARTICLES}?status={status}", 401)
    client.get_json(f"{ARTICLES}?status=published")


def test_authenticated_reads_are_private(client, editor_key):
    response = client.as_key(editor_key, ARTICLES)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Authorization" in response.headers["Vary"]
    assert client.get_json(ARTICLES).headers["Cache-Control"].startswith("public")


def test_swagger_ui_offers_the_bearer_key(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    scheme = spec["components"]["securitySchemes"]["bearer"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert "paste only the key" in scheme["description"]


def test_a_keys_last_use_is_written_at_most_every_few_minutes(seeded_app, client, editor_key):
    def last_used():
        with seeded_app.app_context():
            return db.session.scalar(db.select(ApiKey.last_used_at).where(ApiKey.name == "editor-one"))

    client.as_key(editor_key, "/api/v1/articles?status=all")
    first = last_used()
    assert first is not None
    client.as_key(editor_key, "/api/v1/topics?status=all")
    assert last_used() == first  # a second read moments later writes nothing


def test_a_viewer_key_reads_drafts_and_writes_nothing(seeded_app, client):
    from models.auth import create_key

    with seeded_app.app_context():
        viewer = create_key("preview-server", "viewer")
    drafts = client.as_key(viewer, "/api/v1/articles?status=draft").get_json()
    assert drafts["meta"]["total"] == 0  # allowed: a viewer may list drafts (none are seeded)
    before = client.as_key(viewer, "/api/v1/articles?status=all").get_json()
    problem = client.write("POST", "/api/v1/articles", viewer, 403, json={"title": "T", "body_markdown": "B"})
    assert problem.get_json()["detail"] == "This needs the editor role; the key 'preview-server' has the role viewer."
    client.write("PATCH", "/api/v1/articles/massage-for-quadratus-lumborum", viewer, 403, json={"excerpt": "x"})
    client.write("GET", "/api/v1/articles/massage-for-quadratus-lumborum/revisions", viewer, 403)
    assert client.as_key(viewer, "/api/v1/articles?status=all").get_json() == before


def test_whoami_tells_a_key_its_name_role_and_budget(seeded_app, client, editor_key):
    answer = client.as_key(editor_key, "/api/v1/whoami")
    assert answer.headers["Cache-Control"] == "private, no-store"
    me = answer.get_json()["data"]
    assert (me["name"], me["role"]) == ("editor-one", "editor") and me["created_at"].endswith("Z")
    assert me["budget"] is None  # the test app runs without rate limits
    client.problem("/api/v1/whoami", 401)


def test_keys_carry_a_checksum_that_scanners_and_the_server_check(seeded_app, client, editor_key):
    import re

    from models.auth import has_valid_checksum

    assert re.fullmatch(r"cps_[A-Za-z0-9]{46}", editor_key) and has_valid_checksum(editor_key)
    mistyped = editor_key[:-1] + ("x" if editor_key[-1] != "x" else "y")
    assert not has_valid_checksum(mistyped)
    client.problem("/api/v1/whoami", 401, headers={"Authorization": f"Bearer {mistyped}"})


def test_keys_made_before_the_checksum_keep_working(seeded_app, client):
    import hashlib
    import secrets

    old_style = "cps_" + secrets.token_urlsafe(32)  # 43 URL-safe characters, no checksum
    with seeded_app.app_context():
        db.session.add(ApiKey(name="old-key", role="editor", digest=hashlib.sha256(old_style.encode()).hexdigest()))
        db.session.commit()
    assert client.as_key(old_style, "/api/v1/whoami").get_json()["data"]["name"] == "old-key"


def test_an_expired_key_stops_working(seeded_app, client):
    from datetime import UTC, datetime, timedelta

    from models.auth import create_key

    with seeded_app.app_context():
        soon = create_key("short-lived", "viewer", datetime.now(UTC) + timedelta(days=1))
        gone = create_key("expired", "viewer", datetime.now(UTC) - timedelta(seconds=1))
    assert client.as_key(soon, "/api/v1/whoami").get_json()["data"]["expires_at"].endswith("Z")
    client.problem("/api/v1/whoami", 401, headers={"Authorization": f"Bearer {gone}"})


def test_a_rotated_key_keeps_working_through_its_grace_period(seeded_app, client):
    runner = seeded_app.test_cli_runner()
    created = runner.invoke(args=["api-keys", "create", "build-bot", "--role", "editor", "--expires-in-days", "90"])
    assert created.exit_code == 0 and "valid until" in created.output
    old_key = created.output.strip().splitlines()[-1]
    rotated = runner.invoke(args=["api-keys", "rotate", "build-bot", "--grace-hours", "24"])
    assert rotated.exit_code == 0, rotated.output
    new_key = rotated.output.strip().splitlines()[-1]
    assert new_key != old_key
    for key in (old_key, new_key):  # a script still sending the old key keeps working meanwhile
        me = client.as_key(key, "/api/v1/whoami").get_json()["data"]
        assert me["name"] == "build-bot" and me["previous_key_valid_until"] is not None
    again = runner.invoke(args=["api-keys", "rotate", "build-bot", "--grace-hours", "0"])
    assert again.exit_code == 0
    newest = again.output.strip().splitlines()[-1]
    for stale in (old_key, new_key):  # no grace: what it replaced stops at once (and the first is long gone)
        client.problem("/api/v1/whoami", 401, headers={"Authorization": f"Bearer {stale}"})
    assert client.as_key(newest, "/api/v1/whoami").get_json()["data"]["name"] == "build-bot"
    missing = runner.invoke(args=["api-keys", "rotate", "nobody"])
    assert missing.exit_code != 0 and "no active key is called 'nobody'" in missing.output


def test_a_revoked_keys_name_may_be_given_to_a_new_key(seeded_app, client):
    runner = seeded_app.test_cli_runner()
    first = runner.invoke(args=["api-keys", "create", "blog-bot", "--role", "editor"]).output.strip().splitlines()[-1]
    taken = runner.invoke(args=["api-keys", "create", "blog-bot", "--role", "editor"])
    assert taken.exit_code != 0 and "already" in taken.output
    assert runner.invoke(args=["api-keys", "revoke", "blog-bot"]).exit_code == 0
    second = runner.invoke(args=["api-keys", "create", "blog-bot", "--role", "viewer"])
    assert second.exit_code == 0, second.output
    client.problem("/api/v1/whoami", 401, headers={"Authorization": f"Bearer {first}"})
    again = client.as_key(second.output.strip().splitlines()[-1], "/api/v1/whoami").get_json()["data"]
    assert (again["name"], again["role"]) == ("blog-bot", "viewer")
    listed = runner.invoke(args=["api-keys", "list"]).output
    assert listed.count("blog-bot") == 2  # the revoked one stays listed, with when it was revoked


def test_an_editor_reads_revisions_and_restores_only_its_own_deletions(seeded_app, client, editor_key, admin_key):
    from models.auth import create_key

    with seeded_app.app_context():
        other_editor = create_key("editor-two", "editor")
    article = "/api/v1/articles/massage-for-quadratus-lumborum"
    assert client.as_key(editor_key, f"{article}/revisions").get_json()["data"][0]["action"] == "seeded"
    deleted = client.write("DELETE", article, editor_key, 204).headers["ETag"]
    refused = client.write("POST", f"{article}/restore", other_editor, 403, headers={"If-Match": deleted}).get_json()
    assert "its own key deleted" in refused["detail"]
    client.write("POST", f"{article}/restore", editor_key, 200, headers={"If-Match": deleted})  # its own deletion
    deleted = client.write("DELETE", article, admin_key, 204).headers["ETag"]
    client.write("POST", f"{article}/restore", editor_key, 403, headers={"If-Match": deleted})  # the admin's
    client.write("POST", f"{article}/restore", admin_key, 200, headers={"If-Match": deleted})
