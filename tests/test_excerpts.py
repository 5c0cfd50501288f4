"""Excerpts and SEO descriptions fill themselves from the body; sanitizing says what it took out."""

ARTICLES = "/api/v1/articles"
BODY = (
    "## Why It Hurts\n\n"
    "Lower back pain is very common. It has *many* causes, and one of them is the QL. "
    "Massage helps it relax.\n\n"
    "A second paragraph that the excerpt does not need."
)


def test_an_article_without_an_excerpt_gets_one_from_its_body(client, editor_key):
    made = client.write("POST", ARTICLES, editor_key, 201, json={"title": "Derived", "body_markdown": BODY}).get_json()
    article = made["data"]
    assert article["excerpt"] == (
        "Lower back pain is very common. It has many causes, and one of them is the QL. Massage helps it relax."
    )
    assert article["excerpt_derived"] is True
    assert article["seo"]["description"] == article["excerpt"]
    assert made["meta"] == {"warnings": []}

    # A new body makes a new excerpt while the editor has given none...
    changed = client.write("PATCH", f"{ARTICLES}/derived", editor_key, 200, json={"body_markdown": "Short. Sweet."})
    assert changed.get_json()["data"]["excerpt"] == "Short. Sweet."
    # ...and the editor's own excerpt stays theirs through later body changes.
    client.write("PATCH", f"{ARTICLES}/derived", editor_key, 200, json={"excerpt": "Mine."})
    kept = client.write("PATCH", f"{ARTICLES}/derived", editor_key, 200, json={"body_markdown": "Other text."})
    assert (kept.get_json()["data"]["excerpt"], kept.get_json()["data"]["excerpt_derived"]) == ("Mine.", False)
    # Setting it to null asks for a derived one again.
    cleared = client.write("PATCH", f"{ARTICLES}/derived", editor_key, 200, json={"excerpt": None}).get_json()["data"]
    assert (cleared["excerpt"], cleared["excerpt_derived"]) == ("Other text.", True)
    listed = client.as_key(editor_key, f"{ARTICLES}?status=draft&slug=derived&fields=slug,excerpt,excerpt_derived")
    listed = listed.get_json()["data"]
    assert listed == [{"slug": "derived", "excerpt": "Other text.", "excerpt_derived": True}]


def test_a_long_first_sentence_is_cut_at_a_word_boundary(client, editor_key):
    words = " ".join(f"word{number}" for number in range(100))
    body = {"title": "Long", "body_markdown": f"{words} and <b>bold</b> end."}
    excerpt = client.write("POST", ARTICLES, editor_key, 201, json=body).get_json()["data"]["excerpt"]
    assert len(excerpt) <= 300 and excerpt.endswith("…")
    assert excerpt[:-1].split(" ")[-1].startswith("word")  # a whole word before the ellipsis
    assert "<" not in excerpt


def test_a_body_with_no_text_has_no_excerpt(client, editor_key):
    article = client.write("POST", ARTICLES, editor_key, 201, json={"title": "Rule", "body_markdown": "---"})
    assert article.get_json()["data"]["excerpt"] is None


def test_sanitizing_says_what_it_removed(client, editor_key):
    body = (
        'Hi <script>alert(1)</script><iframe src="https://evil.example"></iframe>'
        ' <a href="javascript:alert(2)" onclick="steal()">link</a> <b>kept</b>'
    )
    made = client.write("POST", ARTICLES, editor_key, 201, json={"title": "Markup", "body_markdown": body}).get_json()
    assert made["meta"]["warnings"] == [
        "Removed the element <script>.",
        "Removed the element <iframe>.",
        "Removed a javascript: URL in href on <a>.",
        "Removed the attribute onclick on <a>.",
    ]
    html = made["data"]["body_html"]
    assert "<script" not in html and "iframe" not in html and "onclick" not in html and "<b>kept</b>" in html
    # A write that does not touch the body has nothing to say; the stored source keeps what the author wrote.
    patched = client.write("PATCH", f"{ARTICLES}/markup", editor_key, 200, json={"title": "Markup 2"}).get_json()
    assert patched["meta"]["warnings"] == [] and "<script>" in patched["data"]["body_markdown"]


def test_a_restored_revision_brings_a_derived_excerpt_back_as_derived(client, editor_key, admin_key):
    client.write("POST", ARTICLES, editor_key, 201, json={"title": "Rev", "body_markdown": "First body."})
    client.write("PATCH", f"{ARTICLES}/rev", editor_key, 200, json={"excerpt": "Given."})
    restored = client.write("POST", f"{ARTICLES}/rev/revisions/1/restore", admin_key, 200).get_json()["data"]
    assert (restored["excerpt"], restored["excerpt_derived"]) == ("First body.", True)
