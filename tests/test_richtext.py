"""Markdown bodies reach readers as sanitized HTML, plain text and a table of contents."""

import pytest

from tests.factories import add_article

HOSTILE_MARKDOWN = [
    "<script>alert(1)</script>",
    '<img src="x.png" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">click</a>',
    '<iframe src="https://example.com"></iframe>',
    '<p style="x" onclick="alert(1)">hi</p>',
    "<svg><script>alert(1)</script></svg>",
]


@pytest.mark.parametrize("markdown", HOSTILE_MARKDOWN)
def test_no_script_handler_javascript_url_or_iframe_reaches_a_reader(seeded_app, client, markdown):
    add_article(seeded_app, "hostile", body_markdown=f"Intro\n\n{markdown}\n\nOutro")
    article = client.get_json("/api/v1/articles/hostile").get_json()["data"]
    html = article["body_html"].lower()
    for forbidden in ("<script", "onerror=", "onclick=", 'href="javascript:', "<iframe", "style="):
        assert forbidden not in html
    assert "<script" not in article["body_text"]
    assert article["body_text"].startswith("Intro")


def test_markdown_renders_headings_with_anchors_lists_and_links(seeded_app, client):
    add_article(
        seeded_app,
        "formatted",
        body_markdown="# Title\n\nSome *emphasis* and a [link](https://example.com).\n\n## Part\n\n- one\n- two\n\n## Part\n",
    )
    article = client.get_json("/api/v1/articles/formatted").get_json()["data"]
    assert '<h1 id="title">Title</h1>' in article["body_html"]
    assert "<em>emphasis</em>" in article["body_html"]
    assert '<a href="https://example.com" rel="noopener noreferrer">link</a>' in article["body_html"]
    assert "<li>one</li>" in article["body_html"]
    assert [entry["id"] for entry in article["toc"]] == ["title", "part", "part-2"]
    assert article["body_text"] == "Title\n\nSome emphasis and a link.\n\nPart\n\none\n\ntwo\n\nPart"
    assert article["reading_time_minutes"] == 1


def test_equal_headings_get_distinct_anchors_in_one_pass():
    from models.richtext import render_markdown

    rendered = render_markdown("# A\n\n# A-2\n\n# A\n\n# A\n\n# A-2\n\n" + "# Step\n\n" * 900)
    anchors = [entry["id"] for entry in rendered.toc]
    assert anchors[:5] == ["a", "a-2", "a-3", "a-4", "a-2-2"]
    assert len(set(anchors)) == len(anchors) == 905  # 900 equal headings: linear, not 400,000 comparisons


@pytest.mark.parametrize(
    "markdown, reason",
    [
        ("# Same\n\n" * 20_000, "headings"),  # 80 KB: 65 s of worker time before the anchors were linear
        ("<div>" * 40_000, "deeper"),  # the sanitizer's parser is quadratic in the depth: 7 s
        ("<ul><li>" * 20_000, "deeper"),
        ("*" * 30_000 + "a" + "*" * 30_000, "deeper"),  # emphasis nested 30,000 deep
    ],
    ids=["20k-headings", "40k-nested-divs", "20k-nested-lists", "nested-emphasis"],
)
def test_a_markdown_bomb_is_a_422_that_stores_nothing(client, editor_key, markdown, reason):
    body = {"title": "Bomb", "body_markdown": markdown}
    problem = client.write("POST", "/api/v1/articles", editor_key, 422, json=body).get_json()
    assert list(problem["errors"]) == ["body_markdown"] and reason in problem["errors"]["body_markdown"][0]
    assert client.as_key(editor_key, "/api/v1/articles?status=all&q=bomb").get_json()["meta"]["total"] == 0
