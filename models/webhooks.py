"""Webhooks: the endpoints an admin registers, and each event's delivery to each of them, with every attempt.

A delivery is made in the same transaction as its event (`fan_out`), so an
event is never lost between the write and the queue; the worker then claims it
(`claim_delivery`: one conditional UPDATE, so that of several workers handed
the same delivery exactly one sends it), sends it, and records the attempt
(`record_attempt`): done, due again after a backoff with jitter, or given up.
A `410 Gone` disables the endpoint; so does a delivery that failed for its
whole retry schedule (about a day), saying why.
"""

import base64
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, and_, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import Model
from models.types import UTCDateTime, utcnow

# Standard Webhooks' schedule (seconds after the previous attempt): 8 attempts over about 27 hours.
DEFAULT_RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000)
# Each delay is stretched or shrunk by up to this fraction, so that receivers coming back are not hit
# by every retry at the same instant.
RETRY_JITTER = 0.2
# How long a worker holds a delivery it claimed before another may take it (it died mid-send).
CLAIM_SECONDS = 120
# How many bytes of each answer the log keeps.
RESPONSE_EXCERPT_BYTES = 1024
# Session.info: the deliveries this session's flushes added (queued once the transaction commits).
NEW_DELIVERIES_INFO = "new_deliveries"

DELIVERY_STATES = ("pending", "sending", "succeeded", "failed")


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Webhook(Model):
    __tablename__ = "webhooks"

    webhook_id: Mapped[int] = mapped_column("id", primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[Optional[str]] = mapped_column(String(200))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(100), default=new_secret)
    # After a rotation the old secret signs too, until it expires, so receivers can switch without a gap.
    previous_secret: Mapped[Optional[str]] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[Optional[str]] = mapped_column(String(300))
    disabled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_by: Mapped[Optional[str]] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets a delivery is signed with now: the current one, and the previous one in its grace."""
        active = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            active.append(self.previous_secret)
        return active

    def wants(self, event_type: str) -> bool:
        return self.enabled and event_type in self.events

    def disable(self, reason: str) -> None:
        self.enabled = False
        self.disabled_reason = reason[:300]
        self.disabled_at = utcnow()


class Delivery(Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook", "webhook_id", "id"),
    )

    delivery_id: Mapped[int] = mapped_column("id", primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_sequence: Mapped[int] = mapped_column(ForeignKey("events.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_status_code: Mapped[Optional[int]]
    last_error: Mapped[Optional[str]] = mapped_column(String(300))
    # Asked for by an admin (a past event sent again), rather than made by the event.
    redelivery: Mapped[bool] = mapped_column(Boolean, default=False)

    webhook: Mapped[Webhook] = relationship(lazy="joined", innerjoin=True)
    # models.events (which imports this module) defines Event: named here by string, typed loosely.
    event: Mapped[Any] = relationship("Event", lazy="joined", innerjoin=True)
    attempt_log: Mapped[list["DeliveryAttempt"]] = relationship(
        order_by="DeliveryAttempt.number", cascade="all, delete-orphan", passive_deletes=True
    )


class DeliveryAttempt(Model):
    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "number"),)

    attempt_id: Mapped[int] = mapped_column("id", primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int]
    # The answer's status, or null when there was none (refused, timed out, connection failed: see error).
    status_code: Mapped[Optional[int]]
    error: Mapped[Optional[str]] = mapped_column(String(300))
    response_excerpt: Mapped[Optional[str]] = mapped_column(String(RESPONSE_EXCERPT_BYTES * 4))


def fan_out(session: Session, events: list[Any]) -> list[Delivery]:
    """Add a delivery of each event to every enabled endpoint that wants it, in the events' transaction."""
    with session.no_autoflush:
        webhooks = list(session.scalars(select(Webhook).where(Webhook.enabled.is_(True))))
    deliveries = [
        Delivery(webhook=webhook, event=event) for event in events for webhook in webhooks if webhook.wants(event.type)
    ]
    session.add_all(deliveries)
    session.info.setdefault(NEW_DELIVERIES_INFO, []).extend(deliveries)
    return deliveries


