"""Articles' public details stored when written: read in one statement, and never different from what
rendering the article now would send (after its own write, a topic's, a series', a purge, a schedule)."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from api.collection.stored import render_stale
from models import Article, StoredRepresentation, Topic, db
from tests.factories import add_article
from tests.test_response_cache import statements_for

ARTICLES = "/api/v1/articles"
SEEDED = "massage-for-quadratus-lumborum"
TOPIC = "/api/v1/topics/quadratus-lumborum"


@pytest.fixture
def uncached(seeded_app):
    """The seeded app with the response cache off: every read is a miss, as in the benchmark's cache-off mode."""
    seeded_app.extensions["response_cache"] = None
    return seeded_app


def stored_rows(app) -> dict[str, tuple[int, int]]:
    """slug -> (item version, related version) of every stored detail."""
    with app.app_context():
        rows = db.session.execute(select(StoredRepresentation.slug, StoredRepresentation.item_version,
                                         StoredRepresentation.related_version))  # fmt: skip
        return {slug: (item_version, related) for slug, item_version, related in rows}


def forget_stored(app) -> None:
    with app.app_context():
        db.session.execute(delete(StoredRepresentation))
        db.session.commit()


def read(client, url: str, **kwargs):
    response = client.get_json(url, **kwargs)
    return response.get_data(), response.headers["ETag"], response.headers["Surrogate-Key"]


def test_a_written_article_is_stored_and_read_in_one_statement_beside_the_version(uncached, client):
    assert SEEDED in stored_rows(uncached)  # the seed's own transaction stored it
    statements, response = statements_for(uncached, client, f"{ARTICLES}/{SEEDED}")
    assert response.status_code == 200
    assert statements == 2  # the content version, then the stored detail (the ORM read took 6)
    data = response.get_json()["data"]
    assert data["slug"] == SEEDED and data["topics"][0]["name"] == "Gluteus Medius" and data["body_html"]


def test_the_stored_detail_is_what_rendering_sends_bytes_etag_and_keys(uncached, client, editor_key):
    # An article with an image, a series and topics, as the media tests make it.
    from tests.test_media import _article_with_images

    _article_with_images(client, uncached, editor_key)
    stored = read(client, f"{ARTICLES}/{SEEDED}")
    forget_stored(uncached)
    statements, _ = statements_for(uncached, client, f"{ARTICLES}/{SEEDED}")
    assert statements > 2  # rendered now, through the ORM
    assert read(client, f"{ARTICLES}/{SEEDED}") == stored
    assert b"http://localhost/api/v1/files/" in stored[0] and b"stored-representation.invalid" not in stored[0]


def test_links_carry_the_root_of_the_request_that_reads_them(uncached, client, editor_key):
    from tests.test_media import _article_with_images

    _article_with_images(client, uncached, editor_key)
    mounted = client.get_json(f"{ARTICLES}/{SEEDED}", base_url="http://localhost/cms/").get_data(as_text=True)
    assert "http://localhost/cms/api/v1/files/" in mounted and "http://localhost/api/v1/files/" not in mounted
    secure = client.get_json(f"{ARTICLES}/{SEEDED}", base_url="https://localhost").get_data(as_text=True)
    assert "https://localhost/api/v1/files/" in secure


def test_an_edit_stores_the_new_detail_in_its_own_transaction(uncached, client, editor_key):
    before = stored_rows(uncached)[SEEDED]
    client.write("PATCH", f"{ARTICLES}/{SEEDED}", editor_key, 200, json={"title": "QL, again"})
    assert stored_rows(uncached)[SEEDED][0] == before[0] + 1
    statements, response = statements_for(uncached, client, f"{ARTICLES}/{SEEDED}")
    assert (statements, response.get_json()["data"]["title"]) == (2, "QL, again")


def test_a_refused_edit_changes_nothing_stored(uncached, client, editor_key):
    before, body = stored_rows(uncached), read(client, f"{ARTICLES}/{SEEDED}")
    client.write("PATCH", f"{ARTICLES}/{SEEDED}", editor_key, 422, json={"topics": ["no-such-topic"]})
    client.write("PATCH", f"{ARTICLES}/{SEEDED}", editor_key, 412, json={"title": "x"}, headers={"If-Match": '"old"'})
    assert stored_rows(uncached) == before and read(client, f"{ARTICLES}/{SEEDED}") == body


