"""Series: listed, shown with their articles in reading order, written, reordered, deleted and restored."""

from datetime import UTC, datetime, timedelta

SERIES = "/api/v1/series"
SEEDED_SERIES = f"{SERIES}/learn-about-massage-for-back-pain"
ARTICLES = "/api/v1/articles"
SEEDED_ARTICLE = "massage-for-quadratus-lumborum"


def _article(client, key, title, **fields):
    body = {"title": title, "body_markdown": f"## {title}\n\nText.", "status": "published", **fields}
    return client.write("POST", ARTICLES, key, 201, json=body).get_json()["data"]


def test_the_seeded_series_is_listed_and_shows_its_article(client):
    listed = client.get_json(SERIES).get_json()
    assert [series["slug"] for series in listed["data"]] == ["learn-about-massage-for-back-pain"]
    assert listed["data"][0]["article_count"] == 1
    series = client.get_json(SEEDED_SERIES).get_json()["data"]
    assert series["description"].startswith("Many times we find that there are aches and pains")
    assert [(a["slug"], a["position"]) for a in series["articles"]] == [(SEEDED_ARTICLE, 1)]
    article = client.get_json(f"{ARTICLES}/{SEEDED_ARTICLE}").get_json()["data"]
    assert article["series"]["slug"] == "learn-about-massage-for-back-pain" and article["series_position"] == 1
    assert "status" not in series and "deleted_at" not in series


def test_an_editor_creates_a_series_and_orders_two_articles_in_it(client, editor_key):
    first = _article(client, editor_key, "Hips One")
    second = _article(client, editor_key, "Hips Two")
    created = client.write(
        "POST",
        SERIES,
        editor_key,
        201,
        json={"title": "Hip Series", "status": "published", "articles": [second["slug"], first["slug"]]},
    )
    assert created.headers["Location"] == "http://localhost/api/v1/series/hip-series"
    shown = client.get_json(f"{SERIES}/hip-series").get_json()["data"]
    assert [(a["slug"], a["position"]) for a in shown["articles"]] == [("hips-two", 1), ("hips-one", 2)]

    client.write("PATCH", f"{SERIES}/hip-series", editor_key, 200, json={"articles": ["hips-one", "hips-two"]})
    shown = client.get_json(f"{SERIES}/hip-series").get_json()["data"]
    assert [a["slug"] for a in shown["articles"]] == ["hips-one", "hips-two"]
    listed = client.get_json(f"{ARTICLES}?series=hip-series&fields=slug,series_position").get_json()["data"]
    assert sorted((a["slug"], a["series_position"]) for a in listed) == [("hips-one", 1), ("hips-two", 2)]
    # Each move is in the article's own history, with the key that made it.
    revisions = client.as_key(editor_key, f"{ARTICLES}/hips-two/revisions").get_json()["data"]
    assert [r["action"] for r in revisions[:2]] == ["moved in series", "moved in series"]
    assert revisions[0]["key_name"] == "editor-one" and revisions[0]["snapshot"]["series_position"] == 2
    assert revisions[0]["snapshot"]["series"]["slug"] == "hip-series"

    # An article that joins by its own field goes last; one left out of the list leaves the series.
    third = _article(client, editor_key, "Hips Three", series="hip-series")
    assert third["series_position"] == 3
    client.write("PATCH", f"{SERIES}/hip-series", editor_key, 200, json={"articles": ["hips-three", "hips-one"]})
    two = client.get_json(f"{ARTICLES}/hips-two").get_json()["data"]
    assert two["series"] is None and two["series_position"] is None


def test_a_draft_series_is_hidden_from_the_public_everywhere(client, editor_key):
    client.write("POST", SERIES, editor_key, 201, json={"title": "Secret Plan", "articles": [SEEDED_ARTICLE]})
    client.problem(f"{SERIES}/secret-plan", 404)
    assert client.get_json(SERIES).get_json()["meta"]["total"] == 1
    article = client.get_json(f"{ARTICLES}/{SEEDED_ARTICLE}").get_json()["data"]
    assert article["series"] is None  # its series is not public yet
    assert client.get_json(f"{ARTICLES}?series=secret-plan").get_json()["data"] == []
    assert client.as_key(editor_key, f"{ARTICLES}/{SEEDED_ARTICLE}").get_json()["data"]["series"]["slug"] == (
        "secret-plan"
    )
    assert client.as_key(editor_key, f"{SERIES}/secret-plan").get_json()["data"]["status"] == "draft"
    # The article left the seeded series for this one.
    assert client.get_json(SEEDED_SERIES).get_json()["data"]["articles"] == []


