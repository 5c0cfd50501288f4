"""Webhooks end to end: an admin registers a real receiver (a server on another loopback port), content
changes, and the real worker (`flask --app wsgi worker`, its own process) delivers signed events, which
the `standardwebhooks` package verifies; retries, 410, redirects, timeouts, huge answers, rotation,
redelivery and private targets, as a receiver and an admin see them."""

import itertools
import json
import os
import socket
import threading
import time
import uuid
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from api.config import database_url as normalise_database_url
from api.jobs.sending import post, signed_headers
from models import Delivery, db
from models.auth import create_key
from models.types import utcnow
from seed_data import seed_database
from tests.conftest import ApiClient, empty_database
from tests.servers import Receiver, Worker

ARTICLE = "massage-for-quadratus-lumborum"


@pytest.fixture
def receiver():
    made = []

    def make(answers=None, delay=0.0):
        made.append(Receiver(answers, delay))
        return made[-1]

    yield make
    for server in made:
        server.close()


def register(client, admin_key, url, events, status=201, **fields):
    response = client.write(
        "POST", "/api/v1/webhooks", admin_key, status, json={"url": url, "events": events, **fields}
    )
    return response.get_json()


def verified(secret, request) -> dict:
    """The body of a received request, verified as Standard Webhooks says (raises if it is not)."""
    return Verifier(secret).verify(request["body"], request["headers"])


def publish_now(client, key, slug, **fields):
    return client.write("PATCH", f"/api/v1/articles/{slug}", key, 200, json={"status": "published", **fields})


def test_a_scheduled_article_going_live_reaches_the_receiver_verified(client, admin_key, receiver, worker):
    hook = receiver()
    registered = register(client, admin_key, hook.url, ["article.published"])["data"]
    assert registered["secret"].startswith("whsec_")
    worker()
    soon = (utcnow() + timedelta(seconds=3)).isoformat(timespec="seconds").replace("+00:00", "Z")
    body = {"title": "Stretches for the hips", "body_markdown": "Hold each for a minute.", "status": "scheduled"}
    client.write("POST", "/api/v1/articles", admin_key, 201, json={**body, "published_at": soon})
    assert hook.wait_for(1, seconds=2) == []  # nothing before its time: it is only scheduled
    received = hook.wait_for(1, seconds=20)
    assert len(received) == 1, "no delivery within 20 s of the publication time"
    event = verified(registered["secret"], received[0])
    assert event["type"] == "article.published"
    data = event["data"]
    assert data["slug"] == "stretches-for-the-hips"
    assert data["api_url"] == "http://127.0.0.1:5000/api/v1/articles/stretches-for-the-hips"
    assert data["before"]["status"] == "scheduled" and data["after"]["status"] == "published"
    assert "article:stretches-for-the-hips" in data["purge_keys"] and "articles" in data["purge_keys"]
    assert received[0]["at"] >= time.time() - 30
    assert received[0]["headers"]["webhook-id"] == data["event_id"]
    # Announced once: neither the sweep nor the feed announces it again.
    client.get_json("/api/v1/changes")
    assert len(hook.wait_for(2, seconds=2)) == 1


def test_a_tampered_or_replayed_delivery_fails_verification(client, admin_key, receiver, worker):
    hook = receiver()
    secret = register(client, admin_key, hook.url, ["article.updated"])["data"]["secret"]
    worker()
    publish_now(client, admin_key, ARTICLE, title="Massage for the QL")
    request = hook.wait_for(1, seconds=20)[0]
    assert verified(secret, request)["type"] == "article.updated"
    tampered = {**request, "body": request["body"].replace(b"article.updated", b"article.deleted")}
    assert tampered["body"] != request["body"]
    with pytest.raises(WebhookVerificationError):
        verified(secret, tampered)
    # The same signed bytes sent again an hour later: Standard Webhooks receivers refuse old timestamps.
    old = int(request["headers"]["webhook-timestamp"]) - 3600
    replayed = {**request, "headers": {**request["headers"], "webhook-timestamp": str(old)}}
    with pytest.raises(WebhookVerificationError):
        verified(secret, replayed)
    with pytest.raises(WebhookVerificationError):
        verified("whsec_" + "A" * 43 + "=", request)  # another endpoint's secret


