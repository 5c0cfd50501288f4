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

from schemas.common import Problem
from schemas.content import ArticleEnvelope, ArticleListEnvelope, TopicEnvelope, TopicListEnvelope
from schemas.meta import HealthEnvelope, IndexEnvelope
from schemas.studio import HoursEnvelope, StudioEnvelope

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
):
    _name = getattr(_schema, "__name__")
    _spec.components.schema(_name, schema=_schema)

MODELS: dict[str, SchemaModel] = {
    name: SchemaModel(name, definition) for name, definition in _spec.to_dict()["definitions"].items()
}


def model(name: str) -> SchemaModel:
    """The spec model generated from the schema of that name."""
    return MODELS[name]


def query_params(schema: type[Schema]) -> dict:
    """A query schema's fields as Flask-RESTX `params`, for `@ns.doc(params=...)`."""
    parameters = _plugin.converter.schema2parameters(schema, location="query")
    for parameter in parameters:
        parameter.pop("example", None)  # Swagger 2.0 has no examples on parameters; the description says it
    return {parameter.pop("name"): parameter for parameter in parameters}
