"""Editors and admins write content: create, replace, patch, delete; strict validation; nothing half-written."""

import http.client
import json
from datetime import UTC, datetime, timedelta

import pytest

ARTICLES = "/api/v1/articles"
TOPICS = "/api/v1/topics"
SEEDED = f"{ARTICLES}/massage-for-quadratus-lumborum"
NEW_ARTICLE = {
    "title": "Stretching The QL",
    "body_markdown": "## Why\n\nIt helps.",
    "topics": ["quadratus-lumborum"],
    "status": "published",
}


def snapshot(client, key):
    """Everything a key holder can read, to prove a rejected write changed nothing."""
    urls = [
        f"{ARTICLES}?status=all&per_page=100",
        f"{TOPICS}?status=all&per_page=100",
        "/api/v1/studio",
        "/api/v1/studio/hours",
    ]
    return [client.as_key(key, url).get_json() for url in urls]


def test_create_answers_201_with_location_and_the_item(client, editor_key):
    response = client.write("POST", ARTICLES, editor_key, 201, json=NEW_ARTICLE)
    article = response.get_json()["data"]
    assert response.headers["Location"] == "http://localhost/api/v1/articles/stretching-the-ql"
    assert article["slug"] == "stretching-the-ql"
    assert article["status"] == "published" and article["published_at"].endswith("Z")
    assert article["body_html"] == '<h2 id="why">Why</h2>\n<p>It helps.</p>\n'
    assert article["body_markdown"] == NEW_ARTICLE["body_markdown"]
    public = client.get_json("/api/v1/articles/stretching-the-ql")
    assert public.get_json()["data"]["title"] == "Stretching The QL"
    assert "body_markdown" not in public.get_json()["data"]
    # The ETag of the write's answer is the one the writer's own GET gives.
    assert client.as_key(editor_key, "/api/v1/articles/stretching-the-ql").headers["ETag"] == response.headers["ETag"]
    topic = client.get_json("/api/v1/topics/quadratus-lumborum").get_json()["data"]
    assert "stretching-the-ql" in [a["slug"] for a in topic["articles"]]


def test_slugs_come_from_titles_or_are_given(client, editor_key):
    made = client.write("POST", ARTICLES, editor_key, 201, json={"title": "Über Café’s Guide!", "body_markdown": "x"})
    assert made.get_json()["data"]["slug"] == "uber-cafes-guide"
    given = client.write("POST", ARTICLES, editor_key, 201, json={"slug": "my-own", "title": "T", "body_markdown": "x"})
    assert given.get_json()["data"]["slug"] == "my-own"
    client.write("POST", ARTICLES, editor_key, 422, json={"title": "!!!", "body_markdown": "x"})


def test_a_taken_slug_is_a_409_and_writes_nothing(client, editor_key):
    before = snapshot(client, editor_key)
    client.write("POST", ARTICLES, editor_key, 409, json={**NEW_ARTICLE, "slug": "massage-for-quadratus-lumborum"})
    client.write("POST", TOPICS, editor_key, 409, json={"name": "Quadratus Lumborum"})
    client.write("POST", ARTICLES, editor_key, 201, json=NEW_ARTICLE)
    client.write(
        "PATCH", f"{ARTICLES}/stretching-the-ql", editor_key, 409, json={"slug": "massage-for-quadratus-lumborum"}
    )
    after = snapshot(client, editor_key)
    assert after[0]["meta"]["total"] == before[0]["meta"]["total"] + 1
    assert after[1:] == before[1:]


def test_drafts_are_seen_only_with_a_key(client, editor_key):
    client.write("POST", ARTICLES, editor_key, 201, json={**NEW_ARTICLE, "status": "draft"})
    client.problem("/api/v1/articles/stretching-the-ql", 404)
    assert client.get_json(ARTICLES).get_json()["meta"]["total"] == 1
    draft = client.as_key(editor_key, "/api/v1/articles/stretching-the-ql").get_json()["data"]
    assert draft["status"] == "draft" and draft["published_at"] is None
    listed = client.as_key(editor_key, f"{ARTICLES}?status=draft").get_json()
    assert [a["slug"] for a in listed["data"]] == ["stretching-the-ql"]


