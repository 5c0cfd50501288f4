"""The spec's models and parameters, generated from the marshmallow schemas.

apispec's MarshmallowPlugin turns each schema into a Swagger 2.0 definition;
each definition becomes a Flask-RESTX `SchemaModel`, so `@ns.response` and
`@ns.expect` show exactly what the schemas validate and dump. Schemas are
named by their classes: `schema_model(ArticleIn)` registers the schema (and
every schema it nests) the first time it is asked for. Nothing here is written
twice, and no model is named by a string.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask_restx import Namespace, SchemaModel
from marshmallow import Schema

from api.web.errors import PROBLEM_MEDIA_TYPE
from schemas.common import Problem

_plugin = MarshmallowPlugin()
_spec = APISpec("models", "1", openapi_version="2.0", plugins=[_plugin])

Function = TypeVar("Function", bound=Callable[..., Any])


def _swagger_2(definition: dict[str, Any]) -> dict[str, Any]:
    """A definition as Swagger 2.0 can hold it: 2.0 has no null, so a null default (a PUT that leaves
    an optional field out stores null, as its description says) is not written as a default."""
    properties = {
        name: {key: value for key, value in field.items() if not (key == "default" and value is None)}
        for name, field in definition.get("properties", {}).items()
    }
    return {**definition, "properties": properties} if "properties" in definition else definition


def schema_model(schema: type[Schema]) -> SchemaModel:
    """The spec model generated from a schema class (registered on first use, with what it nests)."""
    name = schema.__name__
    if name not in _spec.components.schemas:
        _spec.components.schema(name, schema=schema)
    return SchemaModel(name, _swagger_2(_spec.components.schemas[name]))


def all_models() -> dict[str, SchemaModel]:
    """Every model registered so far, nested ones included: the spec's definitions."""
    definitions = _spec.to_dict()["definitions"]
    return {name: SchemaModel(name, _swagger_2(definition)) for name, definition in definitions.items()}


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

JSON_TYPES = ["application/json", PROBLEM_MEDIA_TYPE]
# The vendor extension naming the statuses a schema-valid request may still get, and why: rules the
# schemas cannot state (an unknown related slug, a rule across two fields). Property-based tests read it.
VALID_INPUT_REFUSALS = "x-valid-input-refusals"


def body(schema: type[Schema], description: str) -> tuple[SchemaModel, str]:
    """A request body for `@ns.expect`: the model generated from that input schema, described."""
    return schema_model(schema), description


def problems(ns: Namespace, *statuses: int) -> Callable[[Function], Function]:
    """Document the problem responses an operation can give, and that they come as problem+json.
    (An operation answering another media type lists its own `produces`, problem+json included.)"""

    def decorate(function: Function) -> Function:
        for status in statuses:
            function = ns.response(status, PROBLEM_DESCRIPTIONS[status], schema_model(Problem))(function)
        decorated: Function = ns.produces(JSON_TYPES)(function)
        return decorated

    return decorate


def refuses_valid_input(ns: Namespace, reasons: dict[int, str]) -> Callable[[Function], Function]:
    """Document the statuses a schema-valid request may still get, each with why (see VALID_INPUT_REFUSALS)."""
    decorated: Callable[[Function], Function] = ns.vendor(
        {VALID_INPUT_REFUSALS: {str(status): reason for status, reason in sorted(reasons.items())}}
    )
    return decorated


def documented_write(
    ns: Namespace,
    schema: type[Schema],
    body_description: str,
    answer: str,
    answer_model: SchemaModel,
    statuses: tuple[int, ...],
    refusals: dict[int, str] | None = None,
) -> Callable[[Function], Function]:
    """Document a keyed write that takes a JSON body and answers 200: the key, the body, the answer,
    the problems it can give and the refusals a schema-valid body may still get."""

    def decorate(function: Function) -> Function:
        if refusals:
            function = refuses_valid_input(ns, refusals)(function)
        function = problems(ns, *statuses)(function)
        function = ns.response(200, answer, answer_model)(function)
        function = ns.expect(body(schema, body_description))(function)
        documented: Function = ns.doc(security="bearer")(function)
        return documented

    return decorate


def query_params(schema: type[Schema]) -> dict[str, Any]:
    """A query schema's fields as Flask-RESTX `params`, for `@ns.doc(params=...)`."""
    parameters = _plugin.converter.schema2parameters(schema, location="query")  # type: ignore[union-attr]
    for parameter in parameters:
        parameter.pop("example", None)  # Swagger 2.0 has no examples on parameters; the description says it
    return {parameter.pop("name"): parameter for parameter in parameters}
