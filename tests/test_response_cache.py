"""The response cache: unchanged content served without reading it again, and never a stale answer
(after a write through any instance, a scheduled publication, a key holder's read or the clock)."""

import gzip
import json
import os
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, text

from api.caching.response_cache import ENTRY_OVERHEAD_BYTES, CachedResponse, ResponseCache
from models import content_state, db
from models.hours import Interval, hours_status
from models.types import utcnow
from tests.factories import add_article, set_weekly_hours
from tests.test_frontend import counted_queries

ARTICLES = "/api/v1/articles"
SEEDED = "massage-for-quadratus-lumborum"
PUBLIC_READS = (
    ARTICLES,
    f"{ARTICLES}?per_page=5&q=muscles",
    f"{ARTICLES}/{SEEDED}",
    f"{ARTICLES}/{SEEDED}/structured-data",
    "/api/v1/topics",
    "/api/v1/topics/quadratus-lumborum",
    "/api/v1/studio",
    "/api/v1/studio/hours",
    "/api/v1/studio/structured-data",
    "/api/v1/feeds/articles.atom",
    "/api/v1/sitemap.xml",
)


def statements_for(app, client, url: str, **kwargs) -> tuple[int, object]:
    with counted_queries(app) as statements:
        response = client.raw.get(url, **kwargs)
    return len(statements), response


@pytest.mark.parametrize("url", PUBLIC_READS)
def test_a_repeated_public_read_is_one_statement_and_the_same_answer(seeded_app, client, url):
    misses, first = statements_for(seeded_app, client, url)
    hits, second = statements_for(seeded_app, client, url)
    assert first.status_code == second.status_code == 200
    assert hits == 1 < misses  # only the content version is read
    assert second.get_data() == first.get_data()
    for header in ("Content-Type", "ETag", "Last-Modified", "Link"):
        assert second.headers.get(header) == first.headers.get(header)
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]  # per-request headers stay per request
    assert second.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"


def test_a_cached_answer_revalidates_and_compresses(seeded_app, client):
    first = client.get_json(ARTICLES)
    hits, revalidated = statements_for(seeded_app, client, ARTICLES, headers={"If-None-Match": first.headers["ETag"]})
    assert (revalidated.status_code, hits, revalidated.get_data()) == (304, 1, b"")
    compressed = client.raw.get(ARTICLES, headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.get_data()) == first.get_data()


def test_an_answer_is_compressed_once_per_encoding_and_never_stale(seeded_app, client, editor_key):
    import brotli

    from api.extensions import compress

    url = f"{ARTICLES}/{SEEDED}"
    plain = client.get_json(url).get_data()
    kept = len(compress.cache)
    answers = [client.raw.get(url, headers={"Accept-Encoding": encoding}) for encoding in ("br", "gzip", "br", "gzip")]
    assert [answer.headers["Content-Encoding"] for answer in answers] == ["br", "gzip", "br", "gzip"]
    assert brotli.decompress(answers[0].get_data()) == plain == gzip.decompress(answers[1].get_data())
    assert answers[2].get_data() == answers[0].get_data() and answers[3].get_data() == answers[1].get_data()
    assert len(compress.cache) == kept + 2  # each encoding made once, then served as kept
    # A problem is compressed as it is sent, and not kept.
    missing = client.raw.get(f"{ARTICLES}/{'no-such-article-' * 30}", headers={"Accept-Encoding": "br"})
    assert missing.status_code == 404 and len(compress.cache) == kept + 2
    # Changed, the article's new bytes are compressed anew: a compressed answer is never an old one.
    client.write("PATCH", url, editor_key, 200, json={"title": "Quadratus Lumborum, Again"})
    changed = client.raw.get(url, headers={"Accept-Encoding": "br"})
    assert json.loads(brotli.decompress(changed.get_data()))["data"]["title"] == "Quadratus Lumborum, Again"
    assert len(compress.cache) == kept + 3


