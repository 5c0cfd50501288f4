"""Preview links as an editor makes and lists them."""

from marshmallow import fields, validate

from schemas.common import Out, UtcDateTime, doc, item_envelope, list_envelope
from schemas.input import StrictSchema


class PreviewLinkIn(StrictSchema):
    expires_in_hours = fields.Integer(
        load_default=24,
        validate=validate.Range(min=1, max=24 * 7),
        metadata=doc("How long the link works, in hours (1 to 168).", 24),
    )


class PreviewLinkOut(Out):
    id = fields.Integer(attribute="link_id", metadata=doc("Its number, to revoke it by.", 1))
    created_by = fields.String(allow_none=True, metadata=doc("The name of the key that made it.", "editor-one"))
    created_at = UtcDateTime(metadata=doc("When it was made.", "2026-12-02T09:30:00Z"))
    expires_at = UtcDateTime(metadata=doc("When it stops working.", "2026-12-03T09:30:00Z"))
    revoked_at = UtcDateTime(allow_none=True, metadata=doc("When it was revoked; null if it was not."))


class PreviewLinkMade(PreviewLinkOut):
    token = fields.String(metadata=doc("The token, shown only now (only its digest is kept).", "prv_..."))
    api_url = fields.String(
        metadata=doc("Reads the item with the token, as the public read will show it once published.")
    )
    url = fields.String(
        metadata=doc("The website's page for the item with the token (PUBLIC_ARTICLE_URL), to open and share.")
    )


PreviewLinkEnvelope = item_envelope("PreviewLinkEnvelope", PreviewLinkMade)
PreviewLinkListEnvelope = list_envelope("PreviewLinkList", PreviewLinkOut)
