"""The search index (models/search_index.py): which searches it answers, how it keeps in step with writes
from any process, what it does when it cannot, and that its answers are the database's articles."""

import fcntl
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from models import db
from tests.conftest import ApiClient
from tests.factories import add_article

ARTICLES = "/api/v1/articles"
SEEDED = "massage-for-quadratus-lumborum"
# What the database's own search sends (FTS5 on SQLite, tsvector on PostgreSQL): the index answered when none is.
DATABASE_SEARCH = ("MATCH", "bm25", "search_vector")


@contextmanager
def sent_statements(app):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def answered_by_index(app, client: ApiClient, url: str, **kwargs) -> tuple[dict, bool]:
    """The page `url` answers, and whether the index answered it (no statement of the database's search)."""
    with sent_statements(app) as statements:
        body = client.get_json(url, **kwargs).get_json()
    return body, not any(word in statement for statement in statements for word in DATABASE_SEARCH)


def found(body: dict) -> list[str]:
    return [item["slug"] for item in body["data"]]


def test_a_public_search_is_answered_by_the_index_and_a_key_holders_by_the_database(seeded_app, client, editor_key):
    add_article(seeded_app, "kidney-care", title="Kidneys And Massage", body_markdown="Nothing & else.")
    body, indexed = answered_by_index(seeded_app, client, f"{ARTICLES}?q=kidneys")
    assert indexed and found(body) == ["kidney-care", SEEDED] and body["meta"]["total"] == 2
    assert body["data"][0]["search"]["rank"] > body["data"][1]["search"]["rank"]  # the title's match
    assert "<mark>kidneys</mark>" in body["data"][1]["search"]["snippet"]
    assert set(body["data"][0]) == set(client.get_json(ARTICLES).get_json()["data"][0]) | {"search"}
    # Made of stored summaries, the page is what the ORM and the schema make of the same articles.
    every_field = ",".join(body["data"][0])
    through_the_orm = client.get_json(f"{ARTICLES}?q=kidneys&fields={every_field}").get_json()
    assert through_the_orm["data"] == body["data"] and through_the_orm["meta"] == body["meta"]
    # Filters, another order and key holders' lists are the database's.
    for url in (f"{ARTICLES}?q=kidneys&topic=quadratus-lumborum", f"{ARTICLES}?q=kidneys&sort=-published_at"):
        assert not answered_by_index(seeded_app, client, url)[1], url
    auth = {"headers": {"Authorization": f"Bearer {editor_key}"}}
    assert not answered_by_index(seeded_app, client, f"{ARTICLES}?q=kidneys&status=all", **auth)[1]


def test_the_index_and_the_database_find_the_same_articles(seeded_app, make_app, database_url, tmp_path):
    for number, text in enumerate(["Stretching the hip flexors", "A stretch for the glutes", "Hip pain at night"]):
        add_article(seeded_app, f"extra-{number}", title=f"Extra {number}", body_markdown=text)
    add_article(seeded_app, "a-draft", status="draft", body_markdown="Stretching in secret")
    indexed = ApiClient(seeded_app.test_client())
    database = ApiClient(make_app({"SQLALCHEMY_DATABASE_URI": database_url, "SEARCH_INDEX": False}).test_client())
    for q in ("stretching", "stretch", "hip", "hip+stretch", "muscle", "quadratus+lumborum", "nothing+at+all"):
        by_index = indexed.get_json(f"{ARTICLES}?q={q}").get_json()
        by_database = database.get_json(f"{ARTICLES}?q={q}").get_json()
        assert sorted(found(by_index)) == sorted(found(by_database)), q
        assert by_index["meta"] == by_database["meta"], q
    assert found(indexed.get_json(f"{ARTICLES}?q=secret").get_json()) == []
    # Pages of one ranking, a page past what is remembered of it, and a page past the end.
    four = found(indexed.get_json(f"{ARTICLES}?q=hip+stretch&per_page=4").get_json())
    two_pages = [found(indexed.get_json(f"{ARTICLES}?q=hip+stretch&per_page=2&page={n}").get_json()) for n in (1, 2)]
    assert two_pages[0] + two_pages[1] == four
    deep = indexed.get_json(f"{ARTICLES}?q=hip&per_page=100&page=2").get_json()
    assert deep["data"] == [] and deep["meta"]["total"] == len(found(indexed.get_json(f"{ARTICLES}?q=hip").get_json()))
    # A last word still being typed matches the start of a word, on PostgreSQL too (whose own search does not).
    for q in ("kidn", "quadratus+lumb"):
        assert found(indexed.get_json(f"{ARTICLES}?q={q}").get_json()) == [SEEDED], q