def test_a_write_is_seen_by_the_next_read(seeded_app, client, editor_key):
    client.get_json(f"{ARTICLES}/{SEEDED}")
    client.get_json(ARTICLES)
    client.write("PATCH", f"{ARTICLES}/{SEEDED}", editor_key, 200, json={"title": "Quadratus Lumborum, Again"})
    assert client.get_json(f"{ARTICLES}/{SEEDED}").get_json()["data"]["title"] == "Quadratus Lumborum, Again"
    assert client.get_json(ARTICLES).get_json()["data"][0]["title"] == "Quadratus Lumborum, Again"


def test_a_list_s_total_is_counted_again_only_when_what_lists_hold_changes(seeded_app, client, editor_key):
    """An edit of an article's text keeps every list's total (a search's excepted); a change to which
    articles a list holds counts it again, so no total is ever stale."""
    for number in range(3):
        add_article(seeded_app, f"extra-{number}", topics=["gluteus-medius"])

    with seeded_app.app_context():
        engine = db.engine
    sent: list[str] = []

    def total(url: str) -> tuple[int, bool]:
        """The list's total, and whether it was counted for this request."""
        sent.clear()
        meta = client.get_json(url).get_json()["meta"]
        return meta["total"], any("count(*)" in statement.lower() for statement in sent)

    capture = lambda _connection, _cursor, statement, *_rest: sent.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", capture)

    topic_list = f"{ARTICLES}?topic=gluteus-medius"
    search = f"{ARTICLES}?q=kneading"
    # The seeded article is about the gluteus medius too. (A search's total is the search index's.)
    assert [total(url) for url in (ARTICLES, topic_list)] == [(4, True), (4, True)]
    assert total(search)[0] == 0
    client.write("PATCH", f"{ARTICLES}/extra-0", editor_key, 200, json={"title": "Kneading The Glutes"})
    # The edit changed each page (a new title), not which articles the lists hold: no count...
    assert [total(f"{url}&per_page=2" if "?" in url else f"{url}?per_page=2") for url in (ARTICLES, topic_list)] == [
        (4, False),
        (4, False),
    ]
    assert total(search)[0] == 1  # ... but a search's matches follow the text
    # Which articles a list holds changes, and its total is counted again, each time.
    client.write("PATCH", f"{ARTICLES}/extra-1", editor_key, 200, json={"topics": []})
    assert total(topic_list) == (3, True)
    client.write("PATCH", f"{ARTICLES}/extra-2", editor_key, 200, json={"status": "draft"})
    assert total(ARTICLES) == (3, True)
    client.write("DELETE", f"{ARTICLES}/extra-1", editor_key, 204)
    assert total(ARTICLES) == (2, True)
    client.write("PATCH", f"{ARTICLES}/extra-0", editor_key, 200, json={"slug": "kneading-the-glutes"})
    assert total(f"{ARTICLES}?slug=extra-0") == (0, True)
    assert total(f"{ARTICLES}?slug=kneading-the-glutes") == (1, True)
    event.remove(engine, "before_cursor_execute", capture)


def test_a_write_through_another_instance_is_seen_at_once(seeded_app, client, make_app, editor_key):
    """Two instances on one database, each with its own cache: no stale answer after the other writes."""
    other = make_app(
        {"SQLALCHEMY_DATABASE_URI": seeded_app.config["SQLALCHEMY_DATABASE_URI"], "RATELIMIT_ENABLED": False}
    )
    other_client = other.test_client()
    before = client.get_json(f"{ARTICLES}/{SEEDED}").get_json()["data"]
    assert statements_for(seeded_app, client, f"{ARTICLES}/{SEEDED}")[0] == 1  # cached here
    key = {"Authorization": f"Bearer {editor_key}"}
    etag = other_client.get(f"{ARTICLES}/{SEEDED}", headers=key).headers["ETag"]
    response = other_client.patch(
        f"{ARTICLES}/{SEEDED}", json={"excerpt": "Changed elsewhere."}, headers={**key, "If-Match": etag}
    )
    assert response.status_code == 200
    after = client.get_json(f"{ARTICLES}/{SEEDED}").get_json()["data"]
    assert (before["excerpt"] != "Changed elsewhere.", after["excerpt"]) == (True, "Changed elsewhere.")