def redeliver(session: Session, webhook: Webhook, event: Any) -> Delivery:
    """A new delivery of a past event to the endpoint (the receiver sees the same webhook-id again)."""
    delivery = Delivery(webhook=webhook, event=event, redelivery=True)
    session.add(delivery)
    session.info.setdefault(NEW_DELIVERIES_INFO, []).append(delivery)
    return delivery


def claim_delivery(session: Session, delivery_id: int) -> Optional[Delivery]:
    """Take a due delivery for one attempt (committed at once); None when it is not due, or another worker
    has it, or it is done. A claim a worker never finished (it died) may be taken once it has lapsed."""
    now = utcnow()
    claimable = or_(
        and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
        and_(Delivery.status == "sending", Delivery.claimed_until < now),
    )
    claimed = session.execute(
        update(Delivery)
        .where(Delivery.delivery_id == delivery_id, claimable)
        .values(status="sending", attempts=Delivery.attempts + 1, claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(Delivery, delivery_id, populate_existing=True)


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: an answer's status (with the start of its body), or an error without one."""

    started_at: datetime
    duration_ms: int
    status_code: Optional[int] = None
    error: Optional[str] = None
    excerpt: Optional[str] = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def describe(self) -> str:
        return f"HTTP {self.status_code}" if self.status_code is not None else (self.error or "no answer")


def next_delay(attempts: int, delays: tuple[float, ...]) -> Optional[float]:
    """Seconds until the next attempt after `attempts` attempts (with jitter), or None: give up."""
    if attempts > len(delays):
        return None
    base = delays[attempts - 1]
    return base * random.uniform(1 - RETRY_JITTER, 1 + RETRY_JITTER)


def record_attempt(
    session: Session, delivery: Delivery, outcome: Outcome, delays: tuple[float, ...]
) -> Optional[datetime]:
    """Log the attempt and settle the delivery; commit. The time of the next attempt, or None."""
    session.add(
        DeliveryAttempt(
            delivery_id=delivery.delivery_id,
            number=delivery.attempts,
            started_at=outcome.started_at,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=outcome.error[:300] if outcome.error else None,
            response_excerpt=outcome.excerpt,
        )
    )
    delivery.last_status_code = outcome.status_code
    delivery.last_error = None if outcome.succeeded else outcome.describe()[:300]
    delivery.claimed_until = None
    retry_at = None
    if outcome.succeeded:
        delivery.status, delivery.finished_at = "succeeded", utcnow()
    elif outcome.status_code == 410:
        delivery.status, delivery.finished_at = "failed", utcnow()
        delivery.webhook.disable(f"The receiver answered 410 Gone to {delivery.event.event_id}: it wants no more.")
    else:
        delay = next_delay(delivery.attempts, delays)
        if delay is None:
            delivery.status, delivery.finished_at = "failed", utcnow()
            hours = (utcnow() - delivery.created_at).total_seconds() / 3600
            delivery.webhook.disable(
                f"All {delivery.attempts} attempts to deliver {delivery.event.event_id} failed over "
                f"{hours:.1f} hours; the last got {outcome.describe()}."
            )
        else:
            retry_at = utcnow() + timedelta(seconds=delay)
            delivery.status, delivery.next_attempt_at = "pending", retry_at
    session.commit()
    return retry_at


def abandon(session: Session, delivery: Delivery, reason: str) -> None:
    """Settle a claimed delivery that will not be sent (its endpoint was disabled meanwhile)."""
    delivery.status, delivery.finished_at, delivery.claimed_until = "failed", utcnow(), None
    delivery.last_error = reason[:300]
    session.commit()


def overdue_deliveries(session: Session, older_than: timedelta) -> list[int]:
    """Deliveries due for a while that no worker took (their job was lost: a queue outage, a restart)."""
    now = utcnow()
    stale = or_(
        and_(Delivery.status == "pending", Delivery.next_attempt_at < now - older_than),
        and_(Delivery.status == "sending", Delivery.claimed_until < now),
    )
    return list(session.scalars(select(Delivery.delivery_id).where(stale).limit(1000)))
