"""The audit log: every change to the site, by whom, when, from which request; for admins only."""

from datetime import timedelta

from models.auth import create_key, revoke_key, rotate_key

AUDIT = "/api/v1/audit"
HOURS = "/api/v1/studio/hours"
ARTICLE = "/api/v1/articles/massage-for-quadratus-lumborum"


def test_who_changed_the_hours_is_in_the_log(client, admin_key):
    changed = client.write(
        "PATCH",
        HOURS,
        admin_key,
        200,
        json={"weekly": {"thursday": [{"opens": "10:00", "closes": "16:00"}]}},
        headers={"X-Request-ID": "change-thursday-1"},
    )
    assert changed.headers["X-Request-ID"] == "change-thursday-1"
    entries = client.as_key(admin_key, f"{AUDIT}?item_type=hours").get_json()
    newest = entries["data"][0]
    assert newest["key_name"] == "admin-one" and newest["via"] == "api"
    assert newest["request_id"] == "change-thursday-1"
    assert (newest["action"], newest["item"], newest["revision"]) == ("updated", "hours", 2)
    assert newest["changed_fields"] == ["display", "weekly"]
    assert newest["at"].endswith("Z")
    # The seed made the first revision, on the command line.
    assert entries["data"][-1] | {"at": None} == {
        "at": None,
        "key_name": None,
        "via": "command line",
        "request_id": None,
        "action": "seeded",
        "item_type": "hours",
        "item": "hours",
        "changed_fields": ["display", "weekly"],
        "revision": 1,
    }


def test_every_kind_of_change_is_logged_and_filtered_by_item_and_key(seeded_app, client, editor_key, admin_key):
    client.write("PATCH", ARTICLE, editor_key, 200, json={"excerpt": "New."})
    client.write("POST", "/api/v1/topics", editor_key, 201, json={"name": "Psoas"})
    gone = client.write("DELETE", "/api/v1/topics/psoas", editor_key, 204)
    client.write("POST", "/api/v1/topics/psoas/purge", admin_key, 204, headers={"If-Match": gone.headers["ETag"]})
    exception = {"starts_on": "2027-07-05", "ends_on": "2027-07-11", "intervals": []}
    client.write("POST", f"{HOURS}/exceptions", admin_key, 201, json=exception)
    client.write("PATCH", "/api/v1/studio", admin_key, 200, json={"email": "hello@example.com"})
    with seeded_app.app_context():
        create_key("script", "editor")
        rotate_key("script", grace=timedelta(hours=1))
        revoke_key("script")

    everything = client.as_key(admin_key, f"{AUDIT}?per_page=100").get_json()["data"]
    made = [(e["item_type"], e["item"], e["action"]) for e in everything if e["action"] != "seeded"]
    assert made[-2:] == [("api key", "admin-one", "created (admin)"), ("api key", "editor-one", "created (editor)")]
    assert made[:-2] == [
        ("api key", "script", "revoked"),
        ("api key", "script", "rotated"),
        ("api key", "script", "created (editor)"),
        ("studio", "studio", "updated"),
        ("hours exception", "2027-07-05", "added"),
        ("topic", "psoas", "purged"),
        ("topic", "psoas", "deleted"),
        ("topic", "psoas", "created"),
        ("article", "massage-for-quadratus-lumborum", "updated"),
    ]
    by_editor = client.as_key(admin_key, f"{AUDIT}?key=editor-one").get_json()["data"]
    assert {e["key_name"] for e in by_editor} == {"editor-one"} and len(by_editor) == 3
    about_article = client.as_key(admin_key, f"{AUDIT}?item=massage-for-quadratus-lumborum").get_json()
    assert [e["action"] for e in about_article["data"]] == ["updated", "seeded"]
    assert about_article["data"][0]["changed_fields"] == ["excerpt"]
    paged = client.as_key(admin_key, f"{AUDIT}?per_page=2&page=2").get_json()
    assert paged["meta"]["per_page"] == 2 and len(paged["data"]) == 2


def test_a_rejected_write_leaves_no_entry(client, admin_key):
    before = client.as_key(admin_key, AUDIT).get_json()["meta"]["total"]
    client.write("PATCH", HOURS, admin_key, 422, json={"weekly": {"monday": [{"opens": "9"}]}})
    client.write("PATCH", HOURS, admin_key, 412, json={"display": ["x"]}, headers={"If-Match": '"old"'})
    client.write("POST", "/api/v1/topics", admin_key, 409, json={"name": "Quadratus Lumborum"})
    assert client.as_key(admin_key, AUDIT).get_json()["meta"]["total"] == before


def test_only_admins_read_the_log(client, editor_key):
    client.problem(AUDIT, 401)
    client.problem(AUDIT, 403, headers={"Authorization": f"Bearer {editor_key}"})


def test_bad_filters_are_400s(client, admin_key):
    problem = client.problem(f"{AUDIT}?item_type=widget", 400, headers={"Authorization": f"Bearer {admin_key}"})
    assert "item_type" in problem["errors"]
    client.problem(f"{AUDIT}?colour=blue", 400, headers={"Authorization": f"Bearer {admin_key}"})