def test_a_scheduled_series_appears_at_its_time(client, editor_key):
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    client.write("POST", SERIES, editor_key, 201, json={"title": "Soon", "status": "scheduled", "published_at": later})
    client.problem(f"{SERIES}/soon", 404)
    assert [s["slug"] for s in client.as_key(editor_key, f"{SERIES}?status=scheduled").get_json()["data"]] == ["soon"]
    client.write("POST", SERIES, editor_key, 422, json={"title": "Never", "status": "scheduled"})


def test_bad_series_writes_are_problems_that_change_nothing(client, editor_key):
    before = client.as_key(editor_key, SEEDED_SERIES).get_json()
    problem = client.write(
        "PATCH", SEEDED_SERIES, editor_key, 422, json={"articles": ["no-such-article", SEEDED_ARTICLE]}
    ).get_json()
    assert problem["errors"] == {"articles": ["No article has the slug 'no-such-article'."]}
    problem = client.write("PATCH", SEEDED_SERIES, editor_key, 422, json={"articles": [SEEDED_ARTICLE] * 2}).get_json()
    assert problem["errors"] == {"articles": [f"'{SEEDED_ARTICLE}' is named more than once."]}
    client.write("PATCH", SEEDED_SERIES, editor_key, 422, json={"articles": "massage"})
    client.write("PATCH", SEEDED_SERIES, editor_key, 422, json={"article_count": 3})
    client.write("POST", SERIES, editor_key, 409, json={"title": "Learn About Massage For Back Pain"})
    client.write("PATCH", SEEDED_SERIES, editor_key, 428, json={"title": "x"}, headers={"If-Match": None})
    assert client.as_key(editor_key, SEEDED_SERIES).get_json() == before


def test_an_article_names_only_a_live_series(client, editor_key):
    problem = client.write(
        "PATCH", f"{ARTICLES}/{SEEDED_ARTICLE}", editor_key, 422, json={"series": "hip-series"}
    ).get_json()
    assert problem["errors"] == {"series": ["No series has the slug 'hip-series'."]}


def test_delete_restore_purge_and_revisions(client, editor_key, admin_key):
    deleted = client.write("DELETE", SEEDED_SERIES, editor_key, 204)
    client.problem(SEEDED_SERIES, 404)
    assert client.get_json(f"{ARTICLES}/{SEEDED_ARTICLE}").get_json()["data"]["series"] is None
    etag = {"If-Match": deleted.headers["ETag"]}
    # Its article still names it: a purge would silently unlink it.
    problem = client.write("POST", f"{SEEDED_SERIES}/purge", admin_key, 409, headers=etag).get_json()
    assert f"article '{SEEDED_ARTICLE}'" in problem["detail"]
    client.write("POST", f"{SEEDED_SERIES}/restore", editor_key, 200, headers=etag)
    assert client.get_json(SEEDED_SERIES).get_json()["data"]["articles"][0]["slug"] == SEEDED_ARTICLE
    revisions = client.as_key(editor_key, f"{SEEDED_SERIES}/revisions").get_json()["data"]
    assert [r["action"] for r in revisions] == ["restored", "deleted", "seeded"]
    client.write("PATCH", SEEDED_SERIES, editor_key, 200, json={"title": "Renamed Title"})
    client.write("POST", f"{SEEDED_SERIES}/revisions/1/restore", admin_key, 200)
    assert client.get_json(SEEDED_SERIES).get_json()["data"]["title"] == "Learn About Massage For Back Pain"


def test_a_series_as_json_ld(client):
    response = client.raw.get(f"{SEEDED_SERIES}/structured-data")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    document = response.get_json()
    assert document["@type"] == "CreativeWorkSeries"
    assert document["hasPart"][0]["headline"] == "Massage For Quadratus Lumborum"


def test_a_series_with_the_longest_slug_moves_articles(client, editor_key):
    slug = "s" * 120
    client.write("POST", SERIES, editor_key, 201, json={"title": "Long", "slug": slug, "articles": [SEEDED_ARTICLE]})
    revisions = client.as_key(editor_key, f"{ARTICLES}/{SEEDED_ARTICLE}/revisions").get_json()["data"]
    assert revisions[0]["action"] == "moved in series" and revisions[0]["snapshot"]["series"]["slug"] == slug
