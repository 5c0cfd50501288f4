"""What keeps reads fast at 100,000 articles, checked at test size: statement counts that do not grow
with the page or the content, SQLite plans that read indexes rather than rows, bounded embeds."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from models import db
from tests.factories import add_article
from tests.test_frontend import counted_queries

ARTICLES = "/api/v1/articles"
QL = "quadratus-lumborum"


def test_a_topic_shows_its_ten_latest_articles_and_how_many_it_has(seeded_app, client):
    now = datetime.now(UTC)
    for number in range(12):
        add_article(seeded_app, f"ql-{number:02d}", topics=[QL], published_at=now - timedelta(hours=number + 1))
    add_article(seeded_app, "ql-draft", status="draft", topics=[QL])
    topic = client.get_json(f"/api/v1/topics/{QL}").get_json()["data"]
    assert topic["article_count"] == 13  # twelve and the seeded article; not the draft
    # The seeded article was published as the test began, after these.
    newest = ["massage-for-quadratus-lumborum"] + [f"ql-{number:02d}" for number in range(9)]
    assert [article["slug"] for article in topic["articles"]] == newest
    assert set(topic["articles"][0]) == {"slug", "title", "excerpt", "published_at"}
    listed = client.get_json(f"{ARTICLES}?topic={QL}&per_page=100").get_json()
    assert listed["meta"]["total"] == 13
    embedded = client.get_json("/api/v1/topics?include=articles&fields=slug,articles&per_page=100").get_json()["data"]
    assert [a["slug"] for a in next(t for t in embedded if t["slug"] == QL)["articles"]] == [
        a["slug"] for a in topic["articles"]
    ]


def test_a_topic_costs_the_same_statements_whatever_its_number_of_articles(seeded_app, client):
    def statements(url: str) -> int:
        with counted_queries(seeded_app) as counted:
            client.get_json(url)
        return len(counted)

    few = statements(f"/api/v1/topics/{QL}")
    for number in range(25):
        add_article(seeded_app, f"more-{number}", topics=[QL, "gluteus-medius"])
    assert statements(f"/api/v1/topics/{QL}") == few


@pytest.fixture
def captured_statements(seeded_app):
    """The SQL text and parameters of every statement the app sends while a test runs."""
    captured = []
    with seeded_app.app_context():
        engine = db.engine

    def capture(_connection, _cursor, statement, parameters, _context, _executemany):
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    yield captured
    event.remove(engine, "before_cursor_execute", capture)


def _plans(app, statements: list[tuple[str, object]], containing: str) -> list[str]:
    """SQLite's query plan of each captured statement that contains `containing`."""
    chosen = [(statement, parameters) for statement, parameters in statements if containing in statement]
    with app.app_context():
        connection = db.session.connection()
        return [
            " | ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
            for statement, parameters in chosen
        ]


def _sqlite_only(app) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's query plans")


def test_sqlite_finds_list_pages_and_totals_in_the_index(seeded_app, client, captured_statements):
    _sqlite_only(seeded_app)
    client.get_json(f"{ARTICLES}?page=3&per_page=5")
    keys = _plans(seeded_app, captured_statements, "SELECT articles.id AS id")
    assert len(keys) == 2, keys  # the total and the page's keys
    assert all("COVERING INDEX ix_articles_public_order" in plan for plan in keys), keys


def test_sqlite_search_reads_the_search_index_first_and_visibility_from_an_index(
    seeded_app, client, captured_statements
):
    """Without this plan a word found in 13,000 of 100,000 articles took 26 s (see models/search.py)."""
    _sqlite_only(seeded_app)
    client.get_json(f"{ARTICLES}?q=muscles")
    keys = _plans(seeded_app, captured_statements, "CROSS JOIN articles INDEXED BY")
    assert len(keys) == 3, keys  # the total, the page's keys, the page's snippets
    for plan in keys:
        steps = plan.split(" | ")
        searched = [number for number, step in enumerate(steps) if step.startswith("SCAN articles_fts")]
        checked = [number for number, step in enumerate(steps) if "COVERING INDEX ix_articles_visibility" in step]
        assert searched and checked and searched[0] < checked[0], plan