def test_a_scheduled_article_appears_in_a_cached_list_when_its_time_comes(seeded_app, client, editor_key):
    soon = (datetime.now(UTC) + timedelta(seconds=1.5)).isoformat()
    client.write(
        "POST",
        ARTICLES,
        editor_key,
        201,
        json={"title": "Coming Soon", "body_markdown": "Soon.", "status": "published", "published_at": soon},
    )
    assert "coming-soon" not in [a["slug"] for a in client.get_json(ARTICLES).get_json()["data"]]
    assert statements_for(seeded_app, client, ARTICLES)[0] == 1  # that answer is cached
    time.sleep(2)
    assert "coming-soon" in [a["slug"] for a in client.get_json(ARTICLES).get_json()["data"]]
    client.get_json(f"{ARTICLES}/coming-soon")


def test_a_scheduled_topic_appears_in_a_cached_list_when_its_time_comes(seeded_app, client, editor_key):
    soon = (datetime.now(UTC) + timedelta(seconds=1.5)).isoformat()
    body = {"name": "Coming Topic", "status": "scheduled", "published_at": soon}
    client.write("POST", "/api/v1/topics", editor_key, 201, json=body)
    assert "coming-topic" not in [t["slug"] for t in client.get_json("/api/v1/topics").get_json()["data"]]
    assert statements_for(seeded_app, client, "/api/v1/topics")[0] == 1  # that answer is cached
    time.sleep(2)
    assert "coming-topic" in [t["slug"] for t in client.get_json("/api/v1/topics").get_json()["data"]]


def test_more_scheduled_publications_than_the_version_keeps_each_appear_when_their_time_comes(
    seeded_app, client, editor_key, monkeypatch
):
    """The state row keeps the next SCHEDULE_KEPT publication times; past the last it kept, a read asks the
    tables (one statement more) until a write keeps the next ones."""
    monkeypatch.setattr(content_state, "SCHEDULE_KEPT", 1)
    monkeypatch.setattr(content_state, "CLOCK_MARGIN", timedelta(0))  # the seeded articles came just now
    # Far enough ahead that a busy CI machine still reads the list before the first comes (1 s was not).
    start = datetime.now(UTC)
    moments = [start + timedelta(seconds=4), start + timedelta(seconds=4.5)]
    for number, moment in enumerate(moments, 1):
        body = {"title": f"Coming {number}", "body_markdown": "Soon.", "status": "published"}
        client.write("POST", ARTICLES, editor_key, 201, json={**body, "published_at": moment.isoformat()})
    client.get_json(ARTICLES)
    statements = statements_for(seeded_app, client, ARTICLES)[0]
    assert datetime.now(UTC) < moments[0], "the machine took 4 s to make two articles: nothing is left to test"
    assert statements == 1  # the state row says neither has come
    time.sleep((moments[1] - datetime.now(UTC)).total_seconds() + 0.5)
    statements, response = statements_for(seeded_app, client, ARTICLES)
    assert {"coming-1", "coming-2"} <= {item["slug"] for item in response.get_json()["data"]}
    assert statements > 2  # the tables were asked, then the list read anew


def test_a_state_row_that_does_not_know_the_schedule_asks_the_tables(seeded_app, client, editor_key):
    """As after the migration that added the schedule, before the first write: reads stay right."""
    with seeded_app.app_context():
        db.session.execute(text("UPDATE content_state SET upcoming_publications = NULL, latest_publication_at = NULL"))
        db.session.commit()
    moment = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    first = client.get_json(ARTICLES)
    hits, second = statements_for(seeded_app, client, ARTICLES)
    assert hits == 2 and second.get_data() == first.get_data()  # the row, then the latest publication
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"]
    body = {"title": "Known Again", "body_markdown": "Now.", "status": "published", "published_at": moment}
    client.write("POST", ARTICLES, editor_key, 201, json=body)
    client.get_json(ARTICLES)
    assert statements_for(seeded_app, client, ARTICLES)[0] == 1  # the write kept the schedule


