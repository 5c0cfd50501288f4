"""Drafts, publishing, scheduling, soft delete, restore and purge; If-Match; revisions; racing writers."""

import threading
import time
from datetime import UTC, datetime, timedelta

from flask import Flask

ARTICLES = "/api/v1/articles"
ITEM = f"{ARTICLES}/stretching-the-ql"
NEW = {"title": "Stretching The QL", "body_markdown": "It helps.", "topics": ["quadratus-lumborum"]}


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def public_slugs(client) -> list[str]:
    return [a["slug"] for a in client.get_json(f"{ARTICLES}?per_page=100").get_json()["data"]]


def test_publishing_defaults_to_now_and_unpublishing_hides_it(client, editor_key):
    client.write("POST", ARTICLES, editor_key, 201, json=NEW)
    assert "stretching-the-ql" not in public_slugs(client)
    published = client.write("PATCH", ITEM, editor_key, 200, json={"status": "published"}).get_json()["data"]
    moment = datetime.fromisoformat(published["published_at"].replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=1)
    assert "stretching-the-ql" in public_slugs(client)
    client.write("PATCH", ITEM, editor_key, 200, json={"status": "draft"})
    assert "stretching-the-ql" not in public_slugs(client)
    client.problem(ITEM, 404)


def test_a_scheduled_article_appears_on_its_own_when_its_time_comes(client, editor_key):
    soon = datetime.now(UTC) + timedelta(seconds=2)
    created = client.write(
        "POST", ARTICLES, editor_key, 201, json={**NEW, "status": "published", "published_at": iso(soon)}
    )
    assert created.get_json()["data"]["status"] == "scheduled"
    client.problem(ITEM, 404)
    assert client.get_json(ARTICLES).get_json()["meta"]["total"] == 1
    assert [a["slug"] for a in client.as_key(editor_key, f"{ARTICLES}?status=scheduled").get_json()["data"]] == [
        "stretching-the-ql"
    ]
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.5)
    assert client.get_json(ITEM).get_json()["data"]["status"] == "published"
    assert client.get_json(ARTICLES).get_json()["meta"]["total"] == 2


def test_delete_is_soft_and_an_admin_restores_or_purges(client, editor_key, admin_key):
    client.write("POST", ARTICLES, editor_key, 201, json={**NEW, "status": "published"})
    deleted_etag = client.write("DELETE", ITEM, editor_key, 204).headers["ETag"]  # what a restore names
    client.problem(ITEM, 404)
    assert "stretching-the-ql" not in public_slugs(client)
    topic = client.get_json("/api/v1/topics/quadratus-lumborum").get_json()["data"]
    assert "stretching-the-ql" not in [a["slug"] for a in topic["articles"]]
    client.write("DELETE", ITEM, editor_key, 404)  # already deleted
    client.write("PATCH", ITEM, editor_key, 404, json={"title": "x"})
    deleted = client.as_key(admin_key, f"{ARTICLES}?status=deleted").get_json()
    assert [a["slug"] for a in deleted["data"]] == ["stretching-the-ql"] and deleted["data"][0]["deleted_at"]
    # Until it is restored or purged, an admin reads what it held in its revisions.
    history = client.as_key(admin_key, f"{ITEM}/revisions").get_json()["data"]
    assert [r["action"] for r in history] == ["deleted", "created"] and history[0]["snapshot"]["title"] == NEW["title"]
    client.write("POST", f"{ITEM}/purge", editor_key, 403, headers={"If-Match": deleted_etag})
    client.write("POST", f"{ITEM}/restore", admin_key, 428)
    client.write("POST", f"{ITEM}/restore", admin_key, 412, headers={"If-Match": '"not-this-one"'})
    client.write("POST", f"{ITEM}/restore", admin_key, 200, headers={"If-Match": deleted_etag})
    assert "stretching-the-ql" in public_slugs(client)
    client.write("POST", f"{ITEM}/restore", admin_key, 409, headers={"If-Match": "*"})
    client.write("POST", f"{ITEM}/purge", admin_key, 409, headers={"If-Match": "*"})  # delete first
    deleted_etag = client.write("DELETE", ITEM, editor_key, 204).headers["ETag"]
    client.write("POST", f"{ITEM}/purge", admin_key, 428)
    client.write("POST", f"{ITEM}/purge", admin_key, 204, headers={"If-Match": deleted_etag})
    client.as_key(admin_key, ITEM, 404)
    client.write("GET", f"{ITEM}/revisions", admin_key, 404)
    client.write("POST", ARTICLES, editor_key, 201, json=NEW)  # the slug is free again


