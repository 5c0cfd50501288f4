"""Webhooks (admin): `/api/v1/webhooks` to register, read, change, disable and delete endpoints, rotate
their secrets, read their delivery logs and send a past event again; the events themselves are
`/api/v1/events` (api.resources.events).

What an event is and when it happens is `models.events`; how a delivery is sent,
retried and signed is `api.jobs`. Writes here need If-Match like every other
write, and each is in the audit log.
"""

from datetime import timedelta
from typing import Any

from flask import current_app
from flask_restx import Namespace, Resource
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from api.jobs.sending import refused_target
from api.spec import REQUEST_EXAMPLE, body, documented_write, problems, query, refuses_valid_input, schema_model
from api.web.auth import key_name, require_role
from api.web.errors import ProblemError
from api.web.requests import load_body, load_query
from api.web.responses import PRIVATE_CACHE_CONTROL, ViewAnswer, check_if_match, etag_of, paginate
from api.web.routing import url_of
from models import Delivery, Event, Webhook, db
from models.audit import record_audit
from models.types import utcnow
from models.webhooks import new_secret, redeliver
from schemas.common import PageQuery
from schemas.webhooks import (
    DeliveryEnvelope,
    DeliveryListEnvelope,
    DeliveryOut,
    DeliveryQuery,
    DeliveryWithAttempts,
    RedeliveryIn,
    SecretRotationIn,
    WebhookEnvelope,
    WebhookIn,
    WebhookListEnvelope,
    WebhookOut,
    WebhookPatch,
    WebhookSecretEnvelope,
    WebhookWithSecret,
)

ns = Namespace("webhooks", description="Signed, retried notifications of every change, for builds and CDNs (admin)")

KEY = {"security": "bearer"}
PRIVATE = {"Cache-Control": PRIVATE_CACHE_CONTROL}
# A receiver on this machine: the example registers nothing anyone else would get events at.
_EXAMPLE = {"url": "http://127.0.0.1:9000/hooks", "events": ["article.published"], "description": "Try it out"}
_REFUSALS = {422: "The URL names a loopback, private or link-local address this server does not send to."}


def _find(webhook_id: int) -> Webhook:
    webhook = db.session.get(Webhook, webhook_id) if 1 <= webhook_id <= 2**31 - 1 else None
    if webhook is None:
        raise ProblemError(404, f"No webhook has the id {webhook_id}.")
    return webhook


def _representation(webhook: Webhook) -> dict[str, Any]:
    out: dict[str, Any] = WebhookOut().dump(webhook)
    return out


def _answer(webhook: Webhook, status: int = 200, with_secret: bool = False) -> ViewAnswer:
    representation = _representation(webhook)
    data = WebhookWithSecret().dump(webhook) if with_secret else representation
    headers = {"ETag": etag_of(representation), **PRIVATE}
    if status == 201:
        headers["Location"] = url_of(WebhookItem, webhook_id=webhook.webhook_id)
    return {"data": data}, status, headers


def _check_target(url: str) -> None:
    if current_app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"]:
        return
    reason = refused_target(url)
    if reason:
        raise ProblemError(
            422,
            f"Webhooks are not sent to loopback, private or link-local addresses: {reason}",
            errors={"url": ["Give a public address (WEBHOOK_ALLOW_PRIVATE_TARGETS=true allows others, for tests)."]},
        )


def _apply(webhook: Webhook, data: dict[str, Any]) -> None:
    if "url" in data:
        _check_target(data["url"])
    for name in ("url", "events", "description"):
        if name in data:
            setattr(webhook, name, data[name])
    if data.get("enabled") is True:
        webhook.enabled, webhook.disabled_reason, webhook.disabled_at = True, None, None
    elif data.get("enabled") is False and webhook.enabled:
        webhook.disable(f"Disabled by {key_name()}.")


def _commit(webhook: Webhook, action: str, changed: list[str]) -> None:
    record_audit(action, "webhook", str(webhook.webhook_id), key_name(), changed)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ProblemError(412, "The webhook was changed by someone else meanwhile. Fetch it and retry.") from None