def test_key_holders_are_never_served_from_the_cache_and_never_fill_it(seeded_app, client, editor_key):
    add_article(seeded_app, "a-draft", status="draft")
    public = client.get_json(ARTICLES).get_json()
    with_key = client.as_key(editor_key, f"{ARTICLES}?status=all").get_json()
    assert "a-draft" in [a["slug"] for a in with_key["data"]]
    assert "body_markdown" in client.as_key(editor_key, f"{ARTICLES}/{SEEDED}").get_json()["data"]
    # The public's answers, asked again after the key holder's, are still the public's.
    assert client.get_json(ARTICLES).get_json() == public
    assert "body_markdown" not in client.get_json(f"{ARTICLES}/{SEEDED}").get_json()["data"]
    hits, response = statements_for(
        seeded_app, client, f"{ARTICLES}/{SEEDED}", headers={"Authorization": f"Bearer {editor_key}"}
    )
    assert response.status_code == 200 and hits > 1
    assert response.headers["Cache-Control"] == "private, no-store"


def test_each_host_gets_its_own_links(seeded_app, client):
    """Lists carry absolute links: an answer made for one host name is not served to another."""
    assert client.get_json(ARTICLES).get_json()["links"]["self"].startswith("http://localhost/")
    other = client.raw.get(ARTICLES, base_url="https://api.studio.example")
    assert other.get_json()["links"]["self"].startswith("https://api.studio.example/")


def test_errors_are_not_cached(seeded_app, client):
    client.problem(f"{ARTICLES}/no-such-article", 404)
    add_article(seeded_app, "no-such-article")
    client.get_json(f"{ARTICLES}/no-such-article")