def test_a_deleted_topic_disappears_from_every_read(client, editor_key, admin_key):
    deleted = client.write("DELETE", "/api/v1/topics/gluteus-medius", editor_key, 204)
    client.problem("/api/v1/topics/gluteus-medius", 404)
    topics = client.get_json("/api/v1/topics").get_json()
    assert "gluteus-medius" not in [t["slug"] for t in topics["data"]] and topics["meta"]["total"] == 2
    article = client.get_json(f"{ARTICLES}/massage-for-quadratus-lumborum").get_json()["data"]
    assert "gluteus-medius" not in [t["slug"] for t in article["topics"]]
    ql = client.get_json("/api/v1/topics/quadratus-lumborum").get_json()["data"]
    assert "gluteus-medius" not in [t["slug"] for t in ql["related"]]
    assert client.get_json(f"{ARTICLES}?topic=gluteus-medius").get_json()["meta"]["total"] == 0
    restore = {"If-Match": deleted.headers["ETag"]}
    client.write("POST", "/api/v1/topics/gluteus-medius/restore", admin_key, 200, headers=restore)
    assert client.get_json(f"{ARTICLES}?topic=gluteus-medius").get_json()["meta"]["total"] == 1


def test_if_match_guards_every_change(client, editor_key):
    created = client.write("POST", ARTICLES, editor_key, 201, json=NEW)
    first_etag = created.headers["ETag"]
    assert client.as_key(editor_key, ITEM).headers["ETag"] == first_etag
    changed = client.write("PATCH", ITEM, editor_key, 200, json={"title": "Mine"}, headers={"If-Match": first_etag})
    stale = client.write("PATCH", ITEM, editor_key, 412, json={"title": "Theirs"}, headers={"If-Match": first_etag})
    assert stale.headers["ETag"] == changed.headers["ETag"]
    client.write("PUT", ITEM, editor_key, 412, json=NEW, headers={"If-Match": first_etag})
    client.write("DELETE", ITEM, editor_key, 412, headers={"If-Match": first_etag})
    assert client.as_key(editor_key, ITEM).get_json()["data"]["title"] == "Mine"
    client.write("PATCH", ITEM, editor_key, 200, json={"title": "Any"}, headers={"If-Match": "*"})
    current = client.as_key(editor_key, ITEM).headers["ETag"]
    client.write("DELETE", ITEM, editor_key, 204, headers={"If-Match": current})


def test_studio_writes_honour_if_match(client, admin_key):
    etag = client.as_key(admin_key, "/api/v1/studio").headers["ETag"]
    client.write("PATCH", "/api/v1/studio", admin_key, 200, json={"tagline": "New"}, headers={"If-Match": etag})
    client.write("PATCH", "/api/v1/studio", admin_key, 412, json={"tagline": "Old"}, headers={"If-Match": etag})
    assert client.get_json("/api/v1/studio").get_json()["data"]["tagline"] == "New"


def test_revision_round_trip(client, editor_key, admin_key):
    client.write("POST", ARTICLES, editor_key, 201, json={**NEW, "excerpt": "One."})
    client.write("PATCH", ITEM, editor_key, 200, json={"title": "Second title", "topics": []})
    client.write("PATCH", ITEM, editor_key, 200, json={"excerpt": "Three."})
    revisions = client.as_key(admin_key, f"{ITEM}/revisions").get_json()
    assert [r["number"] for r in revisions["data"]] == [3, 2, 1]
    assert [r["action"] for r in revisions["data"]] == ["updated", "updated", "created"]
    assert revisions["data"][1]["changed_fields"] == ["title", "topics"]
    assert revisions["data"][0]["key_name"] == "editor-one"
    assert revisions["data"][2]["snapshot"]["title"] == "Stretching The QL"

    restored = client.write("POST", f"{ITEM}/revisions/1/restore", admin_key, 200).get_json()["data"]
    assert restored["title"] == "Stretching The QL" and restored["excerpt"] == "One."
    assert [t["slug"] for t in restored["topics"]] == ["quadratus-lumborum"]
    latest = client.as_key(admin_key, f"{ITEM}/revisions").get_json()["data"][0]
    assert latest["number"] == 4 and latest["action"] == "restored revision 1" and latest["key_name"] == "admin-one"
    assert latest["snapshot"] == {**revisions["data"][2]["snapshot"], "updated_at": latest["snapshot"]["updated_at"]}
    client.write("POST", f"{ITEM}/revisions/99/restore", admin_key, 404)
    client.write("POST", f"{ITEM}/revisions/63256320152/restore", admin_key, 404)  # past PostgreSQL's integer


