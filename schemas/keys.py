"""What a key holder is told about its own key (`GET /api/v1/whoami`)."""

from marshmallow import fields, validate

from models.auth import ROLES
from schemas.common import Out, UtcDateTime, doc, item_envelope


class Budget(Out):
    limit = fields.Integer(metadata=doc("Requests of this kind the key may make per window.", 3000))
    remaining = fields.Integer(metadata=doc("Of those, how many are left in this window.", 2999))
    reset = fields.Integer(metadata=doc("When the window starts again (Unix seconds).", 1796171326))


class WhoAmI(Out):
    name = fields.String(metadata=doc("The key's name.", "preview-server"))
    role = fields.String(
        validate=validate.OneOf(ROLES),
        metadata=doc("viewer (reads drafts), editor (also writes articles and topics) or admin.", "viewer"),
    )
    created_at = UtcDateTime(metadata=doc("When the key was made (UTC).", "2026-11-23T18:00:00Z"))
    last_used_at = UtcDateTime(allow_none=True, metadata=doc("When it was last used, to about 5 minutes (UTC)."))
    expires_at = UtcDateTime(allow_none=True, metadata=doc("When it stops working (UTC); null: it does not expire."))
    previous_key_valid_until = UtcDateTime(
        attribute="previous_valid_until",
        allow_none=True,
        metadata=doc("After a rotation, until when the key it replaced still works (UTC); else null."),
    )
    budget = fields.Nested(
        Budget,
        allow_none=True,
        metadata=doc("The read budget this request was counted against; null when limits are off."),
    )


WhoAmIEnvelope = item_envelope("WhoAmIItem", WhoAmI)
