"""Background work: the job queue (Huey), the tasks the worker runs, and what a commit hands to them.

`flask --app wsgi worker` runs Huey's consumer on the app's queue: an SQLite
file in the instance folder by default, Redis (JOBS_URL, or REDIS_URL) when
several machines share the work. Its tasks:

- `deliver`: send one webhook delivery, then schedule its retry, if any, with Huey's own scheduler;
- `announce`: record the `published` events of scheduled items whose time has come (scheduled by the
  write that scheduled them, for that very time);
- `process_media`: make an uploaded image's variants (`api.media.make_variants`), off the upload's request;
- `render`: render again the articles' stored details that a topic, series or image change made stale
  (`api.collection.stored.render_stale`), queued by that change's commit;
- `sweep`, every minute: the same, plus any due delivery whose job was lost (a queue outage, a restart),
  any image still waiting for its variants, any stored detail still stale (or that a scheduled
  publication made stale), and the search index brought up to the database (built, when a large
  database has none: a web process builds or catches up only a small one).

Web processes only put jobs on the queue, after their transaction commits (a
job for a change that rolled back would find nothing); a queue that is down
costs the write nothing, since the events and deliveries are already in the
database and the sweep finds them.
"""

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from api.collection.indexed_search import keep_search_index_up
from api.collection.stored import render_stale
from api.jobs.payloads import payload_body
from api.jobs.sending import post, signed_headers
from api.media import NEW_MEDIA_INFO, make_variants, unprocessed_media
from models import db
from models.content_state import RELATED_CHANGED
from models.events import NEW_EVENTS_INFO, announce_due_publications
from models.types import utcnow
from models.webhooks import NEW_DELIVERIES_INFO, Delivery, abandon, claim_delivery, overdue_deliveries, record_attempt

if TYPE_CHECKING:
    from huey import Huey  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

# Session.info: ids of deliveries to queue, and publication times to announce at, once the transaction commits.
_TO_DELIVER = "jobs_to_deliver"
_TO_ANNOUNCE = "jobs_to_announce"
_TO_PROCESS = "jobs_to_process"
# A delivery due this long ago that no worker took had its job lost: the sweep queues it again.
OVERDUE_AFTER = timedelta(seconds=60)


def _naive_utc(moment: datetime) -> datetime:
    # Huey (utc=True) keeps its schedule in naive UTC, to the second: the next whole second, never earlier.
    whole = moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return whole + timedelta(seconds=1) if whole < moment.astimezone(UTC).replace(tzinfo=None) else whole


class Jobs:
    """The app's queue and tasks (made on first use: a web process that queues nothing opens nothing)."""

    def __init__(self, app: Flask, worker: bool = False):
        self.app = app
        self.worker = worker

    @cached_property
    def huey(self) -> "Huey":
        # Imported here: Huey and redis-py (with asyncio) cost a process some 25 MB, and a web process
        # that queues nothing (a reader) never needs them.
        import redis
        from huey import RedisHuey, SqliteHuey

        config = self.app.config
        name = config["JOBS_QUEUE_NAME"]
        url: str = config["JOBS_URL"]
        huey: Huey
        if url.startswith(("redis://", "rediss://", "unix://")):
            # A web process waits for Redis no longer than REDIS_TIMEOUT; a worker blocks on it for a second.
            timeout = 5.0 if self.worker else float(config["REDIS_TIMEOUT"])
            pool = redis.ConnectionPool.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
            huey = RedisHuey(name, connection_pool=pool)
        else:
            path = Path(url.removeprefix("sqlite:///"))
            if not path.is_absolute():
                path = Path(self.app.instance_path) / path
            path.parent.mkdir(parents=True, exist_ok=True)
            huey = SqliteHuey(name, filename=str(path), timeout=5)
        self._register(huey)
        return huey

    def _in_app(self, work: Callable[..., Any]) -> Callable[..., Any]:
        """Run a task inside the app, with URLs built on PUBLIC_API_URL, and its session closed after."""

        def run(*args: Any) -> Any:
            with self.app.test_request_context(base_url=self.app.config["PUBLIC_API_URL"]):
                try:
                    return work(*args)
                finally:
                    db.session.remove()

        run.__name__ = work.__name__
        return run

    def _register(self, huey: "Huey") -> None:
        from huey import crontab

        config = self.app.config
        delays = tuple(float(delay) for delay in config["WEBHOOK_RETRY_DELAYS"])

        def deliver(delivery_id: int) -> None:
            delivery = claim_delivery(db.session(), delivery_id)
            if delivery is None:
                not_yet = db.session.get(Delivery, delivery_id)
                if not_yet is not None and not_yet.status == "pending" and not_yet.next_attempt_at > utcnow():
                    # Huey ran it early (its schedule keeps whole seconds): again when it is due.
                    self.deliver_task.schedule((delivery_id,), eta=_naive_utc(not_yet.next_attempt_at))
                return  # done, or another worker has it
            webhook, now = delivery.webhook, utcnow()
            if not webhook.enabled:
                abandon(db.session(), delivery, f"Not sent: the endpoint is disabled ({webhook.disabled_reason}).")
                return
            body = payload_body(delivery.event)
            headers = signed_headers(webhook.signing_secrets(now), delivery.event.event_id, body, now)
            outcome = post(
                webhook.url, body, headers, config["WEBHOOK_TIMEOUT_SECONDS"], config["WEBHOOK_ALLOW_PRIVATE_TARGETS"]
            )
            retry_at = record_attempt(db.session(), delivery, outcome, delays)
            log.info(
                f"delivery {delivery_id} attempt {delivery.attempts}: {outcome.describe()}",
                extra={"fields": {"event": "webhook_attempt", "delivery": delivery_id, "webhook": webhook.webhook_id,
                                  "status": outcome.status_code, "duration_ms": outcome.duration_ms,
                                  "retry_at": retry_at.isoformat() if retry_at else None}},
            )  # fmt: skip
            if retry_at is not None:
                self.deliver_task.schedule((delivery_id,), eta=_naive_utc(retry_at))

        def announce() -> None:
            announce_due_publications(db.session())
            render_stale()

        def render() -> None:
            rendered = render_stale()
            log.info(f"rendered {rendered} stored details", extra={"fields": {"event": "rendered", "count": rendered}})

        def process_media(media_id: int) -> None:
            outcome = make_variants(media_id)
            log.info(f"media {media_id}: {outcome}", extra={"fields": {"event": "media_processed", "media": media_id}})

        def sweep() -> None:
            announce_due_publications(db.session())
            for delivery_id in overdue_deliveries(db.session(), OVERDUE_AFTER):
                self.deliver_task(delivery_id)
            for media_id in unprocessed_media(OVERDUE_AFTER):
                self.media_task(media_id)
            render_stale()
            keep_search_index_up()

        self.deliver_task = huey.task(name="deliver")(self._in_app(deliver))
        self.announce_task = huey.task(name="announce")(self._in_app(announce))
        self.media_task = huey.task(name="process_media")(self._in_app(process_media))
        self.render_task = huey.task(name="render")(self._in_app(render))
        self.sweep_task = huey.periodic_task(crontab(minute="*"), name="sweep")(self._in_app(sweep))

    def queue(
        self, delivery_ids: list[int], announce_at: list[datetime], media_ids: list[int], render: bool = False
    ) -> None:
        """Queue deliveries, images' variants and rendering now, and announcements at their times."""
        assert self.huey is not None  # made on first use, with the tasks registered on it
        if render:
            self.render_task()
        for delivery_id in delivery_ids:
            self.deliver_task(delivery_id)
        for media_id in media_ids:
            self.media_task(media_id)
        for moment in announce_at:
            # A moment after the time, so that the item is public when the task looks.
            self.announce_task.schedule(eta=_naive_utc(moment + timedelta(milliseconds=500)))