def test_a_receiver_failing_twice_gets_the_same_event_a_third_time(client, admin_key, receiver, worker):
    hook = receiver([(500, b"boom"), (500, b"boom again"), (200, b"thanks")])
    registered = register(client, admin_key, hook.url, ["article.updated"])["data"]
    worker()
    publish_now(client, admin_key, ARTICLE, title="Massage for the QL")
    received = hook.wait_for(3, seconds=30)
    assert len(received) == 3
    assert len({request["headers"]["webhook-id"] for request in received}) == 1
    assert len({request["body"] for request in received}) == 1
    for request in received:
        verified(registered["secret"], request)
    gaps = [later["at"] - earlier["at"] for earlier, later in itertools.pairwise(received)]
    assert all(gap >= 0.35 for gap in gaps), gaps  # backoff: 0.5 s ± 20 % in the test's schedule
    # The receiver has the third request before the worker records its answer: wait for that.
    deadline = time.monotonic() + 10
    while True:
        log = client.as_key(admin_key, f"/api/v1/webhooks/{registered['id']}/deliveries").get_json()["data"]
        if log[0]["status"] != "sending" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [(entry["status"], entry["attempts"], entry["last_status_code"]) for entry in log] == [("succeeded", 3, 200)]
    detail = client.as_key(admin_key, f"/api/v1/webhooks/{registered['id']}/deliveries/{log[0]['id']}")
    attempts = detail.get_json()["data"]["attempts_made"]
    assert [(a["number"], a["status_code"], a["response_excerpt"]) for a in attempts] == [
        (1, 500, "boom"),
        (2, 500, "boom again"),
        (3, 200, "thanks"),
    ]
    assert all(attempt["duration_ms"] >= 0 for attempt in attempts)


def test_giving_up_and_410_disable_the_endpoint_and_say_why(client, admin_key, receiver, worker):
    failing = receiver([(503, b"down")])
    gone = receiver([(410, b"")])
    first = register(client, admin_key, failing.url, ["article.updated"])["data"]
    second = register(client, admin_key, gone.url, ["article.updated"])["data"]
    process = worker()
    publish_now(client, admin_key, ARTICLE, title="Massage for the QL")
    assert len(failing.wait_for(4, seconds=30)) == 4, (
        process.output()
    )  # the first attempt and the schedule's three retries
    assert len(gone.wait_for(1, seconds=20)) == 1
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        states = [
            client.as_key(admin_key, f"/api/v1/webhooks/{hook['id']}").get_json()["data"] for hook in (first, second)
        ]
        if not any(state["enabled"] for state in states):
            break
        time.sleep(0.2)
    assert not states[0]["enabled"] and "All 4 attempts" in states[0]["disabled_reason"]
    assert "HTTP 503" in states[0]["disabled_reason"]
    assert not states[1]["enabled"] and "410 Gone" in states[1]["disabled_reason"]
    # Disabled: the next change is not sent (nor queued) to either.
    publish_now(client, admin_key, ARTICLE, title="Massage for the quadratus lumborum")
    time.sleep(1.5)
    assert len(failing.received) == 4 and len(gone.received) == 1
    # Enabled again, the reason is gone and events flow again.
    failing.answers = [(200, b"ok")]
    client.write("PATCH", f"/api/v1/webhooks/{first['id']}", admin_key, 200, json={"enabled": True})
    publish_now(client, admin_key, ARTICLE, title="Massage for the QL")
    assert len(failing.wait_for(5, seconds=20)) == 5


def test_redirects_are_not_followed_and_answers_are_read_only_to_a_bound(seeded_app, receiver):
    redirecting = receiver([(302, b"")])
    huge = receiver([(200, b"x" * (8 * 1024 * 1024))])
    body = b'{"type":"article.updated"}'
    headers = signed_headers(["whsec_" + "A" * 43 + "="], "evt_test", body, utcnow())
    moved = post(redirecting.url, body, headers, timeout=2, allow_private=True)
    assert moved.status_code == 302 and not moved.succeeded
    assert len(redirecting.received) == 1  # /elsewhere was never asked for
    started = time.monotonic()
    big = post(huge.url, body, headers, timeout=2, allow_private=True)
    assert big.succeeded and len(big.excerpt) == 1024
    assert time.monotonic() - started < 2


