"""The webhook benchmark: `make bench-webhooks` (or `python -m bench.webhooks`).

What an admin's write costs when webhooks are configured, and how soon a receiver hears of it, measured
on the real parts: gunicorn (2 sync workers) on the embedded SQLite database, the real worker
(`flask --app wsgi worker`, Huey's SQLite queue) and a receiver on another loopback port. The writes
are PATCHes of one article over HTTP, with If-Match, one after another, in turns of 10 with the
endpoint enabled and 10 with it disabled (so drift on a shared machine falls on both alike).

Two delays are reported for each delivery: from the writer having its answer (the commit is before it)
to the receiver having the request, and, from the database, from the event being recorded (in the
write's transaction) to the start of the first attempt. Results go to BENCHMARKS-webhooks.md.
"""

import argparse
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.__main__ import ROOT, machine
from models import Delivery, DeliveryAttempt, Event, db
from models.auth import create_key
from seed_data import seed_database
from tests.servers import Gunicorn, Receiver, Worker

ARTICLE = "/api/v1/articles/massage-for-quadratus-lumborum"
TURN = 10


def _request(base: str, method: str, path: str, key: str, body: dict | None = None, etag: str | None = None):
    request = urllib.request.Request(
        base + path, method=method, data=json.dumps(body).encode() if body is not None else None
    )
    request.add_header("Authorization", f"Bearer {key}")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if etag:
        request.add_header("If-Match", etag)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers, json.loads(response.read() or b"null")


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        raise SystemExit("nothing to measure: no delivery arrived (is the worker starting? see its log)")
    ordered = sorted(values)
    return {
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
        "max": ordered[-1],
    }


def _prepared_database(folder: Path) -> tuple[str, str]:
    """A seeded database with an admin key, made in-process and closed before the servers open it."""
    from api import create_app

    url = f"sqlite:///{folder / 'webhooks.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "JOBS_URL": f"sqlite:///{folder / 'unused.sqlite3'}"})
    with app.app_context():
        db.create_all()
        seed_database()
        key = create_key("bench-admin", "admin")
        db.engine.dispose()
    return url, key


def _from_the_database(url: str, folder: Path) -> list[float]:
    """For each delivery: milliseconds from its event's recording to the start of its first attempt."""
    from api import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "JOBS_URL": f"sqlite:///{folder / 'unused.sqlite3'}"})
    with app.app_context():
        rows = db.session.execute(
            db.select(Event.occurred_at, DeliveryAttempt.started_at)
            .join(Delivery, Delivery.event_sequence == Event.sequence)
            .join(DeliveryAttempt, DeliveryAttempt.delivery_id == Delivery.delivery_id)
            .where(DeliveryAttempt.number == 1)
        ).all()
        db.engine.dispose()
    return [(started - occurred).total_seconds() * 1000 for occurred, started in rows]


def measure(writes: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    url, key = _prepared_database(folder)
    environment = {
        "DATABASE_URL": url,
        "JOBS_URL": f"sqlite:///{folder / 'jobs.sqlite3'}",
        "RATELIMIT_ENABLED": "false",
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    }
    receiver = Receiver()
    server = Gunicorn(environment)
    worker = Worker(environment, threads=2)
    worker.wait_until_consuming()
    latencies: dict[str, list[float]] = {"without": [], "with": []}
    answered_at: list[float] = []
    try:
        _, made = _request(server.base, "POST", "/api/v1/webhooks", key, {"url": receiver.url, "events": ["article.updated"]})  # fmt: skip
        hook = f"/api/v1/webhooks/{made['data']['id']}"
        for number in range(2 * writes):
            enabled = (number // TURN) % 2 == 0
            if number % TURN == 0:
                headers, _ = _request(server.base, "GET", hook, key)
                _request(server.base, "PATCH", hook, key, {"enabled": enabled}, headers["ETag"])
            headers, _ = _request(server.base, "GET", ARTICLE, key)
            started = time.perf_counter()
            _request(server.base, "PATCH", ARTICLE, key, {"title": f"Massage For Quadratus Lumborum ({number})"}, headers["ETag"])  # fmt: skip
            latencies["with" if enabled else "without"].append((time.perf_counter() - started) * 1000)
            if enabled:
                answered_at.append(time.time())
            time.sleep(0.05)  # one write at a time, as an admin's script makes them
        received = receiver.wait_for(len(answered_at), seconds=60)
    finally:
        worker.stop()
        server.stop()
        receiver.close()
    arrivals = sorted(request["at"] for request in received)
    to_receiver = [(arrived - answered) * 1000 for answered, arrived in zip(answered_at, arrivals, strict=False)]
    return {
        "writes": writes,
        "delivered": len(received),
        "write_without": _percentiles(latencies["without"]),
        "write_with": _percentiles(latencies["with"]),
        "to_receiver": _percentiles(to_receiver),
        "to_first_attempt": _percentiles(_from_the_database(url, folder)),
    }


def write_report(path: Path, result: dict, about: dict) -> None:
    def row(label: str, figures: dict[str, float]) -> str:
        return f"| {label} | {figures['p50']:.1f} ms | {figures['p99']:.1f} ms | {figures['max']:.1f} ms |"

    lines = [
        "# Webhook benchmark",
        "",
        f"Measured {about['date']} at commit `{about['commit']}` by `python -m bench.webhooks` "
        "(`make bench-webhooks`).",
        "",
        f"Machine: {about['cpu']}, {about['memory']} memory, {about['os']}; Python {about['python']}, "
        f"SQLite {about['sqlite']}.",
        "",
        *__doc__.split("\n\n")[1:3],
        "",
        f"{result['writes']} writes with the endpoint enabled and {result['writes']} with it disabled; "
        f"{result['delivered']} of {result['writes']} deliveries arrived.",
        "",
        "| what | p50 | p99 | max |",
        "|---|---:|---:|---:|",
        row("PATCH, no enabled webhook", result["write_without"]),
        row("PATCH, one enabled webhook", result["write_with"]),
        row("writer's answer → receiver has the request", result["to_receiver"]),
        row("event recorded → first attempt starts (database clock)", result["to_first_attempt"]),
        "",
    ]
    path.write_text("\n".join(line.replace("\n", " ") for line in lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=100, help="writes with the webhook enabled (and as many without)")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS-webhooks.md"))
    options = parser.parse_args()
    result = measure(options.writes)
    write_report(Path(options.output), result, machine())
    print(Path(options.output).read_text(), flush=True)


if __name__ == "__main__":
    main()