def test_the_cache_can_be_turned_off(seeded_app, make_app):
    uncached = make_app(
        {
            "SQLALCHEMY_DATABASE_URI": seeded_app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_ENABLED": False,
            "RESPONSE_CACHE_MAX_BYTES": 0,
        }
    )
    client = uncached.test_client()
    counts = []
    for _ in range(2):
        with counted_queries(uncached) as statements:
            assert client.get(f"{ARTICLES}/{SEEDED}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] > 1


def test_opening_hours_are_cached_only_until_they_next_change(seeded_app, client):
    """open_now depends on the clock: the answer is kept until the next opening, closing or midnight."""
    set_weekly_hours(seeded_app, {day: [("09:00", "17:00")] for day in range(7)})
    client.get_json("/api/v1/studio/hours")
    assert statements_for(seeded_app, client, "/api/v1/studio/hours")[0] == 1
    cache = seeded_app.extensions["response_cache"]
    # The view's answer and the one replayed before Flask (api/web/replayed_reads.py) hold until the same moment.
    kept = [entry.expires_at for key, entry in cache._entries.items() if "'/api/v1/studio/hours'" in repr(key)]
    assert len(kept) == 2
    (expires_at,) = set(kept)
    zone = ZoneInfo("America/New_York")
    now = utcnow()
    local = now.astimezone(zone)
    boundaries = [
        datetime.combine(local.date() + timedelta(days=days), clock, zone)
        for days in (0, 1)
        for clock in (
            datetime.min.time(),
            datetime.strptime("09:00", "%H:%M").time(),
            datetime.strptime("17:00", "%H:%M").time(),
        )
    ]
    assert expires_at == min(moment for moment in boundaries if moment > now)


def test_the_next_change_of_opening_hours():
    zone = ZoneInfo("America/New_York")
    weekly = {
        day: [Interval(datetime.strptime("09:00", "%H:%M").time(), datetime.strptime("17:00", "%H:%M").time())]
        for day in range(7)
    }
    morning = datetime(2026, 11, 23, 8, 0, tzinfo=zone)
    assert hours_status(weekly, {}, zone, morning).next_change == datetime(2026, 11, 23, 9, 0, tzinfo=zone)
    afternoon = datetime(2026, 11, 23, 13, 0, tzinfo=zone)
    assert hours_status(weekly, {}, zone, afternoon).next_change == datetime(2026, 11, 23, 17, 0, tzinfo=zone)
    evening = datetime(2026, 11, 23, 20, 0, tzinfo=zone)
    assert hours_status(weekly, {}, zone, evening).next_change == datetime(2026, 11, 24, 0, 0, tzinfo=zone)


def _entry(size: int) -> CachedResponse:
    return CachedResponse(b"x" * size, (), None)


def test_the_cache_keeps_the_most_recently_used_within_its_bytes():
    entry_cost = 1000 + ENTRY_OVERHEAD_BYTES
    cache = ResponseCache(max_bytes=8 * entry_cost)
    for name in "abcd":
        cache.put((name,), _entry(1000))
    cache.get(("a",))  # used: "b" is now the oldest
    for name in "efghi":
        cache.put((name,), _entry(1000))
    assert cache.get(("b",)) is None and cache.get(("a",)) is not None
    assert len(cache) == 8
    cache.put(("huge",), _entry(entry_cost + 1))  # more than an eighth of the cache: not kept
    assert cache.get(("huge",)) is None


def test_empty_answers_are_bounded_too():
    """A 304 has no body: however many revalidations with made-up ETags arrive, the cache stays in bounds."""
    cache = ResponseCache(max_bytes=10 * ENTRY_OVERHEAD_BYTES)
    for number in range(1000):
        cache.put((number,), _entry(0))
    assert len(cache) == 10


def test_an_expired_answer_is_not_served():
    cache = ResponseCache(max_bytes=8000)
    cache.put(("hours",), CachedResponse(b"{}", (), utcnow() - timedelta(seconds=1)))
    assert cache.get(("hours",)) is None and len(cache) == 0


def test_paging_through_a_list_counts_its_total_once_per_content_version(seeded_app, client, editor_key):
    for number in range(5):
        add_article(seeded_app, f"paged-{number}")
    with seeded_app.app_context():
        engine = db.engine
    sent = []

    def counts_sent(url: str) -> tuple[int, int]:
        """How many count(*) statements a GET sent, and the total it answered."""
        sent.clear()
        body = client.get_json(url).get_json()
        return sum("count(*)" in statement for statement in sent), body["meta"]["total"]

    listener = lambda _c, _cursor, statement, *_rest: sent.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert counts_sent(f"{ARTICLES}?per_page=2&page=1") == (1, 6)
        assert counts_sent(f"{ARTICLES}?per_page=2&page=2") == (0, 6)  # remembered
        assert counts_sent(f"{ARTICLES}?per_page=3&page=2&sort=title") == (0, 6)  # same filters
        assert counts_sent(f"{ARTICLES}?per_page=2&topic=quadratus-lumborum") == (1, 1)  # other filters
        client.write(
            "POST",
            ARTICLES,
            editor_key,
            201,
            json={"title": "One More", "body_markdown": "More.", "status": "published"},
        )
        assert counts_sent(f"{ARTICLES}?per_page=2&page=3") == (1, 7)  # a new content version
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _open_connections(app) -> int:
    """The database connections this process holds open: PostgreSQL's sessions on the test database, or
    file descriptors on the SQLite file."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                return connection.exec_driver_sql(query).scalar_one() - 1  # this one
        path = db.engine.url.database
    return sum(1 for fd in os.listdir("/proc/self/fd") if _points_to(f"/proc/self/fd/{fd}", path))


def _points_to(link: str, path: str) -> bool:
    try:
        return os.readlink(link) == os.path.realpath(path)
    except OSError:
        return False


def test_a_server_with_a_thread_per_request_keeps_a_few_connections(seeded_app, live_server):
    """Every read takes the content version on a connection of its own; a server that runs each request
    in a new thread (Flask's) must not leave one open per thread."""
    urllib.request.urlopen(f"http://{live_server}{ARTICLES}").read()  # the first connections are made
    before = _open_connections(seeded_app)
    for _ in range(60):
        with urllib.request.urlopen(f"http://{live_server}{ARTICLES}/{SEEDED}") as response:
            assert response.status == 200
    # Requests one after another reuse the pool's connection; of the content version's, at most 4 wait.
    assert _open_connections(seeded_app) - before <= 4
