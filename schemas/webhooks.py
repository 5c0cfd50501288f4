"""Webhooks, their deliveries and attempts, the events they carry, and the change feed, as the API takes
and serves them."""

from marshmallow import ValidationError, fields, validate, validates

from models.events import EVENT_TYPES
from models.webhooks import DELIVERY_STATES
from schemas.common import Out, PageQuery, UtcDateTime, doc, item_envelope, list_envelope
from schemas.input import StrictBoolean, StrictSchema, Text, optional_text, patch_schema

_RECEIVER = "https://builds.example.com/hooks/content"


class WebhookIn(StrictSchema):
    """An endpoint to send events to: where, which events, and a note saying what it is for."""

    url = Text(
        required=True,
        validate=[
            validate.Length(min=1, max=2000),
            validate.URL(schemes={"http", "https"}, require_tld=False, error="Must be an http or https URL."),
        ],
        metadata=doc(
            "Where to POST each event (http or https). Loopback, private and link-local addresses are refused "
            "unless the server allows them (WEBHOOK_ALLOW_PRIVATE_TARGETS); redirects are not followed.",
            _RECEIVER,
        ),
    )
    events = fields.List(
        Text(validate=validate.OneOf(EVENT_TYPES)),
        required=True,
        validate=validate.Length(min=1, max=len(EVENT_TYPES)),
        metadata=doc("The events it wants, one or more of the event types.", ["article.published"]),
    )
    description = optional_text(200, "What the endpoint is for.", "Rebuild the website")
    enabled = StrictBoolean(
        load_default=True,
        metadata=doc("Whether events are sent to it; true again after it was disabled clears the reason.", True),
    )

    @validates("url")
    def _no_credentials(self, value: str, **_kwargs: object) -> None:
        if "@" in value.split("//", 1)[-1].split("/", 1)[0]:
            raise ValidationError("Must not carry a user name or password; the signature proves who sends.")

    @validates("events")
    def _each_once(self, value: list[str], **_kwargs: object) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("Name each event once.")


WebhookPatch = patch_schema(WebhookIn)


class SecretRotationIn(StrictSchema):
    grace_hours = fields.Integer(
        load_default=24,
        validate=validate.Range(min=0, max=24 * 30),
        metadata=doc("How long the old secret still signs deliveries beside the new one (0: not at all).", 24),
    )


class WebhookOut(Out):
    """An endpoint, as an admin reads it (its secret is shown only when made or rotated)."""

    id = fields.Integer(attribute="webhook_id", metadata=doc("Its number, in its URL.", 1))
    url = fields.String(metadata=doc("Where events are sent.", _RECEIVER))
    description = fields.String(allow_none=True, metadata=doc("What it is for.", "Rebuild the website"))
    events = fields.List(fields.String(), metadata=doc("The events it wants.", ["article.published"]))
    enabled = fields.Boolean(metadata=doc("Whether events are sent to it.", True))
    disabled_reason = fields.String(
        allow_none=True,
        metadata=doc("Why it was disabled (by an admin, a 410 Gone, or failing for a day); null when enabled."),
    )
    disabled_at = UtcDateTime(allow_none=True, metadata=doc("When it was disabled; null when enabled."))
    previous_secret_expires_at = UtcDateTime(
        allow_none=True, metadata=doc("Until when the previous secret also signs (after a rotation); null if not.")
    )
    created_by = fields.String(allow_none=True, metadata=doc("The name of the key that made it.", "admin-one"))
    created_at = UtcDateTime(metadata=doc("When it was made.", "2026-12-02T09:30:00Z"))
    updated_at = UtcDateTime(metadata=doc("When it last changed.", "2026-12-02T09:30:00Z"))


class WebhookWithSecret(WebhookOut):
    secret = fields.String(
        metadata=doc(
            "The signing secret (Standard Webhooks, whsec_...), shown only now: keep it with the receiver.",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        )
    )


class AttemptOut(Out):
    number = fields.Integer(metadata=doc("Which attempt, from 1.", 1))
    started_at = UtcDateTime(metadata=doc("When it was sent.", "2026-12-02T09:30:00Z"))
    duration_ms = fields.Integer(metadata=doc("How long until the answer (or the failure), in milliseconds.", 42))
    status_code = fields.Integer(
        allow_none=True, metadata=doc("The receiver's HTTP status; null when there was no answer.", 200)
    )
    error = fields.String(allow_none=True, metadata=doc("Why there was no answer (timeout, refused, ...)."))
    response_excerpt = fields.String(
        allow_none=True, metadata=doc("The first bytes (up to 1 KiB) of the receiver's answer.", "ok")
    )


