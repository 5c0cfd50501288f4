"""The seed: idempotent, respectful of edits, faithful to the page, inventing nothing."""

import re
from pathlib import Path

from sqlalchemy import func, select

from models import Article, OpeningInterval, Studio, Topic, db
from seed_data import seed_database

# The studio page as captured, kept beside the seed data drawn from it.
SOURCE_PAGE = Path(__file__).resolve().parent.parent / "seed_data" / "source-page.txt"
# Site furniture rather than content: navigation labels and a share widget.
PAGE_CHROME = {"Call Us:", "About Us", "Opening Hours", "Business Hours", "Share by:"}


def page_lines() -> list[str]:
    text = SOURCE_PAGE.read_text(encoding="utf-8")
    lines = [line.replace("\u00a0", " ").strip().lstrip("•").strip() for line in text.splitlines()]
    return [line for line in lines if line]


def page_sentences() -> list[str]:
    sentences = []
    for line in page_lines():
        if line.startswith("Call Us:"):
            line = line.removeprefix("Call Us:").strip()
        if line in PAGE_CHROME:
            continue
        sentences.extend(part for part in re.split(r"(?<=[.!?])\s+", line) if part)
    return sentences


def served_strings(client) -> list[str]:
    """Every string the public API serves, from every endpoint and every item."""
    documents = [client.get_json(url).get_json() for url in ("/api/v1/studio", "/api/v1/studio/hours")]
    for collection in ("articles", "topics"):
        listing = client.get_json(f"/api/v1/{collection}?per_page=100").get_json()
        documents.append(listing)
        documents.extend(client.get_json(f"/api/v1/{collection}/{item['slug']}").get_json() for item in listing["data"])
    strings = []

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            strings.append(node)

    walk(documents)
    return strings


def table_counts(app) -> dict:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Studio, OpeningInterval, Article, Topic)
        }


def test_every_sentence_of_the_page_is_served(client):
    served = "\n".join(served_strings(client))
    missing = [sentence for sentence in page_sentences() if sentence not in served]
    assert not missing, missing
    assert len(page_sentences()) > 40


def test_the_article_body_is_the_pages_text_word_for_word_in_order(client):
    article = client.get_json("/api/v1/articles/massage-for-quadratus-lumborum").get_json()["data"]
    lines = page_lines()
    start, end = (
        lines.index(next(line for line in lines if line.startswith("Lower back pain"))),
        lines.index("About Us"),
    )
    assert article["body_text"].split("\n\n") == lines[start:end]
    # The paragraph the page cuts off mid-sentence stops where the page stops.
    assert "In layman’s terms, the QL’s connect\n\n" in article["body_text"]


def test_topic_content_is_quoted_from_the_page(client):
    page = " ".join(page_lines())
    for summary in client.get_json("/api/v1/topics").get_json()["data"]:
        topic = client.get_json(f"/api/v1/topics/{summary['slug']}").get_json()["data"]
        passages = [topic["summary"]] if topic["summary"] else []
        for field in ("attachments", "actions", "stressors", "signs", "assessment", "care"):
            passages.extend(topic[field])
        assert passages, summary["slug"]
        for passage in passages:
            assert passage in page, (summary["slug"], passage)


def test_studio_content_is_quoted_from_the_page(client):
    page = " ".join(page_lines())
    studio = client.get_json("/api/v1/studio").get_json()["data"]
    quoted = [studio["name"], studio["tagline"], studio["about"], studio["phone"]["display"], *studio["highlights"]]
    for slide in studio["hero_slides"]:
        quoted += [slide["headline"], slide["subheadline"]]
    for text in quoted:
        assert text in page, text


def test_seeding_twice_adds_nothing(seeded_app, client):
    before_counts = table_counts(seeded_app)
    before = served_strings(client)
    with seeded_app.app_context():
        added = seed_database()
    assert set(added.values()) == {0}
    assert table_counts(seeded_app) == before_counts
    after = served_strings(client)
    assert [s for s in after if not s.endswith("Z")] == [s for s in before if not s.endswith("Z")]


def test_seeding_again_keeps_an_edit(seeded_app, client):
    with seeded_app.app_context():
        article = db.session.scalar(select(Article))
        article.title = "Edited by an admin"
        db.session.commit()
        seed_database()
    article = client.get_json("/api/v1/articles/massage-for-quadratus-lumborum").get_json()["data"]
    assert article["title"] == "Edited by an admin"


def test_seed_command_migrates_seeds_then_if_empty_leaves_it(bare_app):
    app = bare_app
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "1 studio" in first.output and "3 topics" in first.output and "1 articles" in first.output
    second = runner.invoke(args=["seed", "--if-empty"])
    assert second.exit_code == 0
    assert "nothing seeded" in second.output
    assert table_counts(app)["Article"] == 1
    with app.app_context():
        db.engine.dispose()


def test_export_openapi_writes_the_live_spec(app, tmp_path):
    target = tmp_path / "openapi.yaml"
    result = app.test_cli_runner().invoke(args=["export-openapi", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("openapi: 3.1.0")
