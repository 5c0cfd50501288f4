"""Output other sites embed stays safe whatever an editor typed: JSON-LD pasted into a <script>, and
the Atom feed, which XML must be able to carry."""

import json
from xml.etree import ElementTree

import pytest

from models import Article, Studio, Topic, db
from tests.factories import add_article

ATTACK = "Tips </script><img src=x onerror=alert(1)> & <!-- \u2028\u2029"
SCRIPT_BREAKERS = ("<", ">", "&", "\u2028", "\u2029")


def _store_attack(app):
    """Put the attack where every JSON-LD document reads from, as an editor could (or a database by hand)."""
    add_article(
        app,
        "tips-attack",
        title=ATTACK,
        excerpt=ATTACK,
        body_markdown=f"{ATTACK}\n\n&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;",
        topics=["quadratus-lumborum"],
    )
    with app.app_context():
        db.session.scalar(db.select(Topic).where(Topic.slug == "quadratus-lumborum")).name = ATTACK
        db.session.scalar(db.select(Studio)).name = ATTACK
        db.session.commit()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/articles/tips-attack/structured-data",
        "/api/v1/topics/quadratus-lumborum/structured-data",
        "/api/v1/studio/structured-data",
    ],
)
def test_json_ld_cannot_end_the_script_it_is_pasted_into(seeded_app, client, url):
    _store_attack(seeded_app)
    response = client.raw.get(url)
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    text = response.get_data(as_text=True)
    assert not any(character in text for character in SCRIPT_BREAKERS), text[:300]
    document = json.loads(text)  # the escapes mean the same characters: the document is unchanged
    assert ATTACK in json.dumps(document, ensure_ascii=False)


def test_the_article_body_text_keeps_an_escaped_script_as_text_and_json_ld_escapes_it(seeded_app, client):
    _store_attack(seeded_app)
    article = client.get_json("/api/v1/articles/tips-attack").get_json()["data"]
    assert "</script><img src=x onerror=alert(2)>" in article["body_text"]  # plain text, as written
    assert "onerror" not in article["body_html"].replace("&lt;img src=x onerror=alert(2)&gt;", "")
    ld = client.raw.get("/api/v1/articles/tips-attack/structured-data").get_data(as_text=True)
    assert "\\u003c/script\\u003e\\u003cimg src=x onerror=alert(2)\\u003e" in ld


@pytest.mark.parametrize("character", ["\x0b", "\x0c", "\x01", "\x1f", "\ufffe"])
def test_text_xml_cannot_carry_already_stored_leaves_the_feed_readable(seeded_app, client, character):
    add_article(seeded_app, "stored-before-the-rule", title=f"Tab{character}le", excerpt=f"a{character}b")
    with seeded_app.app_context():
        article = db.session.scalar(db.select(Article).where(Article.slug == "stored-before-the-rule"))
        article.body_html = f"<p>x{character}y</p>"
        db.session.commit()
    response = client.raw.get("/api/v1/feeds/articles.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    titles = [entry.findtext("{http://www.w3.org/2005/Atom}title") for entry in feed]
    assert "Table" in titles
    for url in ("/api/v1/articles/stored-before-the-rule", "/api/v1/sitemap.xml", "/api/v1/articles"):
        assert client.raw.get(url).status_code == 200


@pytest.mark.parametrize("character", ["\x0b", "\x0c", "\x00", "\x1b", "\x7f"])
def test_writes_refuse_what_xml_and_databases_cannot_carry(client, editor_key, character):
    for body in (
        {"title": "Fine", "body_markdown": f"page{character}break"},
        {"title": "Fine", "body_markdown": "ok", "excerpt": f"a{character}b"},
    ):
        problem = client.write("POST", "/api/v1/articles", editor_key, 422, json=body).get_json()
        assert "control characters" in json.dumps(problem["errors"])
    assert client.as_key(editor_key, "/api/v1/articles?status=all&q=fine").get_json()["meta"]["total"] == 0