def test_put_replaces_and_patch_changes_only_what_it_names(client, editor_key):
    client.write("POST", ARTICLES, editor_key, 201, json={**NEW_ARTICLE, "excerpt": "Short.", "seo_title": "SEO"})
    url = f"{ARTICLES}/stretching-the-ql"
    patched = client.write("PATCH", url, editor_key, 200, json={"excerpt": "Shorter."}).get_json()["data"]
    assert patched["excerpt"] == "Shorter." and patched["seo_title"] == "SEO" and patched["topics"]
    replaced = client.write("PUT", url, editor_key, 200, json={"title": "New", "body_markdown": "Body"}).get_json()[
        "data"
    ]
    assert replaced["title"] == "New"
    # The editor's excerpt is gone with the PUT that left it out; one is made from the new body instead.
    assert (replaced["excerpt"], replaced["excerpt_derived"]) == ("Body", True)
    assert replaced["seo_title"] is None and replaced["topics"] == []
    assert replaced["status"] == "draft"
    assert replaced["slug"] == "stretching-the-ql"  # a PUT without a slug keeps the item's address


def test_topics_are_written_and_related_both_ways(client, editor_key):
    created = client.write(
        "POST",
        TOPICS,
        editor_key,
        201,
        json={
            "name": "Gluteus Maximus",
            "aliases": ["glut max"],
            "related": ["gluteus-medius"],
            "body_region": "hip",
            "status": "published",
        },
    )
    assert created.headers["Location"].endswith("/api/v1/topics/gluteus-maximus")
    medius = client.get_json(f"{TOPICS}/gluteus-medius").get_json()["data"]
    assert "gluteus-maximus" in [t["slug"] for t in medius["related"]]
    client.write("PATCH", f"{TOPICS}/gluteus-maximus", editor_key, 200, json={"related": []})
    medius = client.get_json(f"{TOPICS}/gluteus-medius").get_json()["data"]
    assert "gluteus-maximus" not in [t["slug"] for t in medius["related"]]
    client.write("PATCH", f"{TOPICS}/gluteus-maximus", editor_key, 422, json={"related": ["gluteus-maximus"]})
    client.write("PATCH", f"{TOPICS}/gluteus-maximus", editor_key, 422, json={"related": ["no-such-topic"]})


def test_admin_updates_the_studio(client, admin_key):
    response = client.write(
        "PATCH",
        "/api/v1/studio",
        admin_key,
        200,
        json={"email": "hello@example.com", "phone": {"e164": "+18594213086"}, "address": {"postal_code": "40502"}},
    )
    studio = response.get_json()["data"]
    assert studio["email"] == "hello@example.com"
    assert studio["phone"] == {"display": "(859) 421-3085", "e164": "+18594213086"}
    assert studio["address"]["postal_code"] == "40502" and studio["address"]["locality"] == "Lexington"
    assert client.get_json("/api/v1/studio").get_json()["data"] == studio


def test_admin_replaces_the_weekly_hours(client, admin_key):
    nine_to_five = [{"opens": "09:00", "closes": "17:00"}]
    weekly = dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), nine_to_five)
    weekly |= {"saturday": [{"opens": None, "closes": None}], "sunday": []}
    response = client.write(
        "PUT", "/api/v1/studio/hours", admin_key, 200, json={"weekly": weekly, "display": ["Mon - Fri 9 - 5"]}
    )
    hours = response.get_json()["data"]
    assert hours["weekly"][0]["intervals"] == nine_to_five
    assert hours["weekly"][6] == {"day": "sunday", "closed": True, "intervals": []}
    monday_ten = client.get_json("/api/v1/studio/hours?at=2026-11-23T15:00:00Z").get_json()["data"]
    assert monday_ten["open_now"] is True and monday_ten["display"] == ["Mon - Fri 9 - 5"]


def test_admin_adds_and_removes_a_dated_exception(client, admin_key):
    exception = {"starts_on": "2026-12-25", "note": "Christmas Day", "intervals": []}
    created = client.write("POST", "/api/v1/studio/hours/exceptions", admin_key, 201, json=exception)
    assert created.headers["Location"].endswith("/api/v1/studio/hours/exceptions/2026-12-25")
    assert created.get_json()["data"] == {**exception, "ends_on": "2026-12-25", "closed": True}
    assert client.get_json("/api/v1/studio/hours/exceptions/2026-12-25").get_json()["data"]["note"] == "Christmas Day"
    hours = client.get_json("/api/v1/studio/hours?at=2026-12-20T12:00:00Z").get_json()["data"]
    assert [e["starts_on"] for e in hours["exceptions"]] == ["2026-12-25"]
    client.write("POST", "/api/v1/studio/hours/exceptions", admin_key, 409, json=exception)
    client.write("DELETE", "/api/v1/studio/hours/exceptions/2026-12-25", admin_key, 204)
    client.problem("/api/v1/studio/hours/exceptions/2026-12-25", 404)
    client.problem("/api/v1/studio/hours/exceptions/not-a-date", 404)


VALID = {"title": "T", "body_markdown": "B"}


