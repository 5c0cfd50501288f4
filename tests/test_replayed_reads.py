"""Public reads answered before Flask (`api.web.replayed_reads`): the very answer Flask gave, with its
own request id, its budget spent and its access line, and never after a write has made it stale."""

import gzip
import json
import logging

import pytest
from flask import request

from tests.conftest import ApiClient
from tests.factories import add_article
from tests.test_response_cache import ARTICLES, PUBLIC_READS, SEEDED

# What each answer makes for itself: the rest of a replayed answer is the one Flask sent.
# (A conditional answer's Date is werkzeug's; the server sends its own for a replayed one.)
PER_REQUEST = {"X-Request-ID", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Date"}
VARIANTS = {
    "plain": {},
    "brotli": {"Accept-Encoding": "br"},
    "gzip, from another origin": {"Accept-Encoding": "gzip, deflate", "Origin": "https://studio.example"},
}


def counting_flask(app) -> list[str]:
    """The paths of the requests Flask itself handled (its before-request hooks ran)."""
    handled: list[str] = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: handled.append(request.path))
    return handled


def comparable(response) -> tuple:
    headers = sorted((name, value) for name, value in response.headers.items() if name not in PER_REQUEST)
    body = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        # A gzip member's header holds the second it was made (RFC 1952's MTIME): two compressions of the
        # same bytes a second apart differ there alone. What they decompress to must be the same.
        body = gzip.decompress(body)
    return response.status_code, headers, body


@pytest.fixture
def limited_app(seeded_app, make_app):
    """The seeded database served by an app whose anonymous readers may read 5 times a minute."""
    database = seeded_app.config["SQLALCHEMY_DATABASE_URI"]
    return make_app(
        {"SQLALCHEMY_DATABASE_URI": database, "RATELIMIT_ENABLED": True, "RATE_LIMIT_READS": "5 per minute"}
    )


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("url", PUBLIC_READS)
def test_a_replayed_read_is_the_answer_flask_gave(seeded_app, client, url, variant):
    handled = counting_flask(seeded_app)
    headers = VARIANTS[variant]
    by_flask = client.raw.get(url, headers=headers)
    replayed = client.raw.get(url, headers={**headers, "X-Request-ID": "replayed-1"})
    assert by_flask.status_code == 200
    assert handled == [url.split("?")[0]]  # the second never reached Flask
    assert comparable(replayed) == comparable(by_flask)
    assert replayed.headers["X-Request-ID"] == "replayed-1"
    if "Origin" in headers:
        assert replayed.headers["Access-Control-Allow-Origin"] == "*"


def test_a_revalidation_and_a_head_are_replayed_as_flask_answered_them(seeded_app, client):
    handled = counting_flask(seeded_app)
    url = f"{ARTICLES}/{SEEDED}"
    etag = client.raw.get(url).headers["ETag"]
    answers = {}
    for name, method, headers in (("304", "GET", {"If-None-Match": etag}), ("head", "HEAD", {})):
        by_flask = client.raw.open(url, method=method, headers=headers)
        replayed = client.raw.open(url, method=method, headers=headers)
        assert comparable(replayed) == comparable(by_flask)
        answers[name] = replayed
    assert len(handled) == 3  # the first GET, then once each
    assert answers["304"].status_code == 304 and answers["304"].get_data() == b""
    assert answers["head"].status_code == 200 and answers["head"].get_data() == b""
    assert answers["head"].headers["ETag"] == etag


def test_a_write_through_another_process_is_seen_by_the_next_read(seeded_app, client, make_app, admin_key):
    """A second app on the same database stands for another process: its write reaches this one's next read."""
    url = f"{ARTICLES}/{SEEDED}"
    client.get_json(url)
    assert client.get_json(url).json["data"]["title"] != "Renamed elsewhere"  # a replay, from now on
    other = make_app(
        {"SQLALCHEMY_DATABASE_URI": seeded_app.config["SQLALCHEMY_DATABASE_URI"], "RATELIMIT_ENABLED": False}
    )
    ApiClient(other.test_client()).write("PATCH", url, admin_key, 200, json={"title": "Renamed elsewhere"})
    assert client.get_json(url).json["data"]["title"] == "Renamed elsewhere"


def test_a_new_article_appears_in_the_replayed_list_at_once(seeded_app, client):
    before = client.get_json(ARTICLES).json["meta"]["total"]
    assert client.get_json(ARTICLES).json["meta"]["total"] == before
    add_article(seeded_app, "new-in-the-list", title="New in the list")
    after = client.get_json(ARTICLES).json
    assert after["meta"]["total"] == before + 1
    assert "new-in-the-list" in [item["slug"] for item in after["data"]]


def test_a_key_holders_read_is_never_replayed(seeded_app, client, editor_key):
    handled = counting_flask(seeded_app)
    client.get_json(ARTICLES)
    private = client.get_json(ARTICLES, headers={"Authorization": f"Bearer {editor_key}"})
    assert handled == [ARTICLES, ARTICLES]
    assert private.headers["Cache-Control"] == "private, no-store"


