"""SQL statements per request for each benchmark case, counted in-process on a corpus database:
for a hit, for the spread (its first paths replayed through one process's cache: what that
traffic asks of the database per request), and for a miss (the most any of those paths takes).
SQLAlchemy's events see every statement but the content version, which runs on the driver's
cursor and counts itself (`statements_run`)."""

import logging

from sqlalchemy import event

from api import create_app
from bench.traffic import Case
from models import db
from models.content_state import version_query

REPLAYED = 300


class _Counter:
    def __init__(self, url: str, search_index_folder: str, response_cache: bool):
        settings = {
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_INDEX_FOLDER": search_index_folder,
            "RATELIMIT_ENABLED": False,
        }
        if not response_cache:
            settings["RESPONSE_CACHE_MAX_BYTES"] = 0
        self.app = create_app(settings)
        self.client = self.app.test_client()
        self.sent: list[int] = []
        with self.app.app_context():
            self.engine = db.engine
            self.versions = version_query(self.engine)
        event.listen(self.engine, "before_cursor_execute", lambda *_args: self.sent.append(1))

    def count(self, path: str, headers: dict | None = None) -> int:
        self.sent.clear()
        before = self.versions.statements_run
        response = self.client.get(path, headers=headers or {})
        if response.status_code >= 400:
            raise RuntimeError(f"{path} answered {response.status_code}")
        return len(self.sent) + self.versions.statements_run - before

    def close(self) -> None:
        self.engine.dispose()


def count_statements(url: str, search_index_folder: str, cases: list[Case]) -> dict:
    logging.getLogger("api.access").setLevel(logging.WARNING)
    cached = _Counter(url, search_index_folder, response_cache=True)
    uncached = _Counter(url, search_index_folder, response_cache=False)
    counted: dict = {}
    try:
        for case in cases:
            replay = case.paths("spread", run=0)[:REPLAYED]
            first = case.hit_paths[0]
            cached.count(first, _headers(case, first))  # a miss, so that the next is a hit
            counted[case.name] = {
                "hit": cached.count(first, _headers(case, first)),
                "spread": sum(cached.count(path, _headers(case, path)) for path in replay) / len(replay),
                "uncached": max(uncached.count(path, _headers(case, path)) for path in replay[:50]),
            }
        pages = next(case for case in cases if case.name == "list").population
        counted["list_shapes"] = {
            "per_page=1": uncached.count("/api/v1/articles?per_page=1"),
            "per_page=100": uncached.count("/api/v1/articles?per_page=100"),
            "page 1": uncached.count(pages[0]),
            "last page": uncached.count(pages[-1]),
        }
    finally:
        cached.close()
        uncached.close()
    return counted


def _headers(case: Case, path: str) -> dict | None:
    return {"If-None-Match": case.etags[path]} if path in case.etags else None
