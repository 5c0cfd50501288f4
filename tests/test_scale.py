"""What keeps reads fast at 100,000 articles, checked at test size: statement counts that do not grow
with the page or the content, SQLite plans that read indexes rather than rows, bounded embeds."""

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text

from models import db
from models.types import utcnow
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


def test_which_articles_a_topic_shows_is_found_once_between_membership_changes(seeded_app, client, editor_key):
    """A topic's latest articles and their count are looked for once (a window over all of its articles);
    an edit of an article's text still shows at once, and a publication, unpublication or new article
    changes the list it shows."""
    seeded_app.extensions["response_cache"] = None  # every read is a miss: what the memo alone gives
    topic_url = f"/api/v1/topics/{QL}"

    def shown(url: str = topic_url) -> tuple[int, list[str], int]:
        with counted_queries(seeded_app) as counted:
            data = client.get_json(url).get_json()["data"]
        return data["article_count"], [article["title"] for article in data["articles"]], len(counted)

    first = shown()
    assert first[:2] == (1, ["Massage For Quadratus Lumborum"])
    assert shown()[2] == first[2] - 1  # the window is not run again
    seeded = f"{ARTICLES}/massage-for-quadratus-lumborum"
    client.write("PATCH", seeded, editor_key, 200, json={"title": "QL, retitled"})
    assert shown()[:2] == (1, ["QL, retitled"])
    add_article(seeded_app, "ql-newest", topics=[QL], published_at=datetime.now(UTC))
    assert shown()[:2] == (2, ["Ql Newest", "QL, retitled"])
    client.write("PATCH", seeded, editor_key, 200, json={"status": "draft"})
    assert shown()[:2] == (1, ["Ql Newest"])
    embedded = client.get_json("/api/v1/topics?include=articles&fields=slug,articles").get_json()["data"]
    assert [a["slug"] for a in next(t for t in embedded if t["slug"] == QL)["articles"]] == ["ql-newest"]


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
    """Without this plan a word found in 13,000 of 100,000 articles took 26 s (see models/search.py). The
    database answers when the search index cannot (here: there is none)."""
    _sqlite_only(seeded_app)
    seeded_app.extensions.pop("search_index")
    client.get_json(f"{ARTICLES}?q=muscles")
    keys = _plans(seeded_app, captured_statements, "CROSS JOIN articles INDEXED BY")
    assert len(keys) == 3, keys  # the total, the page's keys, the page's snippets
    for plan in keys:
        steps = plan.split(" | ")
        searched = [number for number, step in enumerate(steps) if step.startswith("SCAN articles_fts")]
        checked = [number for number, step in enumerate(steps) if "COVERING INDEX ix_articles_visibility" in step]
        assert searched and checked and searched[0] < checked[0], plan


def test_an_edit_keeps_its_stored_detail_through_indexes_not_a_scan(
    seeded_app, client, editor_key, captured_statements
):
    """Each stored detail is some 15 KB: a statement that read the table whole took 140 ms of every edit at
    100,000 articles (an OR of the id and slug conditions left SQLite only `item_type`, which every row has)."""
    _sqlite_only(seeded_app)
    client.write("PATCH", f"{ARTICLES}/massage-for-quadratus-lumborum", editor_key, 200, json={"title": "QL"})
    plans = _plans(seeded_app, captured_statements, "DELETE FROM stored_representations")
    steps = [step for plan in plans for step in plan.split(" | ") if "stored_representations" in step]
    assert steps and all(re.search(r"^SEARCH .*\(item_type=\? AND (item_id|slug)", step) for step in steps), plans


def test_sqlite_checks_a_stored_detail_and_a_pages_summaries_against_an_index_not_the_rows(seeded_app):
    """Whether a stored representation is public and of its article's version is read from the visibility
    index: an article's status, times and version sit behind its bodies' overflow pages (456 µs a random
    article at 100,000, 20 µs from the index)."""
    _sqlite_only(seeded_app)
    from sqlalchemy import bindparam

    from api.web.stored_answers import RENDERER
    from models.representations import fresh_detail_statement, fresh_summaries

    statements = [fresh_detail_statement(RENDERER), fresh_summaries([bindparam("id0"), bindparam("id1")], RENDERER)]
    with seeded_app.app_context():
        connection = db.session.connection()
        for statement in statements:
            compiled = statement.compile(dialect=connection.dialect)
            parameters = tuple(compiled.params.get(name) for name in compiled.positiontup)
            plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), parameters)]
            articles = [step for step in plan if " articles " in f"{step} "]
            assert articles and all("COVERING INDEX ix_articles_visibility" in step for step in articles), plan