def test_a_slow_receiver_times_out_as_one_failed_attempt(seeded_app, receiver):
    slow = receiver([(200, b"late")], delay=3.0)
    outcome = post(slow.url, b"{}", {}, timeout=0.5, allow_private=True)
    assert outcome.status_code is None and "timed out" in outcome.error.lower()
    assert 400 <= outcome.duration_ms < 2500


def test_a_receiver_dripping_its_answer_is_cut_off_at_the_attempts_timeout():
    """Each header line arrives well within the read timeout, but the answer would take 6 s in all."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def drip() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            for number in range(30):
                time.sleep(0.2)
                try:
                    connection.sendall(f"X-Drip-{number}: x\r\n".encode())
                except OSError:
                    return  # the sender hung up: what the test wants

    threading.Thread(target=drip, daemon=True).start()
    try:
        outcome = post(f"http://127.0.0.1:{port}/hooks", b"{}", {}, timeout=1.0, allow_private=True)
    finally:
        listener.close()
    assert outcome.status_code is None and outcome.error == "Timed out: no whole answer within 1 s."
    assert 900 <= outcome.duration_ms < 2000


def test_private_targets_are_refused_unless_allowed(make_app, database_url, tmp_path, receiver):
    hook = receiver()
    strict = make_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "JOBS_URL": f"sqlite:///{tmp_path / 'q.sqlite3'}",
            "WEBHOOK_ALLOW_PRIVATE_TARGETS": False,
        }
    )
    with strict.app_context():
        db.create_all()
        seed_database()
        key = create_key("strict-admin", "admin")
    client = strict.test_client()
    for url in (hook.url, "http://localhost:9/x", "http://10.0.0.7/x", "http://169.254.169.254/latest", "http://[::1]/x", "http://[::ffff:127.0.0.1]/x"):  # fmt: skip
        response = client.post("/api/v1/webhooks", json={"url": url, "events": ["article.updated"]},
                               headers={"Authorization": f"Bearer {key}"})  # fmt: skip
        assert response.status_code == 422, url
        assert "url" in response.get_json()["errors"]
    with strict.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Delivery)) == 0
    # A name that resolves to loopback passes the first check and is refused on the connected socket.
    refused = post(f"http://localhost:{hook.server.server_port}/", b"{}", {}, 1, allow_private=False)
    assert refused.status_code is None and "which is not a public address" in refused.error
    direct = post(hook.url, b"{}", {}, 1, allow_private=False)
    assert direct.status_code is None and direct.error.startswith("Refused: 127.0.0.1 is at 127.0.0.1")
    assert hook.received == []


def test_a_rotated_secret_signs_beside_the_old_one_during_the_grace(client, admin_key, receiver, worker):
    hook = receiver()
    registered = register(client, admin_key, hook.url, ["article.updated"])["data"]
    rotated = client.write("POST", f"/api/v1/webhooks/{registered['id']}/secret", admin_key, 200, json={"grace_hours": 1},
                           headers={"If-Match": client.as_key(admin_key, f"/api/v1/webhooks/{registered['id']}").headers["ETag"]})  # fmt: skip
    new_secret = rotated.get_json()["data"]["secret"]
    assert new_secret != registered["secret"]
    assert rotated.get_json()["data"]["previous_secret_expires_at"] is not None
    assert "secret" not in client.as_key(admin_key, f"/api/v1/webhooks/{registered['id']}").get_json()["data"]
    worker()
    publish_now(client, admin_key, ARTICLE, title="Massage for the QL")
    request = hook.wait_for(1, seconds=20)[0]
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    assert verified(new_secret, request) == verified(registered["secret"], request)


def test_a_past_event_is_delivered_again_on_request(client, admin_key, receiver, worker):
    hook = receiver()
    registered = register(client, admin_key, hook.url, ["article.updated"])["data"]
    worker()
    publish_now(client, admin_key, ARTICLE, title="Massage for the QL")
    first = hook.wait_for(1, seconds=20)[0]
    event_id = first["headers"]["webhook-id"]
    events = client.as_key(admin_key, "/api/v1/events?type=article.updated").get_json()["data"]
    assert events[0]["id"] == event_id and events[0]["payload"]["type"] == "article.updated"
    again = client.write(
        "POST", f"/api/v1/webhooks/{registered['id']}/deliveries", admin_key, 201, json={"event_id": event_id}
    )
    assert again.get_json()["data"]["redelivery"] is True
    second = hook.wait_for(2, seconds=20)[1]
    assert second["headers"]["webhook-id"] == event_id and second["body"] == first["body"]
    unknown = client.write(
        "POST", f"/api/v1/webhooks/{registered['id']}/deliveries", admin_key, 404, json={"event_id": "evt_nope"}
    )
    assert unknown.get_json()["errors"] == {"event_id": ["Unknown event."]}


def test_a_queue_that_is_down_costs_the_write_nothing(make_app, database_url, tmp_path):
    from tests.servers import free_port

    dead = make_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False,
                     "JOBS_URL": f"redis://127.0.0.1:{free_port()}/0", "WEBHOOK_ALLOW_PRIVATE_TARGETS": True})  # fmt: skip
    empty_database(dead)  # on PostgreSQL the shared database still holds the previous test's deliveries
    with dead.app_context():
        db.create_all()
        seed_database()
        key = create_key("admin-dead", "admin")
    client = dead.test_client()
    auth = {"Authorization": f"Bearer {key}"}
    assert client.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/x", "events": ["article.updated"]}, headers=auth).status_code == 201  # fmt: skip
    etag = client.get(f"/api/v1/articles/{ARTICLE}", headers=auth).headers["ETag"]
    started = time.monotonic()
    response = client.patch(f"/api/v1/articles/{ARTICLE}", json={"title": "Massage for the QL"}, headers={**auth, "If-Match": etag})  # fmt: skip
    assert response.status_code == 200 and time.monotonic() - started < 2
    with dead.app_context():
        (delivery,) = db.session.scalars(db.select(Delivery)).all()
        assert delivery.status == "pending" and delivery.event.type == "article.updated"


def test_webhook_writes_need_an_admin_if_match_and_valid_input(client, admin_key, editor_key):
    assert client.write("POST", "/api/v1/webhooks", editor_key, 403, json={"url": "http://127.0.0.1:9/", "events": ["article.updated"]})  # fmt: skip
    client.write("POST", "/api/v1/webhooks", None, 401, json={})
    for bad, field in (
        ({"url": "ftp://example.com/x", "events": ["article.updated"]}, "url"),
        ({"url": "http://user:pw@example.com/x", "events": ["article.updated"]}, "url"),
        ({"url": "https://example.com/x", "events": []}, "events"),
        ({"url": "https://example.com/x", "events": ["article.exploded"]}, "events"),
        ({"url": "https://example.com/x", "events": ["article.updated", "article.updated"]}, "events"),
        ({"url": "https://example.com/x", "events": ["article.updated"], "secret": "mine"}, "secret"),
    ):
        problem = client.write("POST", "/api/v1/webhooks", admin_key, 422, json=bad).get_json()
        assert any(name.split(".")[0] == field for name in problem["errors"]), bad
    assert client.as_key(admin_key, "/api/v1/webhooks").get_json()["meta"]["total"] == 0
    made = register(client, admin_key, "https://example.com/x", ["article.updated"])["data"]
    client.write(
        "PATCH", f"/api/v1/webhooks/{made['id']}", admin_key, 428, json={"enabled": False}, headers={"If-Match": None}
    )
    client.write(
        "PATCH",
        f"/api/v1/webhooks/{made['id']}",
        admin_key,
        412,
        json={"enabled": False},
        headers={"If-Match": '"stale"'},
    )
    disabled = client.write(
        "PATCH", f"/api/v1/webhooks/{made['id']}", admin_key, 200, json={"enabled": False}
    ).get_json()
    assert disabled["data"]["disabled_reason"] == "Disabled by admin-one."
    client.write("DELETE", f"/api/v1/webhooks/{made['id']}", admin_key, 204)
    client.as_key(admin_key, f"/api/v1/webhooks/{made['id']}", 404)
    audit = client.as_key(admin_key, "/api/v1/audit?item_type=webhook").get_json()["data"]
    assert [entry["action"] for entry in audit] == ["deleted", "updated", "created"]


def test_events_name_what_a_change_did(client, admin_key):
    created = client.write("POST", "/api/v1/articles", admin_key, 201, json={"title": "Hip flexors", "body_markdown": "Text.", "status": "published"})  # fmt: skip
    slug = created.get_json()["data"]["slug"]
    client.write("PATCH", f"/api/v1/articles/{slug}", admin_key, 200, json={"status": "draft"})
    client.write("DELETE", f"/api/v1/articles/{slug}", admin_key, 204)
    events = client.as_key(admin_key, "/api/v1/events?per_page=10").get_json()["data"]
    types = [event["type"] for event in reversed(events) if event["payload"]["data"]["slug"] == slug]
    assert types == [
        "article.created",
        "article.published",
        "article.updated",
        "article.unpublished",
        "article.deleted",
    ]
    deleted = events[0]["payload"]
    assert deleted["data"]["before"]["status"] == "draft" and deleted["data"]["after"]["status"] == "deleted"
    assert json.dumps(deleted)  # the body is plain JSON


SHARED_POSTGRES, SHARED_REDIS = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")


@pytest.mark.skipif(
    not (SHARED_POSTGRES and SHARED_REDIS),
    reason="Several-workers run skipped: set TEST_DATABASE_URL and TEST_REDIS_URL",
)
@pytest.mark.services
def test_several_workers_on_postgresql_and_redis_deliver_each_event_once(make_app, receiver):
    url = normalise_database_url(SHARED_POSTGRES)
    queue = f"test-{uuid.uuid4().hex}"  # a queue of this test's own on the shared Redis
    app = make_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                    "JOBS_URL": SHARED_REDIS, "JOBS_QUEUE_NAME": queue})  # fmt: skip
    empty_database(app)
    with app.app_context():
        db.create_all()
        seed_database()
        key = create_key("several-workers", "admin")
    client = ApiClient(app.test_client())
    hook = receiver()
    secret = register(client, key, hook.url, ["article.updated"])["data"]["secret"]
    environment = {"DATABASE_URL": url, "JOBS_URL": SHARED_REDIS, "JOBS_QUEUE_NAME": queue,
                   "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true", "PUBLIC_API_URL": "http://127.0.0.1:5000"}  # fmt: skip
    workers = [Worker(environment, threads=4) for _ in range(3)]
    try:
        for number in range(12):
            publish_now(client, key, ARTICLE, title=f"Massage for the QL, take {number}")
        with app.app_context():
            delivery_ids = list(db.session.scalars(db.select(Delivery.delivery_id)))
            # Every job three more times, as a restarted web process or the sweep could queue it: still once each.
            app.extensions["jobs"].queue(delivery_ids * 3, [], [])
        received = hook.wait_for(12, seconds=30)
        time.sleep(2)  # time for any duplicate to arrive
        received = list(hook.received)
        ids = [request["headers"]["webhook-id"] for request in received]
        assert len(ids) == 12 and len(set(ids)) == 12, [worker.output()[-2000:] for worker in workers]
        revisions = sorted(verified(secret, request)["data"]["after"]["revision"] for request in received)
        assert revisions == list(range(2, 14))  # the seed's revision 1, then one event per edit
        with app.app_context():
            attempts = db.session.execute(db.select(Delivery.status, Delivery.attempts)).all()
            assert sorted(attempts) == [("succeeded", 1)] * 12
    finally:
        for worker in workers:
            worker.stop()
        empty_database(app)
