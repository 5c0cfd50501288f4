"""No lost edits: a write to an existing item must say which version it read (If-Match), so writers
racing over real HTTP each either win or are told to read again; none is silently overwritten."""

import json
import re
import threading
import urllib.error
import urllib.request

import pytest

from api.cli import create_key
from models import db
from tests.servers import Gunicorn

ARTICLE = "/api/v1/articles/massage-for-quadratus-lumborum"
WRITERS, EDITS_EACH = 8, 5


def _send(base: str, path: str, key: str, method: str = "GET", body: dict | None = None, if_match: str | None = None):
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    if if_match is not None:
        headers["If-Match"] = if_match
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read() or b"null")


@pytest.fixture
def served(seeded_app):
    with seeded_app.app_context():
        key = create_key("racer", "admin")
        db.engine.dispose()
    server = Gunicorn({"DATABASE_URL": seeded_app.config["SQLALCHEMY_DATABASE_URI"], "RATELIMIT_ENABLED": "false"})
    yield server.base, key
    server.stop()


def test_racing_read_modify_write_loses_no_acknowledged_update(served):
    base, key = served
    acknowledged: list[str] = []

    def writer(number: int) -> None:
        for edit in range(EDITS_EACH):
            token = f"w{number}e{edit}"
            while True:  # what a careful script does: read, change, write with If-Match, retry on 412
                _, headers, current = _send(base, ARTICLE, key)
                excerpt = f"{current['data']['excerpt'] or ''} {token}".strip()
                status, _, _ = _send(base, ARTICLE, key, "PATCH", {"excerpt": excerpt}, headers["ETag"])
                if status == 200:
                    acknowledged.append(token)
                    break
                assert status == 412, status  # someone else's edit came first: read again

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = [
        word for word in _send(base, ARTICLE, key)[2]["data"]["excerpt"].split() if re.fullmatch(r"w\d+e\d+", word)
    ]
    assert len(acknowledged) == WRITERS * EDITS_EACH
    assert sorted(final) == sorted(acknowledged)  # every acknowledged update is in the article: 0 lost


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("PATCH", ARTICLE, {"excerpt": "Blind."}),
        ("PUT", ARTICLE, {"title": "Blind", "body_markdown": "Blind."}),
        ("DELETE", ARTICLE, None),
        ("POST", f"{ARTICLE}/revisions/1/restore", None),
        ("PATCH", "/api/v1/topics/gluteus-medius", {"summary": "Blind."}),
        ("PATCH", "/api/v1/studio", {"tagline": "Blind."}),
        ("PUT", "/api/v1/studio/hours", {"weekly": {}}),
    ],
)
def test_a_write_without_if_match_is_a_428_that_changes_nothing(served, method, path, body):
    base, key = served
    item = path.split("/revisions/")[0]
    before = _send(base, item, key)
    status, headers, problem = _send(base, path, key, method, body)
    assert status == 428 and problem["status"] == 428 and "If-Match" in problem["detail"]
    assert headers["Content-Type"] == "application/problem+json"
    after = _send(base, item, key)
    assert after[2] == before[2] and after[1]["ETag"] == before[1]["ETag"]
