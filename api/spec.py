"""The spec's models and parameters, generated from the marshmallow schemas.

apispec's MarshmallowPlugin turns each schema into a Swagger 2.0 definition;
each definition becomes a Flask-RESTX `SchemaModel`, so `@ns.response` and
`@ns.expect` show exactly what the schemas validate and dump. Nothing here is
written twice.
"""

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask_restx import SchemaModel
from marshmallow import Schema

from api.errors import PROBLEM_MEDIA_TYPE
from schemas.common import Problem
from schemas.content import (
    ArticleAdminEnvelope,
    ArticleEnvelope,
    ArticleListEnvelope,
    RevisionListEnvelope,
    TopicAdminEnvelope,
    TopicEnvelope,
    TopicListEnvelope,
)
from schemas.input import ArticleIn, ArticlePatch, HoursExceptionIn, HoursIn, StudioIn, StudioPatch, TopicIn, TopicPatch
from schemas.meta import HealthEnvelope, IndexEnvelope
from schemas.studio import HoursEnvelope, HoursExceptionEnvelope, StudioEnvelope

_plugin = MarshmallowPlugin()
_spec = APISpec("models", "1", openapi_version="2.0", plugins=[_plugin])

for _schema in (
    Problem,
    IndexEnvelope,
    HealthEnvelope,
    ArticleListEnvelope,
    ArticleEnvelope,
    TopicListEnvelope,
    TopicEnvelope,
    StudioEnvelope,
    HoursEnvelope,
    HoursExceptionEnvelope,
    ArticleAdminEnvelope,
    TopicAdminEnvelope,
    RevisionListEnvelope,
    ArticleIn,
    TopicIn,
    StudioIn,
    HoursIn,
    HoursExceptionIn,
    ArticlePatch,
    TopicPatch,
    StudioPatch,
):
    _name = getattr(_schema, "__name__")
    _spec.components.schema(_name, schema=_schema)

MODELS: dict[str, SchemaModel] = {
    name: SchemaModel(name, definition) for name, definition in _spec.to_dict()["definitions"].items()
}


def model(name: str) -> SchemaModel:
    """The spec model generated from the schema of that name."""
    return MODELS[name]


# What each error status means, the same for every operation that can give it.
PROBLEM_DESCRIPTIONS = {
    400: "Bad request: malformed JSON, or a query parameter that is unknown, repeated or out of range.",
    401: "No valid API key (send Authorization: Bearer <key>); also status other than published without one.",
    403: "The key's role may not do this.",
    404: "No such item, or one the caller may not see.",
    409: "Conflict: the slug is taken, or the item is not in the state this needs.",
    412: "If-Match is stale: the item changed since it was read. The current ETag is in the ETag header.",
    413: "The body is larger than the configured limit.",
    415: "The body is not JSON (Content-Type: application/json).",
    422: "The JSON is well formed but invalid; errors names each bad field.",
    503: "The database is not reachable; retry after Retry-After seconds.",
}


def body(name: str, description: str) -> tuple:
    """A request body for `@ns.expect`: the model generated from that input schema, described."""
    return MODELS[name], description


JSON_TYPES = ["application/json", PROBLEM_MEDIA_TYPE]


def problems(ns, *statuses: int):
    """Document the problem responses an operation can give, and that they come as problem+json.
    (An operation answering another media type lists its own `produces`, problem+json included.)"""

    def decorate(function):
        for status in statuses:
            function = ns.response(status, PROBLEM_DESCRIPTIONS[status], MODELS["Problem"])(function)
        return ns.produces(JSON_TYPES)(function)

    return decorate


def query_params(schema: type[Schema]) -> dict:
    """A query schema's fields as Flask-RESTX `params`, for `@ns.doc(params=...)`."""
    parameters = _plugin.converter.schema2parameters(schema, location="query")
    for parameter in parameters:
        parameter.pop("example", None)  # Swagger 2.0 has no examples on parameters; the description says it
    return {parameter.pop("name"): parameter for parameter in parameters}
