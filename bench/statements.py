"""SQL statements per request for each benchmark case, counted in-process on the corpus database:
a miss (the first request), then a hit. SQLAlchemy's events see every statement but the content
version, which runs on the driver's cursor and counts itself (`statements_run`)."""

import logging

from sqlalchemy import event

from api import create_app
from models import db
from models.content_state import version_query


def count_statements(database, cases) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "RATELIMIT_ENABLED": False})
    logging.getLogger("api.access").setLevel(logging.WARNING)
    client = app.test_client()
    sent = []
    with app.app_context():
        engine = db.engine
        versions = version_query(engine)
    event.listen(engine, "before_cursor_execute", lambda *_args: sent.append(1))

    def count(path: str, headers: dict | None = None) -> tuple[int, str | None]:
        sent.clear()
        before = versions.statements_run
        response = client.get(path, headers=headers or {})
        return len(sent) + versions.statements_run - before, response.headers.get("ETag")

    counted = {}
    for case in cases:
        miss, etag = count(case.paths[0])
        hit, _ = count(case.paths[0], {"If-None-Match": etag} if case.expected == 304 else None)
        counted[case.name] = {"miss": miss, "hit": hit}
    counted["per_page_1"] = count("/api/v1/articles?per_page=1")[0]
    counted["per_page_100"] = count("/api/v1/articles?per_page=100")[0]
    with app.app_context():
        db.engine.dispose()
    return counted
