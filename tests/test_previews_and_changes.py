"""Draft previews, the change feed and CDN keys, as a frontend, a build and an editor see them."""

ARTICLE = "massage-for-quadratus-lumborum"


def _draft(client, key, title="Stretches for the hips"):
    body = {"title": title, "body_markdown": "Hold each for a minute.", "status": "draft"}
    return client.write("POST", "/api/v1/articles", key, 201, json=body).get_json()["data"]["slug"]


def test_a_preview_link_shows_one_draft_as_the_public_will_see_it_until_revoked(client, editor_key):
    slug = _draft(client, editor_key)
    client.get_json(f"/api/v1/articles/{slug}", 404)
    made = client.write("POST", f"/api/v1/articles/{slug}/preview-links", editor_key, 201, json={})
    link = made.get_json()["data"]
    assert link["token"].startswith("prv_") and link["api_url"].endswith(f"/api/v1/previews/{link['token']}")
    preview = client.get_json(link["api_url"].split("localhost", 1)[1])
    assert preview.headers["Cache-Control"] == "private, no-store"
    assert preview.headers["X-Robots-Tag"].startswith("noindex")
    data = preview.get_json()["data"]
    assert data["slug"] == slug and data["status"] == "draft" and "body_markdown" not in data  # the public's shape
    # Nothing else becomes readable with it.
    other = _draft(client, editor_key, "Another draft")
    client.get_json(f"/api/v1/articles/{other}", 401, headers={"Authorization": f"Bearer {link['token']}"})
    client.get_json(f"/api/v1/articles/{other}", 404)
    client.get_json("/api/v1/previews/prv_not-a-real-token", 404)
    client.write("POST", f"/api/v1/articles/{slug}/preview-links", None, 401, json={})
    listed = client.as_key(editor_key, f"/api/v1/articles/{slug}/preview-links").get_json()["data"]
    assert [entry["id"] for entry in listed] == [link["id"]] and "token" not in listed[0]
    client.write("DELETE", f"/api/v1/articles/{slug}/preview-links/{link['id']}", editor_key, 204)
    client.get_json(f"/api/v1/previews/{link['token']}", 404)


def test_an_expired_preview_link_reads_nothing(client, editor_key, seeded_app):
    from datetime import timedelta

    from models import PreviewLink, db
    from models.types import utcnow

    slug = _draft(client, editor_key)
    token = client.write("POST", f"/api/v1/articles/{slug}/preview-links", editor_key, 201, json={"expires_in_hours": 1}).get_json()["data"]["token"]  # fmt: skip
    client.get_json(f"/api/v1/previews/{token}")
    with seeded_app.app_context():
        db.session.execute(db.update(PreviewLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    client.get_json(f"/api/v1/previews/{token}", 404)
    client.write("POST", f"/api/v1/articles/{slug}/preview-links", editor_key, 422, json={"expires_in_hours": 1000})


def test_a_build_reading_changes_twice_sees_only_the_second_edit(client, editor_key):
    first = client.get_json("/api/v1/changes").get_json()
    assert first["data"] and first["data"][-1]["cursor"] <= first["meta"]["next_cursor"]
    cursor = first["meta"]["next_cursor"]
    client.write("PATCH", f"/api/v1/articles/{ARTICLE}", editor_key, 200, json={"title": "Massage for the QL"})
    second = client.get_json(f"/api/v1/changes?since={cursor}").get_json()
    assert [(c["change"], c["item_type"], c["slug"]) for c in second["data"]] == [("updated", "article", ARTICLE)]
    assert second["meta"]["has_more"] is False
    again = client.get_json(f"/api/v1/changes?since={second['meta']['next_cursor']}").get_json()
    assert again["data"] == []


def test_the_public_feed_shows_appearances_and_tombstones_never_drafts(client, editor_key):
    cursor = client.get_json("/api/v1/changes").get_json()["meta"]["next_cursor"]
    slug = _draft(client, editor_key)
    client.write("PATCH", f"/api/v1/articles/{slug}", editor_key, 200, json={"title": "Hip stretches"})
    assert client.get_json(f"/api/v1/changes?since={cursor}").get_json()["data"] == []
    keyed = client.as_key(editor_key, f"/api/v1/changes?since={cursor}").get_json()["data"]
    assert [c["change"] for c in keyed] == ["created", "updated"]
    client.write("PATCH", f"/api/v1/articles/{slug}", editor_key, 200, json={"status": "published"})
    client.write("PATCH", f"/api/v1/articles/{slug}", editor_key, 200, json={"status": "draft"})
    client.write("PATCH", f"/api/v1/articles/{slug}", editor_key, 200, json={"status": "published"})
    client.write("DELETE", f"/api/v1/articles/{slug}", editor_key, 204)
    public = client.get_json(f"/api/v1/changes?since={cursor}").get_json()["data"]
    assert [c["change"] for c in public] == ["created", "unpublished", "created", "deleted"]
    assert public[-1]["slug"] == slug and f"article:{slug}" in public[-1]["purge_keys"]
    problem = client.problem("/api/v1/changes?since=abc", 400)
    assert "since" in problem["errors"]


def test_public_reads_name_their_cdn_keys(client):
    item = client.get_json(f"/api/v1/articles/{ARTICLE}")
    keys = item.headers["Surrogate-Key"].split(" ")
    assert {f"article:{ARTICLE}", "articles", "topic:quadratus-lumborum"} <= set(keys)
    assert item.headers["Cache-Tag"] == ",".join(keys)
    listed = client.get_json("/api/v1/articles")
    assert "articles" in listed.headers["Surrogate-Key"].split(" ")
    assert (
        client.get_json("/api/v1/articles").headers["Surrogate-Key"] == listed.headers["Surrogate-Key"]
    )  # a cache hit
    assert client.get_json("/api/v1/studio/hours").headers["Surrogate-Key"] == "hours"