@pytest.mark.parametrize(
    "body, field",
    [
        ({**VALID, "colour": "blue"}, "colour"),
        ({**VALID, "id": 7}, "id"),
        ({**VALID, "created_at": "2026-01-01T00:00:00Z"}, "created_at"),
        ({**VALID, "body_html": "<p>x</p>"}, "body_html"),
        ({**VALID, "reading_time_minutes": 3}, "reading_time_minutes"),
        ({"body_markdown": "B"}, "title"),
        ({"title": "T"}, "body_markdown"),
        ({**VALID, "title": ""}, "title"),
        ({**VALID, "title": "x" * 201}, "title"),
        ({**VALID, "title": 5}, "title"),
        ({**VALID, "title": None}, "title"),
        ({**VALID, "slug": "Not A Slug"}, "slug"),
        ({**VALID, "slug": "double--hyphen"}, "slug"),
        ({**VALID, "status": "live"}, "status"),
        ({**VALID, "published_at": "2026-01-01T00:00:00"}, "published_at"),
        ({**VALID, "published_at": "tomorrow"}, "published_at"),
        ({**VALID, "topics": "quadratus-lumborum"}, "topics"),
        ({**VALID, "topics": ["no-such-topic"]}, "topics"),
        ({**VALID, "series": "no-such-series"}, "series"),
        ({**VALID, "title": "nul\u0000byte"}, "title"),
        ({**VALID, "body_markdown": "x" * 200_001}, "body_markdown"),
    ],
)
def test_invalid_articles_are_422_naming_the_field_and_change_nothing(client, editor_key, body, field):
    before = snapshot(client, editor_key)
    problem = client.write("POST", ARTICLES, editor_key, 422, json=body).get_json()
    assert field in problem["errors"], problem
    if field in body:
        client.write("PATCH", SEEDED, editor_key, 422, json={field: body[field]})
    assert snapshot(client, editor_key) == before


def test_a_lone_surrogate_is_a_422(client, editor_key):
    raw = '{"title": "bad \\ud800 text", "body_markdown": "x"}'
    problem = client.write("POST", ARTICLES, editor_key, 422, data=raw, content_type="application/json").get_json()
    assert list(problem["errors"]) == ["title"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"phone": {"e164": "859-421-3085"}}, "phone.e164"),
        ({"time_zone": "Lexington/Kentucky"}, "time_zone"),
        ({"email": "not-an-email"}, "email"),
        ({"address": {"country": "USA"}}, "address.country"),
        ({"address": {"planet": "Earth"}}, "address.planet"),
        ({"hero_slides": [{"subheadline": "no headline"}]}, "hero_slides.0.headline"),
    ],
)
def test_invalid_studio_details_are_422(client, admin_key, body, field):
    before = snapshot(client, admin_key)
    problem = client.write("PATCH", "/api/v1/studio", admin_key, 422, json=body).get_json()
    assert field in problem["errors"], problem
    assert snapshot(client, admin_key) == before


