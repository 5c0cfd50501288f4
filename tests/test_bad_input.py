"""A battery of bad input: each case gets its documented problem, and nothing is written or changed."""

import pytest

ARTICLES = "/api/v1/articles"


def everything(client, key) -> list:
    urls = [f"{ARTICLES}?status=all&per_page=100", "/api/v1/topics?status=all&per_page=100", "/api/v1/studio"]
    return [client.as_key(key, url).get_json() for url in urls]


@pytest.mark.parametrize(
    "raw, content_type, status",
    [
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),  # nested past any parser's depth
        (b'{"title": "\xff\xfe broken", "body_markdown": "x"}', "application/json", 400),  # invalid UTF-8
        (b'{"title": NaN, "body_markdown": "x"}', "application/json", 422),
        (b'{"title": "T", "body_markdown": "x", "reading_time_minutes": Infinity}', "application/json", 422),
        (b'{"title": ["T"], "body_markdown": {"a": 1}}', "application/json", 422),
        (b'{"title": "T", "body_markdown": "x", "topics": [1, 2]}', "application/json", 422),
        (b'{"title": "T", "body_markdown": "x", "status": null}', "application/json", 422),
        (b'{"title": "T", "body_markdown": "x"', "application/json", 400),  # truncated
        (b"null", "application/json", 422),
        (b"42", "application/json", 422),
        (b'{"title": "T", "body_markdown": "x"}', "application/xml", 415),
        (b'{"title": "T", "body_markdown": "x"}', "multipart/form-data; boundary=x", 415),
    ],
)
def test_malformed_bodies_get_their_problem_and_write_nothing(client, editor_key, raw, content_type, status):
    before = everything(client, editor_key)
    problem = client.write("POST", ARTICLES, editor_key, status, data=raw, content_type=content_type).get_json()
    assert problem["detail"]
    assert everything(client, editor_key) == before


@pytest.mark.parametrize(
    "url",
    [
        f"{ARTICLES}?topic=a%00b",
        f"{ARTICLES}?page=%00",
        f"{ARTICLES}?per_page=1e3",
        f"{ARTICLES}?page=99999999999999999999",
        f"{ARTICLES}?sort=%00",
        f"{ARTICLES}?q=%00%00",
        "/api/v1/topics?include=%00",
    ],
)
def test_nul_and_garbage_in_query_strings_are_400s(client, url):
    client.problem(url, 400)


@pytest.mark.parametrize("slug", ["a%00b", "%ff%fe", "..%2F..%2Fetc", "x" * 300, "UPPER", "-lead"])
def test_garbage_slugs_are_404s(client, slug):
    for url in (f"{ARTICLES}/{slug}", f"/api/v1/topics/{slug}"):
        response = client.raw.get(url)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_nul_in_headers_is_harmless(client):
    response = client.raw.get(ARTICLES, headers={"X-Request-ID": "a\x00b", "If-None-Match": '"\x00"'})
    assert response.status_code == 200 and "\x00" not in response.headers["X-Request-ID"]
    assert client.raw.post(ARTICLES, headers={"Authorization": "Bearer cps_\x00"}, json={}).status_code == 401


def test_script_injection_in_every_text_field_reaches_no_reader_as_markup(client, editor_key, admin_key):
    attack = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    client.write(
        "POST",
        ARTICLES,
        editor_key,
        201,
        json={
            "slug": "attack",
            "title": attack,
            "excerpt": attack,
            "body_markdown": attack,
            "seo_title": attack,
            "seo_description": attack,
            "status": "published",
        },
    )
    article = client.get_json(f"{ARTICLES}/attack").get_json()["data"]
    assert "<script" not in article["body_html"] and "onerror" not in article["body_html"]
    # Plain-text fields are served as the text they are (JSON strings), never as HTML; the feed escapes them.
    feed = client.raw.get("/api/v1/feeds/articles.atom").get_data(as_text=True)
    assert "<script>" not in feed
    body_text = client.get_json(f"{ARTICLES}/attack").get_json()["data"]["body_text"]
    assert "<script" not in body_text and "alert" not in body_text


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/studio/hours?at=9999-12-31T23:00:00Z",
        "/api/v1/studio/hours?at=0001-01-01T00:00:00Z",
        "/api/v1/studio/hours?at=0001-01-01T00:00:00%2B14:00",
        f"{ARTICLES}?published_after=0001-01-01T00:00:00%2B14:00",
        f"{ARTICLES}?published_before=9999-12-31T23:59:59-14:00",
    ],
)
def test_times_at_the_ends_of_the_calendar_are_answered_not_a_500(client, url):
    """A time past what can be converted is taken as the nearer end of the range the API works in."""
    client.get_json(url)


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "   "),
        ("title", "\u00a0\u00a0"),
        ("title", "\u3000"),
        ("title", "Line\nbreak"),
        ("title", "Tab\there"),
        ("title", "Bell\x07"),
        ("slug", "ends-in-newline\n"),
        ("slug", "ends-in-cr\r"),
        ("published_at", "0001-01-01T00:00:00+14:00"),
        ("published_at", "0001-01-01T00:00:00Z"),
        ("published_at", "9999-12-31T23:59:59Z"),
    ],
)
def test_valid_looking_article_input_is_a_422_naming_the_field(client, editor_key, field, value):
    before = everything(client, editor_key)
    body = {"title": "A Title", "body_markdown": "Text.", "status": "published", field: value}
    problem = client.write("POST", ARTICLES, editor_key, 422, json=body).get_json()
    assert list(problem["errors"]) == [field]
    assert everything(client, editor_key) == before


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v1/studio", {"address": {"country": "US\n"}}),
        ("/api/v1/studio", {"phone": {"e164": "+18594213085\n"}}),
        ("/api/v1/studio", {"name": "\u3000"}),
    ],
)
def test_a_pattern_must_match_the_whole_value(client, admin_key, path, body):
    etag = client.as_key(admin_key, path).headers["ETag"]
    before = everything(client, admin_key)
    client.write("PATCH", path, admin_key, 422, json=body, headers={"If-Match": etag})
    assert everything(client, admin_key) == before


def test_the_opening_times_of_a_day_must_be_exactly_hh_mm(client, admin_key):
    hours = client.as_key(admin_key, "/api/v1/studio/hours")
    weekly = {"monday": [{"opens": "09:00\n", "closes": "17:00"}]}
    problem = client.write(
        "PUT",
        "/api/v1/studio/hours",
        admin_key,
        422,
        json={"weekly": weekly},
        headers={"If-Match": hours.headers["ETag"]},
    ).get_json()
    assert any("opens" in name for name in problem["errors"]), problem


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": "T", "body_markdown": "x", "topics": [' + b",".join([b"1"] * 400_000) + b"]}",
        b"{" + b",".join(b'"f%d": 1' % number for number in range(70_000)) + b"}",
        b'{"title": "T", "body_markdown": "x", "status": "' + b"x" * 900_000 + b'"}',
    ],
    ids=["400k-bad-list-items", "70k-unknown-fields", "900k-echoed-value"],
)
def test_a_problem_stays_small_whatever_the_body(client, editor_key, raw):
    before = everything(client, editor_key)
    response = client.write("POST", ARTICLES, editor_key, 422, data=raw, content_type="application/json")
    assert len(response.data) < 8_000, len(response.data)
    assert everything(client, editor_key) == before
