"""How an operation is documented, beside its route: its answers, body, query string and problems.

The helpers here wrap Flask-RESTX's decorators and record which marshmallow
schema each body, answer and query string is; `api.openapi` turns what they
record into the OpenAPI 3.1 document. Schemas are named by their classes
(`schema_model(ArticleIn)`), never by strings, and nothing is written twice.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from flask_restx import Namespace, SchemaModel
from marshmallow import Schema

from api.web.errors import PROBLEM_MEDIA_TYPE
from schemas.common import Problem

Function = TypeVar("Function", bound=Callable[..., Any])
# The keys under which an operation's documentation records its query schema and its body's example.
QUERY_SCHEMA = "query_schema"
REQUEST_EXAMPLE = "request_example"
UPLOAD_BODY = "upload_body"
_SCHEMAS: dict[str, type[Schema]] = {}


def schema_model(schema: type[Schema]) -> SchemaModel:
    """The model Flask-RESTX's decorators take for a schema class; it names the class for the spec."""
    known = _SCHEMAS.setdefault(schema.__name__, schema)
    if known is not schema:
        raise ValueError(f"two schemas are called {schema.__name__}: name one of them otherwise")
    return SchemaModel(schema.__name__, {})


def schema_class(name: str) -> type[Schema]:
    """The schema class a model stands for."""
    return _SCHEMAS[name]


# What each error status means, the same for every operation that can give it.
PROBLEM_DESCRIPTIONS = {
    400: "Bad request: malformed JSON, or a query parameter that is unknown, repeated or out of range.",
    401: "No valid API key (send `Authorization: Bearer <key>`); also `status` other than published without one.",
    403: "The key's role may not do this.",
    404: "No such item, or one the caller may not see.",
    409: "Conflict: the slug is taken, or the item is not in the state this needs.",
    412: "If-Match is stale: the item changed since it was read. The current ETag is in the ETag header.",
    413: "The body is larger than the configured limit.",
    428: "If-Match is missing: a write to an existing item must say which version it read (its ETag).",
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


def upload_body(ns: Namespace, schema: type[Schema], description: str) -> Callable[[Function], Function]:
    """Document a multipart/form-data request body: one part per field of `schema` (a file among them)."""
    schema_model(schema)
    decorated: Callable[[Function], Function] = ns.doc(**{UPLOAD_BODY: (schema.__name__, description)})
    return decorated


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
    example: dict[str, Any] | None = None,
) -> Callable[[Function], Function]:
    """Document a keyed write that takes a JSON body and answers 200: the key, the body (with an example
    that is safe to send as it is), the answer, the problems it can give and the refusals a schema-valid
    body may still get."""

    def decorate(function: Function) -> Function:
        if example is not None:
            function = ns.doc(**{REQUEST_EXAMPLE: example})(function)
        if refusals:
            function = refuses_valid_input(ns, refusals)(function)
        function = problems(ns, *statuses)(function)
        function = ns.response(200, answer, answer_model)(function)
        function = ns.expect(body(schema, body_description))(function)
        documented: Function = ns.doc(security="bearer")(function)
        return documented

    return decorate


def query(ns: Namespace, schema: type[Schema]) -> Callable[[Function], Function]:
    """Document the query string an operation validates with `schema` (its parameters, in the spec)."""
    decorated: Callable[[Function], Function] = ns.doc(**{QUERY_SCHEMA: schema})
    return decorated
