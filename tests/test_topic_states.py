"""Topics have the articles' workflow: a new topic is a draft until published, and may be scheduled."""

from datetime import UTC, datetime, timedelta

TOPICS = "/api/v1/topics"
ARTICLE = "/api/v1/articles/massage-for-quadratus-lumborum"


def test_a_new_topic_is_a_draft_that_only_key_holders_see(client, editor_key):
    created = client.write("POST", TOPICS, editor_key, 201, json={"name": "Piriformis"}).get_json()["data"]
    assert created["status"] == "draft" and created["published_at"] is None
    client.problem(f"{TOPICS}/piriformis", 404)
    assert "piriformis" not in [t["slug"] for t in client.get_json(TOPICS).get_json()["data"]]
    drafts = client.as_key(editor_key, f"{TOPICS}?status=draft").get_json()["data"]
    assert [t["slug"] for t in drafts] == ["piriformis"]

    # An article may name the draft already; the public sees it there once the topic is published.
    client.write("PATCH", ARTICLE, editor_key, 200, json={"topics": ["quadratus-lumborum", "piriformis"]})
    public = client.get_json(ARTICLE).get_json()["data"]
    assert [t["slug"] for t in public["topics"]] == ["quadratus-lumborum"]
    own = client.as_key(editor_key, ARTICLE).get_json()["data"]
    assert [t["slug"] for t in own["topics"]] == ["piriformis", "quadratus-lumborum"]
    assert client.get_json("/api/v1/articles?topic=piriformis").get_json()["data"] == []

    published = client.write("PATCH", f"{TOPICS}/piriformis", editor_key, 200, json={"status": "published"})
    assert published.get_json()["data"]["published_at"].endswith("Z")
    assert client.get_json(f"{TOPICS}/piriformis").get_json()["data"]["articles"][0]["slug"] == (
        "massage-for-quadratus-lumborum"
    )
    assert "piriformis" in [t["slug"] for t in client.get_json(ARTICLE).get_json()["data"]["topics"]]


def test_a_scheduled_topic_goes_public_at_its_time(client, editor_key):
    soon = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    body = {"name": "Psoas", "status": "scheduled", "published_at": soon, "related": ["quadratus-lumborum"]}
    created = client.write("POST", TOPICS, editor_key, 201, json=body).get_json()["data"]
    assert created["status"] == "scheduled"
    client.problem(f"{TOPICS}/psoas", 404)
    # A related topic not yet public is not shown from the public one.
    ql = client.get_json(f"{TOPICS}/quadratus-lumborum").get_json()["data"]
    assert "psoas" not in [t["slug"] for t in ql["related"]]
    ql_own = client.as_key(editor_key, f"{TOPICS}/quadratus-lumborum").get_json()["data"]
    assert "psoas" in [t["slug"] for t in ql_own["related"]]
    problem = client.write("POST", TOPICS, editor_key, 422, json={"name": "Later", "status": "scheduled"}).get_json()
    assert problem["errors"] == {"published_at": ["Give the future time it goes live; scheduled needs one."]}


def test_a_topic_restored_to_a_draft_revision_is_a_draft_again(client, editor_key, admin_key):
    client.write("POST", TOPICS, editor_key, 201, json={"name": "Iliacus"})
    client.write("PATCH", f"{TOPICS}/iliacus", editor_key, 200, json={"status": "published"})
    assert client.get_json(f"{TOPICS}/iliacus").status_code == 200
    client.write("POST", f"{TOPICS}/iliacus/revisions/1/restore", admin_key, 200)
    client.problem(f"{TOPICS}/iliacus", 404)
    assert client.as_key(editor_key, f"{TOPICS}/iliacus").get_json()["data"]["status"] == "draft"


def test_the_seeded_topics_are_published(client, editor_key):
    topics = client.as_key(editor_key, f"{TOPICS}?status=published").get_json()["data"]
    assert len(topics) == 3 and {t["status"] for t in topics} == {"published"}
    assert all(t["published_at"] for t in topics)