@ns.route("")
class WebhookList(Resource):
    @ns.doc(**KEY)
    @query(ns, PageQuery)
    @ns.response(200, "A page of endpoints, oldest first.", schema_model(WebhookListEnvelope))
    @problems(ns, 400, 401, 403)
    def get(self) -> ViewAnswer:
        """List the webhook endpoints, oldest first (admin)."""
        require_role("admin")
        args = load_query(PageQuery)
        page, meta, links, headers = paginate(
            select(Webhook).order_by(Webhook.webhook_id), args["page"], args["per_page"]
        )
        return {"data": WebhookOut(many=True).dump(page), "meta": meta, "links": links}, 200, {**headers, **PRIVATE}

    @ns.doc(**KEY, **{REQUEST_EXAMPLE: _EXAMPLE})
    @ns.expect(body(WebhookIn, "Where to send, which events, and what it is for."))
    @ns.response(201, "Registered: its secret is in the answer, once. Location names it.", schema_model(WebhookSecretEnvelope))  # fmt: skip
    @problems(ns, 400, 401, 403, 413, 415, 422)
    @refuses_valid_input(ns, _REFUSALS)
    def post(self) -> ViewAnswer:
        """Register an endpoint; events from now on are signed with the secret the answer shows once (admin)."""
        key = require_role("admin")
        webhook = Webhook(created_by=key.name)
        _apply(webhook, load_body(WebhookIn()))
        db.session.add(webhook)
        db.session.flush()
        _commit(webhook, "created", ["url", "events"])
        return _answer(webhook, 201, with_secret=True)


@ns.route("/<int:webhook_id>")
@ns.param("webhook_id", "The endpoint's id.", example=1)
class WebhookItem(Resource):
    @ns.doc(**KEY)
    @ns.response(200, "The endpoint (never its secret).", schema_model(WebhookEnvelope))
    @problems(ns, 401, 403, 404)
    def get(self, webhook_id: int) -> ViewAnswer:
        """Read an endpoint (admin)."""
        require_role("admin")
        return _answer(_find(webhook_id))

    @documented_write(ns, WebhookIn, "The whole endpoint.", "Changed.", schema_model(WebhookEnvelope),
                      (400, 401, 403, 404, 412, 413, 415, 422, 428), _REFUSALS, _EXAMPLE)  # fmt: skip
    def put(self, webhook_id: int) -> ViewAnswer:
        """Replace an endpoint's URL, events, description and whether it is enabled (admin)."""
        return self._change(webhook_id, partial=False)

    @documented_write(ns, WebhookPatch, "The fields to change; enabled=false disables it, true enables it again.",
                      "Changed.", schema_model(WebhookEnvelope), (400, 401, 403, 404, 412, 413, 415, 422, 428),
                      _REFUSALS, {"enabled": True})  # fmt: skip
    def patch(self, webhook_id: int) -> ViewAnswer:
        """Change some of an endpoint's fields: disable it, enable it again, change its events (admin)."""
        return self._change(webhook_id, partial=True)

    def _change(self, webhook_id: int, partial: bool) -> ViewAnswer:
        require_role("admin")
        webhook = _find(webhook_id)
        check_if_match(_representation(webhook))
        data = load_body((WebhookPatch if partial else WebhookIn)(), partial=partial)
        _apply(webhook, data)
        _commit(webhook, "updated", sorted(data))
        return _answer(webhook)

    @ns.doc(**KEY)
    @ns.response(204, "Deleted, with its delivery log.")
    @problems(ns, 401, 403, 404, 412, 428)
    def delete(self, webhook_id: int) -> tuple[str, int]:
        """Delete an endpoint and its delivery log; nothing more is sent to it (admin). To pause, disable it."""
        require_role("admin")
        webhook = _find(webhook_id)
        check_if_match(_representation(webhook))
        record_audit("deleted", "webhook", str(webhook_id), key_name())
        db.session.delete(webhook)
        db.session.commit()
        return "", 204


