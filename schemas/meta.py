"""Schemas of the index and the health checks."""

from marshmallow import fields, validate

from schemas.common import Out, doc, item_envelope


class IndexLinks(Out):
    docs = fields.String(metadata=doc("Swagger UI.", "http://127.0.0.1:5000/api/v1/docs"))
    spec = fields.String(metadata=doc("The OpenAPI 3.1 document.", "http://127.0.0.1:5000/api/v1/openapi.json"))
    articles = fields.String(metadata=doc("Published articles."))
    topics = fields.String(metadata=doc("Muscle-group topics."))
    studio = fields.String(metadata=doc("The studio's details."))
    hours = fields.String(metadata=doc("Opening hours."))
    structured_data = fields.String(
        metadata=doc("The studio as schema.org JSON-LD (each article and topic has its own).")
    )
    feed = fields.String(metadata=doc("The Atom feed of the newest articles."))
    sitemap = fields.String(metadata=doc("The sitemap of the website's article and topic pages."))
    health = fields.String(metadata=doc("Liveness check."))


class Index(Out):
    name = fields.String(metadata=doc("The API's name.", "Corey Proffitt Studios Massage content API"))
    version = fields.String(metadata=doc("The API's version.", "1.0"))
    links = fields.Nested(IndexLinks, metadata=doc("Where the docs, the spec and each resource are."))


class Health(Out):
    status = fields.String(
        validate=validate.OneOf(["ok", "degraded"]),
        metadata=doc("ok when the check passes; degraded when Redis does not answer (readiness only).", "ok"),
    )
    database = fields.String(metadata=doc("ok when the database answers (readiness only).", "ok", sometimes=True))
    redis = fields.String(
        validate=validate.OneOf(["ok", "unavailable"]),
        metadata=doc(
            "Whether Redis answers, when REDIS_URL names one (readiness only): while it is unavailable, each "
            "process counts rate limits in its own memory.",
            "ok",
            sometimes=True,
        ),
    )


IndexEnvelope = item_envelope("IndexItem", Index)
HealthEnvelope = item_envelope("HealthItem", Health)
