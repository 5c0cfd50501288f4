"""Export and import: all content as one JSON document, loaded into an empty or an existing database,
idempotently and all or nothing; the way from SQLite to PostgreSQL, with every read answering the same."""

import json

from api.transfer import export_document
from models import db
from models.auth import create_key
from seed_data import seed_database
from tests.conftest import ApiClient

ADMIN = "transfer-admin"


def _source(make_app, tmp_path):
    """A SQLite database with the seed and a day of an admin's edits, and an admin key for it."""
    source = make_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'source.sqlite3'}", "RATELIMIT_ENABLED": False}
    )
    with source.app_context():
        db.create_all()
        seed_database()
        key = create_key(ADMIN, "admin")
    client = source.test_client()
    auth = {"Authorization": f"Bearer {key}"}

    def write(method, url, body=None, status=200):
        headers = dict(auth)
        if method in ("PUT", "PATCH", "DELETE"):
            headers["If-Match"] = client.get(url, headers=auth).headers["ETag"]
        response = client.open(url, method=method, json=body, headers=headers)
        assert response.status_code == status, response.get_data(as_text=True)
        return response

    api = "/api/v1"
    for title in ("Hips One", "Hips Two", "Gone Soon"):
        write(
            "POST",
            f"{api}/articles",
            {"title": title, "body_markdown": f"{title}. More text.", "status": "published"},
            201,
        )
    write(
        "POST",
        f"{api}/series",
        {"title": "Hip Series", "status": "published", "articles": ["hips-two", "hips-one"]},
        201,
    )
    write(
        "POST", f"{api}/topics", {"name": "Psoas", "status": "scheduled", "published_at": "2031-01-01T09:00:00Z"}, 201
    )
    write("PATCH", f"{api}/articles/hips-one", {"topics": ["psoas", "quadratus-lumborum"], "excerpt": "Own words."})
    write("PATCH", f"{api}/articles/hips-two", {"slug": "hips-part-two"})
    write("DELETE", f"{api}/articles/gone-soon", status=204)
    write(
        "POST",
        f"{api}/studio/hours/exceptions",
        {"starts_on": "2027-07-05", "ends_on": "2027-07-11", "intervals": []},
        201,
    )
    write("PATCH", f"{api}/studio/hours", {"weekly": {"thursday": [{"opens": "10:00", "closes": "16:00"}]}})
    write("PATCH", f"{api}/studio", {"email": "hello@example.com"})
    return source, client


def _reads(client, key):
    """Every read a frontend or an admin makes, as (url, status, ETag, body)."""
    auth = {"Authorization": f"Bearer {key}"}
    api = "/api/v1"
    urls = [
        f"{api}/articles",
        f"{api}/topics",
        f"{api}/series",
        f"{api}/studio",
        f"{api}/studio/hours?at=2027-07-07T15:00:00Z",
        f"{api}/studio/hours/exceptions",
        f"{api}/studio/structured-data",
        f"{api}/sitemap.xml",
        f"{api}/articles/hips-two",  # renamed: a 301 to its new slug
    ]
    for collection in ("articles", "topics", "series"):
        listed = client.get(f"{api}/{collection}?status=all&per_page=100", headers=auth).get_json()["data"]
        for item in listed:
            base = f"{api}/{collection}/{item['slug']}"
            urls += [base, f"{base}/structured-data"] if item["status"] != "deleted" else []
            urls += [f"{base}/revisions?per_page=100"]
        urls.append(f"{api}/{collection}?status=all&per_page=100")
    answers = []
    for url in urls:
        for headers in ({}, auth):
            response = client.get(url, headers={**headers, "X-Request-ID": "same-read"})
            answers.append(
                (
                    url,
                    bool(headers),
                    response.status_code,
                    response.headers.get("ETag"),
                    response.headers.get("Location"),
                    response.get_data(as_text=True),
                )
            )
    return answers


def test_sqlite_exported_and_imported_answers_every_read_the_same(make_app, tmp_path, bare_app):
    """From a SQLite database into a new one: SQLite, and PostgreSQL when TEST_DATABASE_URL names one."""
    source, source_client = _source(make_app, tmp_path)
    exported = source.test_cli_runner().invoke(
        args=["export", "--with-revisions", "--output", str(tmp_path / "site.json")]
    )
    assert exported.exit_code == 0, exported.output
    document = json.loads((tmp_path / "site.json").read_text(encoding="utf-8"))
    assert (document["format"], document["version"]) == ("corey-proffitt-studios-content", 1)
    assert [a["slug"] for a in document["articles"]] == [
        "massage-for-quadratus-lumborum",
        "hips-one",
        "hips-part-two",
        "gone-soon",
    ]
    assert document["media"] == []

    imported = bare_app.test_cli_runner().invoke(args=["import", str(tmp_path / "site.json")])
    assert imported.exit_code == 0, imported.output
    assert "article: 4 created" in imported.output and "topic: 4 created" in imported.output
    with bare_app.app_context():
        key = create_key(ADMIN, "admin")
    with source.app_context():
        source_key = create_key(ADMIN + "-2", "admin")
    target_reads = _reads(bare_app.test_client(), key)
    source_reads = _reads(source_client, source_key)
    assert len(target_reads) > 60
    for source_read, target_read in zip(source_reads, target_reads, strict=True):
        assert target_read[:3] == source_read[:3]
        if target_read[5].startswith("{"):
            target_body, source_body = json.loads(target_read[5]), json.loads(source_read[5])
            assert target_body == source_body
        assert target_read == source_read

    # Imported again, nothing changes: no item, no revision, no new content version.
    again = bare_app.test_cli_runner().invoke(args=["import", str(tmp_path / "site.json")])
    assert again.exit_code == 0, again.output
    assert "created" not in again.output and "updated" not in again.output
    assert _reads(bare_app.test_client(), key) == target_reads