# Articles a PostgreSQL plan test fills in, and what each one holds: enough that the planner weighs a
# table too big to read whole for a page (a seq scan of small rows would be cheap, and prove nothing).
SCALE_ARTICLES = 30_000
_FILL = """
INSERT INTO articles (slug, title, excerpt, excerpt_derived, body_markdown, body_html, body_text, toc,
                      reading_time_minutes, status, published_at, created_at, updated_at, version, body_images)
SELECT 'scale-' || n, 'Scale ' || n, 'An excerpt', false, repeat('Muscle tension release. ', 80),
       repeat('<p>Muscle tension release.</p>', 80), repeat('Muscle tension release. ', 80), '[]', 2,
       CASE WHEN n % 10 = 0 THEN 'draft' ELSE 'published' END,
       now() - make_interval(mins => n), now(), now(), 1, '[]'
FROM generate_series(1, :count) AS n
"""


def _postgresql_plan(connection, statement: str, parameters) -> list[str]:
    """PostgreSQL's plan of a statement, as its nodes (`Index Scan on articles using …`), depth first."""
    plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()[0]["Plan"]

    def nodes(node):
        relation = f" on {node['Relation Name']}" if "Relation Name" in node else ""
        index = f" using {node['Index Name']}" if "Index Name" in node else ""
        yield f"{node['Node Type']}{relation}{index}"
        for child in node.get("Plans", []):
            yield from nodes(child)

    return list(nodes(plan))


def _postgresql_generic_plan(connection, statement: str) -> list[str]:
    """The plan PostgreSQL makes once for a statement whose only parameter is `now`, as the content version's
    own connections run it (prepared, with plan_cache_mode = force_generic_plan): good for any `now`."""
    numbered = statement.replace("%(now)s", "$1")
    connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    connection.exec_driver_sql(f"PREPARE version_probe AS {numbered}")
    try:
        moment = utcnow().replace(tzinfo=None).isoformat(sep=" ")
        return _postgresql_plan(connection, f"EXECUTE version_probe('{moment}')", {})
    finally:
        connection.exec_driver_sql("DEALLOCATE version_probe")
        connection.exec_driver_sql("RESET plan_cache_mode")


def test_postgresql_reads_the_version_and_list_pages_from_the_public_index_at_scale(
    seeded_app, client, captured_statements
):
    """At 100,000 articles these were full reads of the public rows: 28 ms for the version every request
    reads, 23 ms to sort a page (see models/indexes.py)."""
    if not seeded_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's query plans")
    from models.content_state import _latest_publication_statement, version_query

    with seeded_app.app_context():
        db.session.execute(text(_FILL), {"count": SCALE_ARTICLES})
        db.session.commit()
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE articles")
    client.get_json(f"{ARTICLES}?per_page=25")
    client.get_json(f"{ARTICLES}?page=1000&per_page=25")
    ordered = [(s, p) for s, p in captured_statements if "ORDER BY articles.published_at DESC NULLS LAST" in s]
    # The whole list's order, read once (these rows have no stored summaries: each page is read through the ORM).
    pages = [(s, p) for s, p in ordered if "LIMIT" in s]
    whole = [(s, p) for s, p in ordered if "LIMIT" not in s]
    assert (len(pages), len(whole)) == (2, 1), captured_statements
    with seeded_app.app_context(), db.engine.connect() as connection:
        # What a read asks of the tables when the state row cannot say which publications have come.
        compiled = _latest_publication_statement().compile(dialect=db.engine.dialect)
        version = _postgresql_plan(connection, str(compiled), compiled.construct_params({"now": utcnow()}))
        assert "Index Only Scan on articles using ix_articles_public_feed" in version, version
        generic = _postgresql_generic_plan(connection, version_query(db.engine).statements["latest_publication"].sql)
        assert "Index Only Scan on articles using ix_articles_public_feed" in generic, generic
        for statement, parameters in pages:
            plan = _postgresql_plan(connection, statement, parameters)
            assert "Index Only Scan on articles using ix_articles_public_feed" in plan, plan
            assert "Sort" not in plan[plan.index("Limit") :], plan  # the page's keys come in order: no sort
            assert "Seq Scan on articles" not in plan, plan
        whole_plan = _postgresql_plan(connection, *whole[0])
        assert "Index Only Scan on articles using ix_articles_public_feed" in whole_plan, whole_plan
        assert "Sort" not in whole_plan and "Seq Scan on articles" not in whole_plan, whole_plan


def test_a_serving_worker_on_sqlite_loads_no_migration_tooling_nor_postgresql_driver():
    """Memory per worker: what a worker on SQLite imports to serve (alembic 11 MB, psycopg 10 MB and
    feedgen's lxml 5 MB were a sixth of it) waits for the command, database or feed that needs it."""
    probe = "import sys, wsgi; print(' '.join(sorted({'alembic', 'psycopg', 'lxml'} & set(sys.modules))))"
    environment = {"DATABASE_URL": "sqlite:///:memory:", "PATH": "/usr/bin:/bin"}
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=environment, check=True)
    assert loaded.stdout.strip() == ""