def test_a_topic_rename_shows_at_once_and_the_worker_stores_it_again(uncached, client, editor_key):
    client.write("PATCH", TOPIC, editor_key, 200, json={"name": "QL"})
    _, response = statements_for(uncached, client, f"{ARTICLES}/{SEEDED}")
    assert "QL" in [topic["name"] for topic in response.get_json()["data"]["topics"]]  # the stale one is not sent
    with uncached.test_request_context():
        assert render_stale() == 1
        assert render_stale() == 0
    statements, again = statements_for(uncached, client, f"{ARTICLES}/{SEEDED}")
    assert statements == 2 and again.get_data() == response.get_data()


def test_a_series_change_shows_at_once(uncached, client, editor_key):
    series = client.get_json(f"{ARTICLES}/{SEEDED}").get_json()["data"]["series"]["slug"]
    client.write("PATCH", f"/api/v1/series/{series}", editor_key, 200, json={"title": "Back Pain, Muscle by Muscle"})
    data = client.get_json(f"{ARTICLES}/{SEEDED}").get_json()["data"]
    assert data["series"]["title"] == "Back Pain, Muscle by Muscle"


def test_an_unpublished_deleted_or_purged_article_is_not_sent_from_its_stored_detail(
    uncached, client, editor_key, admin_key
):
    client.write("PATCH", f"{ARTICLES}/{SEEDED}", editor_key, 200, json={"status": "draft"})
    client.problem(f"{ARTICLES}/{SEEDED}", 404)
    assert SEEDED not in stored_rows(uncached)
    client.write("PATCH", f"{ARTICLES}/{SEEDED}", editor_key, 200, json={"status": "published"})
    client.get_json(f"{ARTICLES}/{SEEDED}")
    deleted = client.write("DELETE", f"{ARTICLES}/{SEEDED}", editor_key, 204)
    client.problem(f"{ARTICLES}/{SEEDED}", 404)
    client.write("POST", f"{ARTICLES}/{SEEDED}/purge", admin_key, 204, headers={"If-Match": deleted.headers["ETag"]})
    new = {"title": "A new article", "slug": SEEDED, "body_markdown": "New body.", "status": "published"}
    client.write("POST", ARTICLES, editor_key, 201, json=new)
    data = client.get_json(f"{ARTICLES}/{SEEDED}").get_json()["data"]
    assert (data["title"], data["body_text"]) == ("A new article", "New body.")


def test_a_row_changed_behind_the_apps_back_is_read_afresh(uncached, client):
    """A stored detail is sent only for the article version it was made from: an UPDATE that no write of the
    app made (a script on the database) moves the version on, and the read renders it again."""
    with uncached.app_context():
        db.session.execute(
            update(Article).where(Article.slug == SEEDED).values(title="Changed in SQL", version=Article.version + 1)
        )
        db.session.commit()
    statements, response = statements_for(uncached, client, f"{ARTICLES}/{SEEDED}")
    assert statements > 2 and response.get_json()["data"]["title"] == "Changed in SQL"


def test_a_scheduled_article_appears_at_its_time_and_a_topic_scheduled_in_it_too(uncached, client, editor_key):
    soon = datetime.now(UTC) + timedelta(seconds=3)
    add_article(uncached, "coming-soon", published_at=soon, topics=["quadratus-lumborum"])
    with uncached.app_context():
        topic = db.session.scalar(select(Topic).where(Topic.slug == "quadratus-lumborum"))
        topic.published_at = soon
        db.session.commit()
    assert "coming-soon" in stored_rows(uncached)  # stored while scheduled
    client.problem(f"{ARTICLES}/coming-soon", 404)
    assert "quadratus-lumborum" not in [
        t["slug"] for t in client.get_json(f"{ARTICLES}/{SEEDED}").get_json()["data"]["topics"]
    ]
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.1)
    assert client.get_json(f"{ARTICLES}/coming-soon").get_json()["data"]["slug"] == "coming-soon"
    topics = client.get_json(f"{ARTICLES}/{SEEDED}").get_json()["data"]["topics"]
    assert "quadratus-lumborum" in [t["slug"] for t in topics]  # the detail stored before it came is not sent


@pytest.fixture
def more_articles(uncached):
    for number in range(7):
        add_article(uncached, f"extra-{number}", topics=["quadratus-lumborum"])


@pytest.mark.parametrize(
    "query", ["", "?per_page=3&page=2", "?topic=quadratus-lumborum&per_page=2&page=3", "?sort=title&page=1"]
)
def test_a_list_page_is_its_stored_summaries_the_same_bytes_as_read_through_the_orm(
    uncached, client, more_articles, query
):
    statements, stored = statements_for(uncached, client, ARTICLES + query)
    assert statements == 4  # the version, the total, the list's ids (kept), the page's summaries
    forget_stored(uncached)
    statements, through_orm = statements_for(uncached, client, ARTICLES + query)
    assert statements > 4
    assert stored.get_data() == through_orm.get_data() and stored.status_code == through_orm.status_code == 200
    for header in ("ETag", "Link", "Last-Modified", "Surrogate-Key"):
        assert stored.headers[header] == through_orm.headers[header]