def test_replayed_reads_spend_the_same_budget_and_the_limiter_refuses_the_sixth(limited_app):
    client = ApiClient(limited_app.test_client())
    handled = counting_flask(limited_app)
    remaining = []
    for _ in range(5):
        response = client.get_json(ARTICLES)
        remaining.append(response.headers["X-RateLimit-Remaining"])
        assert response.headers["X-RateLimit-Limit"] == "5"
    assert remaining == ["4", "3", "2", "1", "0"]
    refused = client.raw.get(ARTICLES)
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0 and refused.headers["X-RateLimit-Remaining"] == "0"
    assert handled == [ARTICLES, ARTICLES]  # the first read, then the refusal: the limiter's own


def test_a_budget_is_per_address_for_replayed_reads_too(limited_app):
    client = ApiClient(limited_app.test_client())
    for _ in range(5):
        client.get_json(ARTICLES)
    client.problem(ARTICLES, 429)
    elsewhere = client.get_json(ARTICLES, environ_base={"REMOTE_ADDR": "127.0.0.2"})
    assert elsewhere.headers["X-RateLimit-Remaining"] == "4"


def test_a_replayed_read_writes_the_same_access_line(seeded_app, client, caplog):
    url = f"{ARTICLES}?per_page=2"
    with caplog.at_level(logging.INFO, logger="api.access"):
        client.get_json(url, headers={"User-Agent": "probe/1"})
        client.get_json(url, headers={"User-Agent": "probe/1"})
    lines = [record.fields for record in caplog.records if record.name == "api.access"]
    assert len(lines) == 2
    for line in lines:
        assert line["duration_ms"] >= 0
        assert json.dumps(line)  # JSON as logged
    changing = ("request_id", "duration_ms")
    assert {k: v for k, v in lines[1].items() if k not in changing} == {
        k: v for k, v in lines[0].items() if k not in changing
    }
    assert lines[1]["path"] == ARTICLES and lines[1]["query"] == "per_page=2" and lines[1]["status"] == 200


@pytest.fixture
def second_article(seeded_app):
    add_article(seeded_app, "second-article", topics=["quadratus-lumborum"], series="learn-about-massage-for-back-pain")
    return f"{ARTICLES}/second-article"


def flask_answer(seeded_app, make_app, url: str, headers: dict):
    """What Flask itself answers: another app on the same database, with no cache (so nothing before Flask)."""
    database = seeded_app.config["SQLALCHEMY_DATABASE_URI"]
    config = {"SQLALCHEMY_DATABASE_URI": database, "RATELIMIT_ENABLED": seeded_app.config["RATELIMIT_ENABLED"]}
    uncached = make_app({**config, "RESPONSE_CACHE_MAX_BYTES": 0})
    return uncached.test_client().get(url, headers=headers)


@pytest.mark.parametrize("variant", ["plain", "from another origin"])
def test_an_articles_first_read_is_its_stored_detail_with_the_headers_flask_gave_another(
    seeded_app, client, make_app, second_article, variant
):
    headers = {"Origin": "https://studio.example"} if variant != "plain" else {}
    handled = counting_flask(seeded_app)
    client.get_json(f"{ARTICLES}/{SEEDED}", headers=headers)  # Flask answers it
    shaped = client.raw.get(second_article, headers={**headers, "X-Request-ID": "shaped-1"})
    assert handled == [f"{ARTICLES}/{SEEDED}"]  # the second article's read never reached Flask
    assert comparable(shaped) == comparable(flask_answer(seeded_app, make_app, second_article, headers))
    assert shaped.headers["X-Request-ID"] == "shaped-1"
    assert shaped.get_json()["data"]["series"]["slug"] == "learn-about-massage-for-back-pain"


def test_an_edited_article_is_answered_with_its_new_stored_detail(seeded_app, client, second_article, editor_key):
    client.get_json(f"{ARTICLES}/{SEEDED}")
    client.write("PATCH", second_article, editor_key, 200, json={"title": "Second, edited"})
    handled = counting_flask(seeded_app)
    assert client.get_json(second_article).json["data"]["title"] == "Second, edited"
    assert handled == []


