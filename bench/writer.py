"""An admin editing while the benchmark reads: one article's title changed a second, through the API
as a script would do it (GET for the ETag, then PATCH with If-Match), on articles drawn from the
whole corpus. Each edit is a real write: it moves the content version and the change feed, and
whatever the cache holds of that article must stop being served."""

import json
import random
import threading
import time

from bench.servers import Server

EDITS_PER_SECOND = 1


class Writer(threading.Thread):
    def __init__(self, server: Server, key: str, articles: int):
        super().__init__(daemon=True)
        self.server, self.articles = server, articles
        self.headers = {"Authorization": f"Bearer {key}"}
        self.stopping = threading.Event()
        self.edits = 0
        self.failures: list[str] = []
        self.rng = random.Random("writer")

    def edit_one(self) -> None:
        path = f"/api/v1/articles/bench-article-{self.rng.randrange(self.articles)}"
        status, body, headers = self.server.get(path, self.headers)
        if status != 200:
            self.failures.append(f"GET {path}: {status}")
            return
        title = json.loads(body)["data"]["title"].split(" (edit ")[0]
        change = json.dumps({"title": f"{title} (edit {self.edits + 1})"}).encode()
        status, body, _ = self.server.request(
            "PATCH",
            path,
            change,
            {**self.headers, "Content-Type": "application/json", "If-Match": headers["ETag"]},
        )
        if status != 200:
            self.failures.append(f"PATCH {path}: {status} {body[:200]!r}")
            return
        self.edits += 1

    def run(self) -> None:
        interval = 1 / EDITS_PER_SECOND
        next_edit = time.monotonic()
        while not self.stopping.is_set():
            self.edit_one()
            next_edit += interval
            self.stopping.wait(max(0.0, next_edit - time.monotonic()))

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)