def test_a_list_with_a_stale_summary_on_its_page_is_read_through_the_orm(uncached, client, more_articles, editor_key):
    client.write("PATCH", TOPIC, editor_key, 200, json={"name": "QL"})
    statements, response = statements_for(uncached, client, f"{ARTICLES}?per_page=3")
    assert statements > 4
    assert all("QL" in [topic["name"] for topic in item["topics"]] for item in response.get_json()["data"])
    with uncached.test_request_context():
        render_stale()
    statements, again = statements_for(uncached, client, f"{ARTICLES}?per_page=3")
    assert statements == 2 and again.get_data() == response.get_data()  # the list's total and order were kept


def test_once_a_lists_order_is_known_any_page_is_two_statements_until_its_membership_changes(
    uncached, client, more_articles, editor_key
):
    client.get_json(f"{ARTICLES}?per_page=2")
    pages = [statements_for(uncached, client, f"{ARTICLES}?per_page=2&page={page}") for page in (4, 2, 3)]
    assert [statements for statements, _ in pages] == [2, 2, 2]  # the version, the page's summaries
    slugs = [item["slug"] for _, response in pages for item in response.get_json()["data"]]
    assert len(set(slugs)) == 6
    client.write("PATCH", f"{ARTICLES}/extra-3", editor_key, 200, json={"title": "Edited, same place"})
    assert statements_for(uncached, client, f"{ARTICLES}?per_page=2&page=2")[0] == 2  # an edit keeps the order
    add_article(uncached, "newest", published_at=datetime.now(UTC), topics=["quadratus-lumborum"])
    statements, first = statements_for(uncached, client, f"{ARTICLES}?per_page=2")
    assert statements == 4 and first.get_json()["data"][0]["slug"] == "newest"  # a new one: counted, ordered again


def test_a_detail_another_release_rendered_is_not_sent_and_the_worker_renders_it_again(uncached, client):
    """A release whose schemas or renderer differ stores its own: one made by other code is stale."""
    body = read(client, f"{ARTICLES}/{SEEDED}")
    with uncached.app_context():
        db.session.execute(update(StoredRepresentation).values(renderer="an-older-one", body=b"{}"))
        db.session.commit()
    statements, response = statements_for(uncached, client, f"{ARTICLES}/{SEEDED}")
    assert statements > 2 and response.get_data() == body[0] and read(client, f"{ARTICLES}/{SEEDED}") == body
    with uncached.test_request_context():
        assert render_stale() == 1
    assert statements_for(uncached, client, f"{ARTICLES}/{SEEDED}")[0] == 2


def test_the_worker_renders_every_stale_detail_a_batch_after_another(uncached, client, more_articles, monkeypatch):
    """More public articles than one batch, a draft among them: every public one is rendered, each once,
    the newest first, and a limit stops it part way (the next sweep goes on)."""
    monkeypatch.setattr("api.collection.stored.RENDER_BATCH", 3)
    add_article(uncached, "a-draft", status="draft")
    forget_stored(uncached)
    with uncached.test_request_context():
        assert render_stale(limit=4) == 4
        assert set(stored_rows(uncached)) == {"extra-6", "extra-5", "extra-4", "extra-3"}
        assert render_stale() == 4  # the other three extras and the seeded article
        assert render_stale() == 0
    public = {f"extra-{number}" for number in range(7)} | {SEEDED}
    assert set(stored_rows(uncached)) == public
    assert all(statements_for(uncached, client, f"{ARTICLES}/{slug}")[0] == 2 for slug in public)


def test_the_worker_renders_what_a_topic_rename_made_stale(uncached, client, editor_key, worker):
    running = worker()
    running.wait_until_consuming()
    client.write("PATCH", TOPIC, editor_key, 200, json={"name": "QL"})  # its commit queues the render job
    deadline = time.monotonic() + 60
    while statements_for(uncached, client, f"{ARTICLES}/{SEEDED}")[0] != 2:
        assert time.monotonic() < deadline, running.output()
        time.sleep(0.2)
    assert "rendered 1 stored details" in running.output()
    assert "QL" in [topic["name"] for topic in client.get_json(f"{ARTICLES}/{SEEDED}").get_json()["data"]["topics"]]