@pytest.mark.parametrize(
    "interval, field",
    [
        ({"opens": "9:00", "closes": "17:00"}, "weekly.monday.0.opens"),
        ({"opens": "09:00", "closes": "24:00"}, "weekly.monday.0.closes"),
        ({"opens": "09:00", "closes": None}, "weekly.monday.0"),
        ({"opens": "09:00", "closes": "09:00"}, "weekly.monday.0.closes"),
        ({"opens": "09:00"}, "weekly.monday.0.closes"),
    ],
)
def test_invalid_hours_are_422(client, admin_key, interval, field):
    weekly = {day: [] for day in ("tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
    before = snapshot(client, admin_key)
    problem = client.write(
        "PUT", "/api/v1/studio/hours", admin_key, 422, json={"weekly": {**weekly, "monday": [interval]}}
    ).get_json()
    assert field in problem["errors"], problem
    missing_day = client.write("PUT", "/api/v1/studio/hours", admin_key, 422, json={"weekly": weekly}).get_json()
    assert "weekly.monday" in missing_day["errors"]
    assert snapshot(client, admin_key) == before


@pytest.mark.parametrize(
    "data, content_type, status",
    [
        ('{"title": "T", "body_markdown": ', "application/json", 400),
        ("", "application/json", 400),
        ("\xff\xfe", "application/json", 400),
        ('["a list"]', "application/json", 422),
        ('"a string"', "application/json", 422),
        ("title=T&body_markdown=B", "application/x-www-form-urlencoded", 415),
        ('{"title": "T", "body_markdown": "B"}', "text/plain", 415),
    ],
)
def test_bodies_that_are_not_a_json_object_are_refused(client, editor_key, data, content_type, status):
    before = snapshot(client, editor_key)
    client.write("POST", ARTICLES, editor_key, status, data=data, content_type=content_type)
    assert snapshot(client, editor_key) == before


def test_duplicate_keys_the_last_one_wins(client, editor_key):
    raw = '{"title": "First", "title": "Second", "body_markdown": "x"}'
    created = client.write("POST", ARTICLES, editor_key, 201, data=raw, content_type="application/json")
    assert created.get_json()["data"]["title"] == "Second"


def test_a_body_over_the_limit_is_413_with_or_without_content_length(seeded_app, client, editor_key, live_server):
    seeded_app.config["MAX_CONTENT_LENGTH"] = 10_000
    big = json.dumps({"title": "T", "body_markdown": "x" * 20_000}).encode()
    before = snapshot(client, editor_key)
    client.write("POST", ARTICLES, editor_key, 413, data=big, content_type="application/json")

    # Without Content-Length: chunked transfer encoding over a real connection.
    connection = http.client.HTTPConnection(live_server, timeout=10)
    headers = {"Authorization": f"Bearer {editor_key}", "Content-Type": "application/json"}
    connection.request("POST", ARTICLES, body=iter([big[:5000], big[5000:]]), headers=headers, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 413
    assert response.getheader("Content-Type") == "application/problem+json"
    connection.close()
    assert snapshot(client, editor_key) == before

    small = json.dumps({"title": "Chunked", "body_markdown": "fine"}).encode()
    connection = http.client.HTTPConnection(live_server, timeout=10)
    connection.request("POST", ARTICLES, body=iter([small]), headers=headers, encode_chunked=True)
    assert connection.getresponse().status == 201
    connection.close()


def test_an_empty_if_match_names_nothing_and_is_a_412(client, editor_key):
    """`If-Match: ""` parses as no tag at all; it matches no representation (it was a 500)."""
    url = "/api/v1/articles/massage-for-quadratus-lumborum"
    before = client.as_key(editor_key, url).get_json()["data"]
    client.write("PATCH", url, editor_key, 412, json={"title": "Changed"}, headers={"If-Match": '""'})
    client.write("PATCH", url, editor_key, 412, json={"title": "Changed"}, headers={"If-Match": '"", W/"08"'})
    assert client.as_key(editor_key, url).get_json()["data"] == before


def _published_at(client, key: str, url: str) -> tuple[str, str]:
    read = client.as_key(key, url)
    return read.get_json()["data"]["published_at"], read.headers["ETag"]


def test_a_put_and_unpublishing_then_republishing_keep_the_first_publication_time(client, editor_key):
    url = "/api/v1/articles/massage-for-quadratus-lumborum"
    first, etag = _published_at(client, editor_key, url)
    whole = {"title": "Massage For Quadratus Lumborum", "body_markdown": "Rewritten.", "status": "published"}
    client.write("PUT", url, editor_key, 200, json=whole, headers={"If-Match": etag})
    after_put, etag = _published_at(client, editor_key, url)
    assert after_put == first
    client.write("PATCH", url, editor_key, 200, json={"status": "draft"}, headers={"If-Match": etag})
    client.get_json(url, 404)
    _, etag = _published_at(client, editor_key, url)
    client.write("PATCH", url, editor_key, 200, json={"status": "published"}, headers={"If-Match": etag})
    assert _published_at(client, editor_key, url)[0] == first


def test_scheduled_is_a_status_an_editor_can_write_with_its_future_time(client, editor_key):
    soon = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    created = client.write(
        "POST",
        "/api/v1/articles",
        editor_key,
        201,
        json={"title": "Coming Soon", "body_markdown": "x", "status": "scheduled", "published_at": soon},
    ).get_json()["data"]
    assert created["status"] == "scheduled"
    client.get_json("/api/v1/articles/coming-soon", 404)  # not public before its time
    problem = client.write(
        "POST",
        "/api/v1/articles",
        editor_key,
        422,
        json={"title": "No Time", "body_markdown": "x", "status": "scheduled"},
    ).get_json()
    assert "future" in problem["errors"]["published_at"][0]
    bad = client.write(
        "POST", "/api/v1/articles", editor_key, 422, json={"title": "Typo", "body_markdown": "x", "status": "publish"}
    ).get_json()
    assert "scheduled: give published_at" in bad["errors"]["status"][0]
    assert client.as_key(editor_key, "/api/v1/articles?status=all").get_json()["meta"]["total"] == 2


def test_an_authenticated_read_is_private_on_every_endpoint(client, editor_key):
    for url in (
        "/api/v1/studio",
        "/api/v1/studio/hours",
        "/api/v1/",
        "/api/v1/articles",
        "/api/v1/feeds/articles.atom",
    ):
        response = client.raw.get(url, headers={"Authorization": f"Bearer {editor_key}"})
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "private, no-store", url
        assert client.raw.get(url).headers["Cache-Control"].startswith("public"), url
