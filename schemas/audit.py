"""The audit log as an admin reads it (`GET /api/v1/audit`), and its query string."""

from marshmallow import fields, validate

from schemas.common import Out, PageQuery, UtcDateTime, doc, list_envelope

# The kinds of item the log names (revisions' item types, the keys and the webhooks).
AUDITED_TYPES = ("article", "topic", "series", "studio", "hours", "hours exception", "api key", "webhook")


class AuditEntryOut(Out):
    """One change: who, when, what, and from which request."""

    at = UtcDateTime(metadata=doc("When (UTC).", "2026-12-02T09:30:00Z"))
    key_name = fields.String(
        allow_none=True, metadata=doc("The name of the API key that made it; null on the command line.", "alice")
    )
    via = fields.String(
        validate=validate.OneOf(["api", "command line"]),
        metadata=doc("api (a request, named by request_id) or command line (a key made or revoked, a seed).", "api"),
    )
    request_id = fields.String(
        allow_none=True,
        metadata=doc("The X-Request-ID of the request that made it, to find in the access log.", "5f0c9b1e2d"),
    )
    action = fields.String(metadata=doc("What was done: created, updated, deleted, restored, purged, ...", "updated"))
    item_type = fields.String(
        validate=validate.OneOf(AUDITED_TYPES), metadata=doc("The kind of item changed.", "hours")
    )
    item = fields.String(
        metadata=doc("Which: a slug, an exception's first day, a key's name, or the item type itself.", "hours")
    )
    changed_fields = fields.List(fields.String(), metadata=doc("The fields the change changed.", ["weekly"]))
    revision = fields.Integer(
        attribute="revision_number",
        allow_none=True,
        metadata=doc("The item's revision the change made (see its /revisions); null when it made none.", 3),
    )


class AuditQuery(PageQuery):
    """Query parameters of the audit log. (No examples: Swagger UI would fill them in, and "Try it out"
    would then show a filtered, often empty, log instead of the whole.)"""

    item_type = fields.String(
        validate=validate.OneOf(AUDITED_TYPES), metadata=doc("Only changes to this kind of item, such as hours.")
    )
    item = fields.String(
        validate=validate.Length(min=1, max=120),
        metadata=doc("Only changes to this item: a slug, an exception's first day (2027-07-05), a key's name."),
    )
    key = fields.String(
        validate=validate.Length(min=1, max=80), metadata=doc("Only changes made with the key of this name.")
    )


AuditListEnvelope = list_envelope("AuditList", AuditEntryOut)