def test_every_write_shows_in_the_next_search_of_another_process(
    seeded_app, make_app, database_url, client, editor_key
):
    other_process = ApiClient(make_app({"SQLALCHEMY_DATABASE_URI": database_url}).test_client())
    assert found(other_process.get_json(f"{ARTICLES}?q=trapezius").get_json()) == []  # its index: built
    new = {"title": "Trapezius Tension", "body_markdown": "Shoulders.", "status": "published"}
    client.write("POST", ARTICLES, editor_key, 201, json=new)
    assert found(other_process.get_json(f"{ARTICLES}?q=trapezius").get_json()) == ["trapezius-tension"]
    client.write("PATCH", f"{ARTICLES}/trapezius-tension", editor_key, 200, json={"title": "Neck Crick"})
    assert found(other_process.get_json(f"{ARTICLES}?q=trapezius").get_json()) == []
    assert found(client.get_json(f"{ARTICLES}?q=crick").get_json()) == ["trapezius-tension"]
    client.write("PATCH", f"{ARTICLES}/trapezius-tension", editor_key, 200, json={"status": "draft"})
    assert found(other_process.get_json(f"{ARTICLES}?q=crick").get_json()) == []
    client.write("PATCH", f"{ARTICLES}/trapezius-tension", editor_key, 200, json={"status": "published"})
    client.write("DELETE", f"{ARTICLES}/trapezius-tension", editor_key, 204)
    assert found(other_process.get_json(f"{ARTICLES}?q=crick").get_json()) == []


def test_a_scheduled_article_is_found_once_its_time_has_come_without_a_write(seeded_app, client):
    soon = datetime.now(UTC) + timedelta(seconds=2)
    add_article(seeded_app, "coming-soon", published_at=soon, body_markdown="Piriformis release.")
    body, indexed = answered_by_index(seeded_app, client, f"{ARTICLES}?q=piriformis")
    assert indexed and found(body) == []
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds() + 0.1))
    body, indexed = answered_by_index(seeded_app, client, f"{ARTICLES}?q=piriformis")
    assert indexed and found(body) == ["coming-soon"]


def test_snippets_are_escaped_and_mark_only_what_was_searched(seeded_app, client):
    add_article(
        seeded_app,
        "hostile",
        title="Hostile",
        excerpt=None,
        body_markdown="Calves & <script>alert(1)</script> cramp; calf stretching helps calves.",
    )
    snippet = client.get_json(f"{ARTICLES}?q=calves").get_json()["data"][0]["search"]["snippet"]
    assert "<script" not in snippet and "&amp;" in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>") == 2  # Calves, calves (calf is another stem)
    assert snippet.startswith("<mark>Calves</mark>")


def test_a_change_too_large_to_catch_up_inline_is_answered_by_the_database_until_the_index_has_it(
    make_app, database_url, seeded_app
):
    app = make_app({"SQLALCHEMY_DATABASE_URI": database_url, "SEARCH_INDEX_INLINE_LIMIT": 2})
    client = ApiClient(app.test_client())
    assert answered_by_index(app, client, f"{ARTICLES}?q=kidneys")[1]  # two articles or fewer: built inline
    for number in range(3):
        add_article(seeded_app, f"arm-{number}", body_markdown="Coracobrachialis work.")
    body, indexed = answered_by_index(app, client, f"{ARTICLES}?q=coracobrachialis")
    assert not indexed and body["meta"]["total"] == 3
    result = app.test_cli_runner().invoke(args=["search-index"])
    assert result.exit_code == 0 and "Search index up to date" in result.output, result.output
    body, indexed = answered_by_index(app, client, f"{ARTICLES}?q=coracobrachialis")
    assert indexed and body["meta"]["total"] == 3


def test_while_another_process_holds_the_index_a_search_asks_the_database(seeded_app, client, tmp_path):
    client.get_json(f"{ARTICLES}?q=kidneys")  # built
    add_article(seeded_app, "held", body_markdown="Rhomboid knots.")
    with open(tmp_path / "search-index" / "write.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        body, indexed = answered_by_index(seeded_app, client, f"{ARTICLES}?q=rhomboid")
        assert not indexed and found(body) == ["held"]
        fcntl.flock(lock, fcntl.LOCK_UN)
    body, indexed = answered_by_index(seeded_app, client, f"{ARTICLES}?q=rhomboid&page=1")
    assert indexed and found(body) == ["held"]


def test_an_index_of_another_database_is_never_used(make_app, tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("two databases of one kind are enough: SQLite files")
    from seed_data import seed_database

    folder = str(tmp_path / "shared-index")
    apps = []
    for name, word in (("first", "Serratus"), ("second", "Levator")):
        app = make_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.sqlite3", "SEARCH_INDEX_FOLDER": folder}
        )
        with app.app_context():
            db.create_all()
            seed_database()
        add_article(app, f"{name}-article", body_markdown=f"{word} work.")
        apps.append(app)
    first, second = (ApiClient(app.test_client()) for app in apps)
    assert found(first.get_json(f"{ARTICLES}?q=serratus").get_json()) == ["first-article"]
    body, indexed = answered_by_index(apps[1], second, f"{ARTICLES}?q=levator")
    assert indexed and found(body) == ["second-article"]
    assert found(second.get_json(f"{ARTICLES}?q=serratus").get_json()) == []


def test_an_index_folder_that_cannot_be_written_leaves_search_to_the_database(
    make_app, database_url, seeded_app, tmp_path, caplog
):
    (tmp_path / "a-file").write_text("not a folder")
    app = make_app({"SQLALCHEMY_DATABASE_URI": database_url, "SEARCH_INDEX_FOLDER": str(tmp_path / "a-file" / "index")})
    client = ApiClient(app.test_client())
    body, indexed = answered_by_index(app, client, f"{ARTICLES}?q=kidneys")
    assert not indexed and found(body) == [SEEDED]
    assert "search_index_failed" in caplog.text or "cannot answer" in caplog.text