def _migrated_and_seeded(bare_app):
    """The app on a database the seed command made (migrated, as an installation's is), its client and a key."""
    assert bare_app.test_cli_runner().invoke(args=["seed"]).exit_code == 0
    with bare_app.app_context():
        key = create_key(ADMIN, "admin")
    return bare_app, ApiClient(bare_app.test_client()), key


def test_an_import_into_a_database_with_content_updates_by_slug(bare_app, tmp_path):
    seeded_app, client, admin_key = _migrated_and_seeded(bare_app)
    with seeded_app.app_context():
        document = export_document()
    document["articles"][0]["title"] = "Massage For The QL"
    document["topics"].append({**document["topics"][0], "slug": "psoas", "name": "Psoas", "related": []})
    (tmp_path / "site.json").write_text(json.dumps(document), encoding="utf-8")
    result = seeded_app.test_cli_runner().invoke(args=["import", str(tmp_path / "site.json")])
    assert result.exit_code == 0, result.output
    assert "article: 1 updated" in result.output and "topic: 1 created, 3 unchanged" in result.output
    listed = client.as_key(admin_key, "/api/v1/articles?status=all").get_json()
    assert listed["meta"]["total"] == 1  # updated in place, not duplicated
    assert listed["data"][0]["title"] == "Massage For The QL"
    revisions = client.as_key(admin_key, "/api/v1/articles/massage-for-quadratus-lumborum/revisions").get_json()
    assert revisions["data"][0]["action"] == "imported" and revisions["data"][0]["changed_fields"] == ["title"]
    audit = client.as_key(admin_key, "/api/v1/audit?item_type=article").get_json()["data"][0]
    assert (audit["action"], audit["via"]) == ("imported (updated)", "command line")


def test_a_file_exported_before_the_studio_had_images_still_imports(bare_app, tmp_path):
    seeded_app, client, _key = _migrated_and_seeded(bare_app)
    with seeded_app.app_context():
        document = export_document()
    del document["studio"]["logo"]
    for slide in document["studio"]["hero_slides"]:
        del slide["image"]
    document["studio"]["tagline"] = "Massage In Lexington"
    (tmp_path / "old.json").write_text(json.dumps(document), encoding="utf-8")
    result = seeded_app.test_cli_runner().invoke(args=["import", str(tmp_path / "old.json")])
    assert result.exit_code == 0 and "studio: 1 updated" in result.output, result.output
    studio = client.get_json("/api/v1/studio").get_json()["data"]
    assert studio["tagline"] == "Massage In Lexington" and studio["logo"] is None


def test_an_invalid_document_is_refused_whole_with_every_problem(bare_app, tmp_path):
    seeded_app, client, admin_key = _migrated_and_seeded(bare_app)
    with seeded_app.app_context():
        document = export_document()
    before = client.as_key(admin_key, "/api/v1/articles?status=all").get_json()
    good = dict(document["articles"][0], title="A Good Change")
    document["articles"] = [
        good,
        {**good, "slug": "bad-one", "title": ""},
        {**good, "slug": "bad-two", "topics": ["no-such-topic"], "colour": "blue"},
    ]
    document["hours_exceptions"] = [{"starts_on": "2027-13-01", "intervals": [], "updated_at": "2026-12-01T00:00:00Z"}]
    (tmp_path / "bad.json").write_text(json.dumps(document), encoding="utf-8")
    result = seeded_app.test_cli_runner().invoke(args=["import", str(tmp_path / "bad.json")])
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert "articles[1].title: Length must be between 1 and 200." in result.output
    assert "articles[2].colour: Unknown field." in result.output
    assert "hours_exceptions[0].starts_on: Not a valid date." in result.output
    assert client.as_key(admin_key, "/api/v1/articles?status=all").get_json() == before  # the good change too

    document["articles"] = [{**good, "slug": "bad-two", "topics": ["no-such-topic"]}]
    document["hours_exceptions"] = []
    (tmp_path / "bad.json").write_text(json.dumps(document), encoding="utf-8")
    result = seeded_app.test_cli_runner().invoke(args=["import", str(tmp_path / "bad.json")])
    assert result.exit_code == 1 and "articles[0].topics: No topic has the slug 'no-such-topic'." in result.output

    for text, expected in (
        ("[]", "Must be a JSON object"),
        ('{"format": "other"}', "Must be format"),
        ("{", "not JSON"),
    ):
        (tmp_path / "bad.json").write_text(text, encoding="utf-8")
        result = seeded_app.test_cli_runner().invoke(args=["import", str(tmp_path / "bad.json")])
        assert result.exit_code != 0 and expected in result.output
    assert client.as_key(admin_key, "/api/v1/articles?status=all").get_json() == before