@ns.route("/<int:webhook_id>/secret")
@ns.param("webhook_id", "The endpoint's id.", example=1)
class WebhookSecret(Resource):
    @ns.doc(**KEY, **{REQUEST_EXAMPLE: {"grace_hours": 24}})
    @ns.expect(body(SecretRotationIn, "How long the old secret keeps signing beside the new one."))
    @ns.response(200, "The new secret, shown once; both sign until the grace ends.", schema_model(WebhookSecretEnvelope))  # fmt: skip
    @problems(ns, 400, 401, 403, 404, 412, 413, 415, 422, 428)
    def post(self, webhook_id: int) -> ViewAnswer:
        """Rotate the signing secret: deliveries carry both signatures for the grace period (admin)."""
        require_role("admin")
        webhook = _find(webhook_id)
        check_if_match(_representation(webhook))
        grace = timedelta(hours=load_body(SecretRotationIn())["grace_hours"])
        webhook.previous_secret = webhook.secret if grace else None
        webhook.previous_secret_expires_at = utcnow() + grace if grace else None
        webhook.secret = new_secret()
        _commit(webhook, "rotated its secret", ["secret"])
        return _answer(webhook, with_secret=True)


def _delivery(webhook_id: int, delivery_id: int) -> Delivery:
    _find(webhook_id)
    delivery = db.session.get(Delivery, delivery_id) if 1 <= delivery_id <= 2**31 - 1 else None
    if delivery is None or delivery.webhook_id != webhook_id:
        raise ProblemError(404, f"Webhook {webhook_id} has no delivery {delivery_id}.")
    return delivery


@ns.route("/<int:webhook_id>/deliveries")
@ns.param("webhook_id", "The endpoint's id.", example=1)
class DeliveryList(Resource):
    @ns.doc(**KEY)
    @query(ns, DeliveryQuery)
    @ns.response(200, "A page of its deliveries, newest first.", schema_model(DeliveryListEnvelope))
    @problems(ns, 400, 401, 403, 404)
    def get(self, webhook_id: int) -> ViewAnswer:
        """The endpoint's delivery log, newest first: each event, its state, attempts and last answer (admin)."""
        require_role("admin")
        _find(webhook_id)
        args = load_query(DeliveryQuery)
        deliveries = select(Delivery).where(Delivery.webhook_id == webhook_id).order_by(Delivery.delivery_id.desc())
        if "status" in args:
            deliveries = deliveries.where(Delivery.status == args["status"])
        page, meta, links, headers = paginate(deliveries, args["page"], args["per_page"])
        return {"data": DeliveryOut(many=True).dump(page), "meta": meta, "links": links}, 200, {**headers, **PRIVATE}

    @ns.doc(**KEY)
    @ns.expect(body(RedeliveryIn, "The past event to send again."))
    @ns.response(201, "Queued as a new delivery, which Location names.", schema_model(DeliveryEnvelope))
    @problems(ns, 400, 401, 403, 404, 413, 415, 422)
    @refuses_valid_input(ns, {404: "No event has that id."})
    def post(self, webhook_id: int) -> ViewAnswer:
        """Send a past event to the endpoint again, as a new delivery (admin). It keeps its webhook-id, so a
        receiver that already handled it can tell."""
        require_role("admin")
        webhook = _find(webhook_id)
        event_id = load_body(RedeliveryIn())["event_id"]
        event = db.session.scalar(select(Event).where(Event.event_id == event_id))
        if event is None:
            raise ProblemError(404, f"No event has the id '{event_id}'.", errors={"event_id": ["Unknown event."]})
        delivery = redeliver(db.session(), webhook, event)
        db.session.flush()
        record_audit(f"redelivered {event.type}", "webhook", str(webhook_id), key_name())
        db.session.commit()
        location = url_of(DeliveryItem, webhook_id=webhook_id, delivery_id=delivery.delivery_id)
        data = DeliveryWithAttempts().dump(delivery)
        return {"data": data}, 201, {"Location": location, **PRIVATE}


@ns.route("/<int:webhook_id>/deliveries/<int:delivery_id>")
@ns.param("webhook_id", "The endpoint's id.", example=1)
@ns.param("delivery_id", "The delivery's id.", example=1)
class DeliveryItem(Resource):
    @ns.doc(**KEY)
    @ns.response(200, "The delivery with every attempt.", schema_model(DeliveryEnvelope))
    @problems(ns, 401, 403, 404)
    def get(self, webhook_id: int, delivery_id: int) -> ViewAnswer:
        """One delivery with every attempt: when, how long, the answer's status and its first bytes (admin)."""
        require_role("admin")
        return {"data": DeliveryWithAttempts().dump(_delivery(webhook_id, delivery_id))}, 200, PRIVATE
