"""A renamed article or topic keeps answering at its old slug: 301 for reads, 308 for writes."""

import pytest

ARTICLE = "/api/v1/articles/massage-for-quadratus-lumborum"
NEW = "/api/v1/articles/the-ql"


def _rename(client, key, url, new_slug):
    etag = client.as_key(key, url).headers["ETag"]
    return client.write("PATCH", url, key, 200, json={"slug": new_slug}, headers={"If-Match": etag})


def test_an_old_slug_answers_301_to_the_new_one_with_its_query(client, editor_key):
    renamed = _rename(client, editor_key, ARTICLE, "the-ql")
    assert renamed.headers["Location"] == f"http://localhost{NEW}"
    moved = client.raw.get(ARTICLE + "/structured-data")
    assert moved.status_code == 301 and moved.headers["Location"] == f"http://localhost{NEW}/structured-data"
    read = client.raw.get(ARTICLE)
    assert read.status_code == 301 and read.headers["Location"] == f"http://localhost{NEW}"
    followed = client.raw.get(ARTICLE, follow_redirects=True)
    assert followed.status_code == 200 and followed.get_json()["data"]["slug"] == "the-ql"
    assert client.raw.get("/api/v1/topics/quadratus-lumborum").status_code == 200  # nothing else moves


def test_a_write_to_an_old_slug_is_a_308_that_changes_nothing(client, editor_key):
    _rename(client, editor_key, ARTICLE, "the-ql")
    before = client.as_key(editor_key, NEW).get_json()["data"]
    headers = {"Authorization": f"Bearer {editor_key}", "If-Match": "*"}  # a write names a version, even here
    moved = client.raw.patch(ARTICLE, json={"title": "Elsewhere"}, headers=headers)
    assert moved.status_code == 308 and moved.headers["Location"] == f"http://localhost{NEW}"
    assert client.as_key(editor_key, NEW).get_json()["data"] == before


def test_a_slug_taken_again_stops_redirecting_and_renaming_back_works(client, editor_key):
    _rename(client, editor_key, ARTICLE, "the-ql")
    _rename(client, editor_key, NEW, "massage-for-quadratus-lumborum")  # back again
    assert client.raw.get(ARTICLE).status_code == 200
    assert client.raw.get(NEW).status_code == 301  # now the other way round
    client.write(
        "POST",
        "/api/v1/articles",
        editor_key,
        201,
        json={"title": "Another QL", "slug": "the-ql", "body_markdown": "x", "status": "published"},
    )
    assert client.get_json(NEW).get_json()["data"]["title"] == "Another QL"


def test_a_renamed_draft_is_not_pointed_to_for_the_public(client, editor_key):
    etag = client.as_key(editor_key, ARTICLE).headers["ETag"]
    client.write(
        "PATCH", ARTICLE, editor_key, 200, json={"slug": "the-ql", "status": "draft"}, headers={"If-Match": etag}
    )
    client.problem(ARTICLE, 404)  # the public may not learn a draft's new slug
    assert client.raw.get(ARTICLE, headers={"Authorization": f"Bearer {editor_key}"}).status_code == 301


@pytest.mark.parametrize("collection, slug", [("topics", "quadratus-lumborum")])
def test_topics_keep_their_old_slugs_too(client, editor_key, collection, slug):
    url = f"/api/v1/{collection}/{slug}"
    _rename(client, editor_key, url, "ql")
    assert client.raw.get(url).headers["Location"] == f"http://localhost/api/v1/{collection}/ql"


def test_a_restored_revision_that_changes_the_slug_names_the_new_location(client, admin_key):
    _rename(client, admin_key, ARTICLE, "the-ql")
    revisions = client.as_key(admin_key, f"{NEW}/revisions").get_json()["data"]
    first = revisions[-1]["number"]
    etag = client.as_key(admin_key, NEW).headers["ETag"]
    restored = client.write("POST", f"{NEW}/revisions/{first}/restore", admin_key, 200, headers={"If-Match": etag})
    assert restored.headers["Location"] == f"http://localhost{ARTICLE}"
    assert client.raw.get(NEW).status_code == 301


def test_a_query_parameter_cannot_choose_where_an_old_slug_redirects(client, editor_key):
    _rename(client, editor_key, ARTICLE, "the-ql")
    moved = client.raw.get(ARTICLE + "/structured-data?slug=elsewhere")
    assert moved.status_code == 301
    assert moved.headers["Location"].startswith(f"http://localhost{NEW}/structured-data")


def test_a_write_without_if_match_at_an_old_slug_is_a_428_not_a_redirect(client, editor_key):
    client.write(
        "PATCH", "/api/v1/articles/massage-for-quadratus-lumborum", editor_key, 200, json={"slug": "ql-massage"}
    )
    for method in ("PATCH", "DELETE"):
        problem = client.write(
            method,
            "/api/v1/articles/massage-for-quadratus-lumborum",
            editor_key,
            428,
            json={"excerpt": "x"},
            headers={"If-Match": None},
        ).get_json()
        assert problem["detail"].endswith("/api/v1/articles/ql-massage.")
    assert client.as_key(editor_key, "/api/v1/articles/ql-massage").get_json()["data"]["excerpt"] != "x"


def test_a_bad_body_at_an_old_slug_is_refused_there_not_redirected(client, editor_key):
    _rename(client, editor_key, ARTICLE, "the-ql")
    headers = {"Authorization": f"Bearer {editor_key}", "If-Match": "*"}
    for method, body in (("PUT", {"colour": None}), ("PATCH", {"title": ""}), ("PUT", {"title": "No body"})):
        refused = client.raw.open(ARTICLE, method=method, json=body, headers=headers)
        assert refused.status_code == 422 and refused.mimetype == "application/problem+json", method
    client.problem(ARTICLE, 415, method="PATCH", data="x", headers={**headers, "Content-Type": "text/plain"})
    valid = client.raw.put(ARTICLE, json={"title": "T", "body_markdown": "B"}, headers=headers)
    assert valid.status_code == 308  # what its new URL would accept is sent there