@pytest.mark.parametrize(
    "headers",
    [{"Accept-Encoding": "gzip"}, {"If-None-Match": '"other"'}, {"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}],
)
def test_a_compressed_or_conditional_read_of_an_article_goes_to_flask(
    seeded_app, client, make_app, second_article, headers
):
    handled = counting_flask(seeded_app)
    client.raw.get(f"{ARTICLES}/{SEEDED}", headers=headers)
    answer = client.raw.get(second_article, headers=headers)
    assert handled == [f"{ARTICLES}/{SEEDED}", second_article]
    assert comparable(answer) == comparable(flask_answer(seeded_app, make_app, second_article, headers))


def test_a_draft_or_unknown_article_is_flasks_to_answer(seeded_app, client, editor_key, second_article):
    client.get_json(f"{ARTICLES}/{SEEDED}")
    client.write("PATCH", second_article, editor_key, 200, json={"status": "draft"})
    handled = counting_flask(seeded_app)
    client.problem(second_article, 404)
    client.problem(f"{ARTICLES}/no-such-article", 404)
    assert handled == [second_article, f"{ARTICLES}/no-such-article"]


@pytest.fixture
def listed(seeded_app):
    for number in range(6):
        add_article(seeded_app, f"listed-{number}", topics=["quadratus-lumborum"])


@pytest.mark.parametrize("query", ["?per_page=2&page=3", "?page=2&per_page=2", "?page=1", "?per_page=2&page=40", ""])
@pytest.mark.parametrize("variant", ["plain", "from another origin"])
def test_a_list_page_is_made_from_stored_summaries_as_flask_makes_it(
    seeded_app, client, make_app, listed, query, variant
):
    headers = {"Origin": "https://studio.example"} if variant != "plain" else {}
    client.get_json(f"{ARTICLES}?per_page=2", headers=headers)  # Flask answers: the list's order and shape are kept
    handled = counting_flask(seeded_app)
    made = client.raw.get(ARTICLES + query, headers=headers)
    assert handled == []
    assert comparable(made) == comparable(flask_answer(seeded_app, make_app, ARTICLES + query, headers))


@pytest.mark.parametrize(
    "query", ["?topic=quadratus-lumborum", "?per_page=02", "?page=2&page=3", "?per_page=101", "?q=muscles"]
)
def test_a_list_with_anything_but_a_page_goes_to_flask(seeded_app, client, listed, query):
    client.get_json(f"{ARTICLES}?per_page=2")
    handled = counting_flask(seeded_app)
    client.raw.get(ARTICLES + query)
    assert handled == [ARTICLES]


def test_with_the_cache_off_articles_and_pages_are_still_made_before_flask(seeded_app, make_app, listed):
    database = seeded_app.config["SQLALCHEMY_DATABASE_URI"]
    config = {"SQLALCHEMY_DATABASE_URI": database, "RATELIMIT_ENABLED": seeded_app.config["RATELIMIT_ENABLED"]}
    uncached = make_app({**config, "RESPONSE_CACHE_MAX_BYTES": 0})
    client = ApiClient(uncached.test_client())
    client.get_json(f"{ARTICLES}/{SEEDED}")
    client.get_json(f"{ARTICLES}?per_page=2")
    handled = counting_flask(uncached)
    for url in (
        f"{ARTICLES}/listed-1",
        f"{ARTICLES}/listed-1",
        f"{ARTICLES}?per_page=2&page=2",
        f"{ARTICLES}/{SEEDED}",
    ):
        assert comparable(client.get_json(url)) == comparable(flask_answer(seeded_app, make_app, url, {}))
    assert handled == []


@pytest.mark.parametrize(
    "query",
    [
        "?q=listed",
        "?q=listed&per_page=2&page=2",
        "?per_page=2&q=Listed+0",
        "?q=+lis&page=40",
        "?q=body%20of&per_page=3",
    ],
)
@pytest.mark.parametrize("variant", ["plain", "from another origin"])
def test_a_search_page_is_made_before_flask_as_flask_makes_it(seeded_app, client, make_app, listed, query, variant):
    headers = {"Origin": "https://studio.example"} if variant != "plain" else {}
    client.get_json(f"{ARTICLES}?q=massage", headers=headers)  # Flask answers: the index caught up, the shape kept
    handled = counting_flask(seeded_app)
    made = client.raw.get(ARTICLES + query, headers=headers)
    assert handled == []
    assert comparable(made) == comparable(flask_answer(seeded_app, make_app, ARTICLES + query, headers))


def test_the_first_search_after_a_write_goes_to_flask_and_the_next_is_made_before_it(
    seeded_app, client, listed, editor_key
):
    client.get_json(f"{ARTICLES}?q=listed")
    client.write("PATCH", f"{ARTICLES}/listed-1", editor_key, 200, json={"title": "Renamed Entirely"})
    handled = counting_flask(seeded_app)
    assert [item["slug"] for item in client.get_json(f"{ARTICLES}?q=entirely").get_json()["data"]] == ["listed-1"]
    assert [item["slug"] for item in client.get_json(f"{ARTICLES}?q=renamed").get_json()["data"]] == ["listed-1"]
    assert handled == [ARTICLES]  # the first brought the index up to the write; the second needed no Flask


@pytest.mark.parametrize(
    "query", ["?q=listed&topic=quadratus-lumborum", "?q=listed&sort=title", "?q=%21%21", "?q=x&q=y"]
)
def test_a_search_with_anything_but_a_page_goes_to_flask(seeded_app, client, listed, query):
    client.get_json(f"{ARTICLES}?q=massage")
    handled = counting_flask(seeded_app)
    client.raw.get(ARTICLES + query)
    assert handled == [ARTICLES]