def _in_parallel(app: Flask, count: int, request) -> list[int]:
    """Run `request(client)` from `count` threads at once; return the statuses."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def worker():
        client = app.test_client()
        barrier.wait()
        statuses.append(request(client).status_code)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_many_parallel_creates_of_one_slug_give_exactly_one_201(seeded_app, client, editor_key):
    headers = {"Authorization": f"Bearer {editor_key}"}
    statuses = _in_parallel(seeded_app, 16, lambda c: c.post(ARTICLES, json=NEW, headers=headers))
    assert sorted(statuses) == [201] + [409] * 15
    listed = client.as_key(editor_key, f"{ARTICLES}?status=all").get_json()
    assert [a["slug"] for a in listed["data"]].count("stretching-the-ql") == 1


def test_parallel_editors_with_the_same_if_match_lose_nothing(seeded_app, client, editor_key):
    etag = client.write("POST", ARTICLES, editor_key, 201, json=NEW).headers["ETag"]
    headers = {"Authorization": f"Bearer {editor_key}", "If-Match": etag}
    statuses = _in_parallel(
        seeded_app, 8, lambda c: c.patch(ITEM, json={"excerpt": threading.current_thread().name}, headers=headers)
    )
    assert sorted(statuses) == [200] + [412] * 7
    revisions = client.as_key(editor_key, ITEM)  # editor may read; revisions are admin-only
    assert revisions.get_json()["data"]["excerpt"].startswith("Thread")


def test_seeded_items_start_their_history_so_a_first_edit_can_be_undone(client, editor_key, admin_key):
    seeded = f"{ARTICLES}/massage-for-quadratus-lumborum"
    original = client.get_json(seeded).get_json()["data"]
    client.write("PATCH", seeded, editor_key, 200, json={"title": "Vandalised"})
    history = client.as_key(admin_key, f"{seeded}/revisions").get_json()["data"]
    assert [(r["number"], r["action"], r["key_name"]) for r in history] == [
        (2, "updated", "editor-one"),
        (1, "seeded", None),
    ]
    client.write("POST", f"{seeded}/revisions/1/restore", admin_key, 200)
    restored = client.get_json(seeded).get_json()["data"]
    assert {k: v for k, v in restored.items() if k != "updated_at"} == {
        k: v for k, v in original.items() if k != "updated_at"
    }


def test_restoring_a_drafts_deleted_revision_brings_back_a_draft(client, editor_key, admin_key):
    client.write("POST", ARTICLES, editor_key, 201, json=NEW)  # a draft
    deleted = client.write("DELETE", ITEM, editor_key, 204)
    client.write("POST", f"{ITEM}/restore", admin_key, 200, headers={"If-Match": deleted.headers["ETag"]})
    history = client.as_key(admin_key, f"{ITEM}/revisions").get_json()["data"]
    deletion = next(revision for revision in history if revision["action"] == "deleted")
    restored = client.write("POST", f"{ITEM}/revisions/{deletion['number']}/restore", admin_key, 200)
    assert restored.get_json()["data"]["status"] == "draft"
    assert "stretching-the-ql" not in public_slugs(client)
    feed = client.raw.get("/api/v1/feeds/articles.atom").get_data(as_text=True)
    assert "stretching-the-ql" not in feed


def test_a_topic_articles_still_use_cannot_be_purged(client, editor_key, admin_key):
    client.write("POST", ARTICLES, editor_key, 201, json={**NEW, "topics": ["gluteus-medius"]})  # a draft uses it
    deleted = client.write("DELETE", "/api/v1/topics/gluteus-medius", editor_key, 204)
    purge = {"If-Match": deleted.headers["ETag"]}
    problem = client.write("POST", "/api/v1/topics/gluteus-medius/purge", admin_key, 409, headers=purge).get_json()
    assert "article 'massage-for-quadratus-lumborum'" in problem["detail"]
    assert "article 'stretching-the-ql'" in problem["detail"]
    history = client.as_key(admin_key, f"{ITEM}/revisions").get_json()["data"]
    assert history[0]["snapshot"]["topics"][0]["slug"] == "gluteus-medius"  # nothing was unlinked
    for slug in ("massage-for-quadratus-lumborum", "stretching-the-ql"):
        article = client.as_key(admin_key, f"{ARTICLES}/{slug}").get_json()["data"]
        client.write(
            "PATCH",
            f"{ARTICLES}/{slug}",
            admin_key,
            200,
            json={"topics": [t["slug"] for t in article["topics"] if t["slug"] != "gluteus-medius"]},
        )
    client.write("POST", "/api/v1/topics/gluteus-medius/purge", admin_key, 204, headers={"If-Match": "*"})