class DeliveryOut(Out):
    """One event's delivery to one endpoint."""

    id = fields.Integer(attribute="delivery_id", metadata=doc("Its number.", 1))
    event_id = fields.String(attribute="event.event_id", metadata=doc("The event (its webhook-id header).", "evt_1"))
    event_type = fields.String(attribute="event.type", metadata=doc("The event's type.", "article.published"))
    status = fields.String(
        validate=validate.OneOf(DELIVERY_STATES),
        metadata=doc("pending (due at next_attempt_at), sending, succeeded or failed (given up).", "succeeded"),
    )
    attempts = fields.Integer(metadata=doc("Attempts made so far.", 1))
    next_attempt_at = UtcDateTime(metadata=doc("When it is (or was) due next.", "2026-12-02T09:30:00Z"))
    last_status_code = fields.Integer(allow_none=True, metadata=doc("The last answer's HTTP status.", 200))
    last_error = fields.String(allow_none=True, metadata=doc("Why the last attempt failed; null when it did not."))
    redelivery = fields.Boolean(metadata=doc("Whether an admin asked for it (a past event sent again).", False))
    created_at = UtcDateTime(metadata=doc("When it was made (with its event).", "2026-12-02T09:30:00Z"))
    finished_at = UtcDateTime(allow_none=True, metadata=doc("When it succeeded or was given up; null until then."))


class DeliveryWithAttempts(DeliveryOut):
    attempts_made = fields.List(
        fields.Nested(AttemptOut),
        attribute="attempt_log",
        metadata=doc("Every attempt, first to last: status, time taken, answer."),
    )


class DeliveryQuery(PageQuery):
    """Query parameters of a delivery log. (No examples: Swagger UI would filter the log with them.)"""

    status = fields.String(validate=validate.OneOf(DELIVERY_STATES), metadata=doc("Only deliveries in this state."))


class RedeliveryIn(StrictSchema):
    event_id = Text(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata=doc("The past event to send again (its id, as in webhook-id and GET /events)."),
    )


class EventOut(Out):
    """One event, with the body its deliveries send."""

    id = fields.String(attribute="event_id", metadata=doc("Its id: the webhook-id header of its deliveries.", "evt_1"))
    type = fields.String(metadata=doc("What happened.", "article.published"))
    occurred_at = UtcDateTime(metadata=doc("When.", "2026-12-02T09:30:00Z"))
    payload = fields.Dict(metadata=doc("The body its deliveries send: type, timestamp and data."))


class EventQuery(PageQuery):
    """Query parameters of the event log. (No examples: Swagger UI would filter the log with them.)"""

    type = fields.String(validate=validate.OneOf(EVENT_TYPES), metadata=doc("Only events of this type."))


class ChangesQuery(StrictSchema):
    since = fields.String(
        validate=[validate.Length(min=1, max=18), validate.Regexp(r"^[0-9]+$", error="Must be a cursor.")],
        metadata=doc(
            "The cursor an earlier answer gave in meta.next_cursor: only what changed after it. Left out: "
            "everything from the beginning."
        ),
    )
    per_page = fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=100),
        metadata=doc("Changes per answer, from 1 to 100.", 100),
    )


class ChangeOut(Out):
    """One change, as the caller sees it: to the public, only what it could see (a draft's edits are not
    there; its publication is `created`)."""

    cursor = fields.String(metadata=doc("Where this change sits in the feed.", "42"))
    change = fields.String(
        metadata=doc(
            "To the public: created (it appeared), updated, unpublished or deleted (it is gone: a tombstone). "
            "To a key holder: created, updated, deleted or restored.",
            "created",
        )
    )
    item_type = fields.String(
        validate=validate.OneOf(["article", "topic", "series", "media", "studio", "hours"]),
        metadata=doc("What kind of item.", "article"),
    )
    slug = fields.String(allow_none=True, metadata=doc("Which item (null for the studio and its hours).", "x"))
    previous_slug = fields.String(allow_none=True, metadata=doc("The slug it had before, when the change renamed it."))
    changed_at = UtcDateTime(metadata=doc("When the change happened.", "2026-12-02T09:30:00Z"))
    api_url = fields.String(metadata=doc("The item in the API (a 404 once deleted).", "http://127.0.0.1:5000/x"))
    url = fields.String(metadata=doc("Where the website shows it.", "http://127.0.0.1:8080/article.html?slug=x"))
    purge_keys = fields.List(fields.String(), metadata=doc("The CDN keys (Surrogate-Key) this change made stale."))


class ChangesMeta(Out):
    next_cursor = fields.String(
        metadata=doc("Ask with since= this next time: it is past every change in this answer.", "42")
    )
    has_more = fields.Boolean(metadata=doc("Whether more changes follow already (ask again at once).", False))


class ChangesLinks(Out):
    next = fields.String(metadata=doc("This feed from next_cursor on."))


ChangesEnvelope = Out.from_dict(
    {
        "data": fields.List(fields.Nested(ChangeOut), metadata=doc("The changes, oldest first.")),
        "meta": fields.Nested(ChangesMeta, metadata=doc("Where to go on from.")),
        "links": fields.Nested(ChangesLinks, metadata=doc("The URL to ask next.")),
    },
    name="ChangesEnvelope",
)
WebhookEnvelope = item_envelope("WebhookEnvelope", WebhookOut)
WebhookSecretEnvelope = item_envelope("WebhookSecretEnvelope", WebhookWithSecret)
WebhookListEnvelope = list_envelope("WebhookList", WebhookOut)
DeliveryEnvelope = item_envelope("DeliveryEnvelope", DeliveryWithAttempts)
DeliveryListEnvelope = list_envelope("DeliveryList", DeliveryOut)
EventListEnvelope = list_envelope("EventList", EventOut)