def init_jobs(app: Flask) -> None:
    app.extensions["jobs"] = Jobs(app)


@event.listens_for(Session, "after_flush")
def _note_jobs(session: Session, _context: object) -> None:
    # Ids exist once flushed; after the commit the objects are expired, and reading them would query again.
    for delivery in session.info.pop(NEW_DELIVERIES_INFO, []):
        session.info.setdefault(_TO_DELIVER, []).append(delivery.delivery_id)
    # An image is made before it is added: a flush in between (an autoflush) leaves it for a later one.
    waiting = session.info.pop(NEW_MEDIA_INFO, [])
    for media in waiting:
        if media.media_id is not None:
            session.info.setdefault(_TO_PROCESS, []).append(media.media_id)
    unflushed = [media for media in waiting if media.media_id is None]
    if unflushed:
        session.info[NEW_MEDIA_INFO] = unflushed
    for new_event in session.info.pop(NEW_EVENTS_INFO, []):
        after = new_event.data.get("after") or {}
        if after.get("status") == "scheduled" and after.get("published_at"):
            moment = datetime.fromisoformat(after["published_at"].replace("Z", "+00:00"))
            session.info.setdefault(_TO_ANNOUNCE, []).append(moment)


@event.listens_for(Session, "after_commit")
def _queue_jobs(session: Session) -> None:
    delivery_ids, announce_at = session.info.pop(_TO_DELIVER, []), session.info.pop(_TO_ANNOUNCE, [])
    media_ids, render = session.info.pop(_TO_PROCESS, []), session.info.pop(RELATED_CHANGED, False)
    if not (delivery_ids or announce_at or media_ids or render):
        return
    if not has_app_context() or "jobs" not in current_app.extensions:
        return
    try:
        current_app.extensions["jobs"].queue(delivery_ids, announce_at, media_ids, render)
    except Exception as error:
        log.warning(
            json.dumps(
                {"event": "jobs_not_queued", "deliveries": delivery_ids, "media": media_ids, "error": f"{type(error).__name__}: {error}",
                 "detail": "the worker's sweep sends them"}
            )
        )  # fmt: skip


@event.listens_for(Session, "after_rollback")
def _forget_jobs(session: Session) -> None:
    for name in (
        _TO_DELIVER,
        _TO_ANNOUNCE,
        _TO_PROCESS,
        NEW_DELIVERIES_INFO,
        NEW_EVENTS_INFO,
        NEW_MEDIA_INFO,
        RELATED_CHANGED,
    ):
        session.info.pop(name, None)
