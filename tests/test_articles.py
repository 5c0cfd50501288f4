"""Reading articles: the published list, its pages and filter, and one article."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import add_article

SEEDED = "massage-for-quadratus-lumborum"


def test_list_shows_the_seeded_article_in_the_envelope(client):
    response = client.get_json("/api/v1/articles")
    body = response.get_json()
    assert [article["slug"] for article in body["data"]] == [SEEDED]
    article = body["data"][0]
    assert article["title"] == "Massage For Quadratus Lumborum"
    assert article["status"] == "published"
    assert [topic["slug"] for topic in article["topics"]] == ["gluteus-medius", "gluteus-minimus", "quadratus-lumborum"]
    assert article["series"]["title"] == "Learn About Massage For Back Pain"
    assert "body_html" not in article
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 1, "pages": 1}
    assert body["links"]["prev"] is None and body["links"]["next"] is None
    assert body["links"]["self"].endswith("/api/v1/articles?page=1&per_page=20")
    assert 'rel="self"' in response.headers["Link"]


def test_list_is_newest_first_and_paginated_with_links(seeded_app, client):
    now = datetime.now(UTC)
    for day in range(1, 6):
        add_article(seeded_app, f"article-{day}", published_at=now - timedelta(days=day))
    response = client.get_json("/api/v1/articles?per_page=2&page=2")
    body = response.get_json()
    # The seeded article was published just now, so it comes first.
    assert [a["slug"] for a in body["data"]] == ["article-2", "article-3"]
    assert body["meta"] == {"page": 2, "per_page": 2, "total": 6, "pages": 3}
    assert body["links"]["prev"].endswith("page=1&per_page=2")
    assert body["links"]["next"].endswith("page=3&per_page=2")
    assert body["links"]["last"].endswith("page=3&per_page=2")
    link_header = response.headers["Link"]
    for rel in ("self", "first", "prev", "next", "last"):
        assert f'rel="{rel}"' in link_header


def test_page_past_the_end_is_empty_with_the_true_total(client):
    body = client.get_json("/api/v1/articles?page=2147483647").get_json()
    assert body["data"] == []
    assert body["meta"]["total"] == 1
    assert body["links"]["next"] is None
    assert body["links"]["prev"].endswith("page=1&per_page=20")


def test_drafts_and_scheduled_articles_are_invisible_to_the_public(seeded_app, client):
    add_article(seeded_app, "a-draft", status="draft")
    add_article(seeded_app, "a-scheduled", published_at=datetime.now(UTC) + timedelta(days=1))
    body = client.get_json("/api/v1/articles").get_json()
    assert [a["slug"] for a in body["data"]] == [SEEDED]
    assert body["meta"]["total"] == 1
    client.problem("/api/v1/articles/a-draft", 404)
    client.problem("/api/v1/articles/a-scheduled", 404)
    topic = client.get_json("/api/v1/topics/quadratus-lumborum").get_json()["data"]
    assert [a["slug"] for a in topic["articles"]] == [SEEDED]


def test_filter_by_topic(seeded_app, client):
    add_article(seeded_app, "only-glutes", topics=["gluteus-medius"])
    about_ql = client.get_json("/api/v1/articles?topic=quadratus-lumborum").get_json()
    assert [a["slug"] for a in about_ql["data"]] == [SEEDED]
    about_medius = client.get_json("/api/v1/articles?topic=gluteus-medius").get_json()
    assert [a["slug"] for a in about_medius["data"]] == [SEEDED, "only-glutes"]
    assert about_medius["links"]["next"] is None
    assert "topic=gluteus-medius" in about_medius["links"]["self"]
    nothing = client.get_json("/api/v1/articles?topic=no-such-topic").get_json()
    assert nothing["data"] == [] and nothing["meta"]["total"] == 0


def test_one_article_has_html_text_toc_and_seo(client):
    article = client.get_json(f"/api/v1/articles/{SEEDED}").get_json()["data"]
    assert article["slug"] == SEEDED
    assert article["body_html"].startswith("<p>Lower back pain is very common")
    assert '<h2 id="the-quadratus-lumborum">The Quadratus Lumborum</h2>' in article["body_html"]
    assert article["body_text"].startswith("Lower back pain is very common")
    assert "<" not in article["body_text"]
    assert [entry["text"] for entry in article["toc"]] == [
        "The Quadratus Lumborum",
        "The Causes and Results of Stress on the Quadratus Lumborum",
        "Determining Quadratus Lumborum Issues",
        "Addressing Issues With the Quadratus Lumborum",
    ]
    assert all(entry["level"] == 2 for entry in article["toc"])
    assert article["reading_time_minutes"] == 5
    assert article["seo"] == {"title": article["title"], "description": article["excerpt"]}
    assert article["published_at"].endswith("Z")
    assert "body_markdown" not in article


def test_unknown_article_is_a_404_problem(client):
    body = client.problem("/api/v1/articles/no-such-article", 404)
    assert "no-such-article" in body["detail"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=2147483648", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("page=", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=ten", "per_page"),
        ("topic=Not%20A%20Slug", "topic"),
        ("colour=blue", "colour"),
        ("page=1&page=2", "page"),
    ],
)
def test_bad_query_parameters_are_a_400_naming_the_parameter(client, query, field):
    body = client.problem(f"/api/v1/articles?{query}", 400)
    assert list(body["errors"]) == [field]
