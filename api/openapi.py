"""The OpenAPI 3.1 document, generated from the resources' own documentation and the marshmallow schemas.

Every operation is documented once, beside its route, with the Flask-RESTX
decorators `api.spec` wraps (`problems`, `documented_write`, `ns.response`,
`ns.param`, `query`); those record which marshmallow schema each body, answer
and query string is. This module walks the registered resources and writes
what they say as OpenAPI 3.1 with apispec, adding what every endpoint of the
HTTP contract does alike: the headers of each answer, the conditional request
headers and their 304, 412 and 428, the rate limits' 429, the database's 503, and
a realistic problem example for every error status.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import resolve_schema_instance
from flask_restx import Api, Resource

from api.collection.declaration import declared_collections
from api.spec import (
    PROBLEM_DESCRIPTIONS,
    QUERY_SCHEMA,
    REQUEST_EXAMPLE,
    UPLOAD_BODY,
    VALID_INPUT_REFUSALS,
    schema_class,
)
from api.web.errors import PROBLEM_MEDIA_TYPE
from api.web.routing import API_PREFIX
from schemas.common import INSTANT_RANGE, SOMETIMES, Instant, Out, Problem
from schemas.media import ACCEPTED_MEDIA_TYPES, ImageFile

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
_METHOD_ORDER = ("get", "post", "put", "patch", "delete")
# What a problem example's request id looks like (the X-Request-ID of the answer).
_REQUEST_ID = "5f0c6a1e9b0d4c53a1e9b0d4c53a1e9b"

# Headers every endpoint of the contract can send (name: description, JSON type), once, under components/headers.
_HEADER_TEXTS = {
    "X-Request-ID": (
        "The request's id: the client's own X-Request-ID when it sent a sane one, else a new one.",
        "string",
    ),
    "ETag": ("The strong validator of this representation; send it back in If-None-Match or If-Match.", "string"),
    "Last-Modified": ("When what this answer shows last changed (an HTTP date).", "string"),
    "Cache-Control": (
        "public, max-age=60, stale-while-revalidate=300 without a key; private, no-store with one.",
        "string",
    ),
    "Vary": ("What the body depends on besides the URL (Authorization, Accept-Encoding, Origin).", "string"),
    "Link": ("RFC 8288 links to the first, previous, next and last pages.", "string"),
    "Location": ("The URL of what was created, or of a renamed item's new slug.", "string"),
    "X-RateLimit-Limit": ("Requests allowed in the current window.", "integer"),
    "X-RateLimit-Remaining": ("Requests left in the current window.", "integer"),
    "X-RateLimit-Reset": ("When the window resets (Unix time).", "integer"),
    "Retry-After": ("Seconds to wait before asking again.", "integer"),
}
HEADERS: dict[str, dict[str, Any]] = {
    name: {"description": text, "schema": {"type": kind}} for name, (text, kind) in _HEADER_TEXTS.items()
}
HEADERS["Location"]["schema"]["format"] = "uri"
_RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")

# Conditional request headers (component name: header, description), once, under components/parameters.
_CONDITIONS = {
    "IfNoneMatch": (
        "If-None-Match",
        "An ETag from an earlier answer: 304 Not Modified, with no body, while it still matches.",
    ),
    "IfModifiedSince": (
        "If-Modified-Since",
        "An HTTP date: 304 Not Modified when nothing changed since (If-None-Match wins when both are sent).",
    ),
    "IfMatch": (
        "If-Match",
        "The ETag you read the item with (required): 412 if someone changed it since, so no edit is lost; "
        "`*` overwrites whatever is there.",
    ),
}
PARAMETERS: dict[str, dict[str, Any]] = {
    component: {
        "name": header,
        "in": "header",
        "required": component == "IfMatch",  # a write to an existing item without it is a 428
        "description": text,
        "schema": {"type": "string"},
    }
    for component, (header, text) in _CONDITIONS.items()
}

# What a body without a schema of its own is, by its media type: JSON-LD is an object, XML a text.
_BODY_OF: dict[str, dict[str, Any]] = {
    "application/ld+json": {"type": "object", "description": "A schema.org JSON-LD document."},
    "application/atom+xml": {"type": "string", "description": "An Atom 1.0 feed."},
    "application/xml": {"type": "string", "description": "A sitemaps.org sitemap."},
    JSON: {"type": "object"},
    **{image: {"type": "string", "contentMediaType": image} for image in ACCEPTED_MEDIA_TYPES},
}
_STALE_IF_MATCH = "If-Match names a representation the item no longer has (or never had)."
_MULTIPART = "multipart/form-data"
_UNSTORABLE_TEXT = (
    "A text holds a control character (tab and line breaks are allowed only in multi-line texts such as a body, "
    "an excerpt or a summary), an unpaired surrogate, or is only white space (NBSP and U+3000 included): no "
    "database or feed can carry the first ones, and a pattern that says so is more than most clients' regular "
    "expressions can take."
)
_INSTANT_OUT_OF_RANGE = f"A time is not {INSTANT_RANGE}, which JSON Schema's date-time cannot bound."


def _takes_an_instant(schema: Any) -> bool:
    """Whether a body schema (or one nested in it) has an Instant field."""
    for field in resolve_schema_instance(schema).fields.values():
        inner = getattr(field, "inner", field)
        if isinstance(inner, Instant):
            return True
        nested = getattr(inner, "nested", None)
        if nested is not None and not callable(nested) and _takes_an_instant(nested):
            return True
    return False


EXTRA_PROBLEMS = {
    414: "URI too long: the request line is longer than the server reads (8190 bytes); shorten the query string.",
    429: "Too many requests: wait Retry-After seconds (the X-RateLimit-* headers say the budget).",
}

# A realistic detail and `errors` for each error status, for the problem examples.
_PROBLEM_EXAMPLES: dict[int, tuple[str, dict[str, list[str]] | None]] = {
    400: (
        "The query string is not valid.",
        {"per_page": ["Must be greater than or equal to 1 and less than or equal to 100."]},
    ),
    401: ("This needs an API key: send Authorization: Bearer <key>.", None),
    403: ("This needs the admin role; the key 'editor-one' has the role editor.", None),
    404: ("No item has that slug (or it is not published).", None),
    409: ("The slug 'massage-for-quadratus-lumborum' is already taken (deleted items keep theirs).", None),
    412: ("The item changed since you read it (If-Match is stale). Fetch it again, then retry.", None),
    428: (
        "This write needs If-Match: the ETag you read the item with (GET it first), so that it cannot overwrite a "
        "change made since. `If-Match: *` overwrites whatever is there.",
        {"If-Match": ["Send the item's ETag."]},
    ),
    413: ("The request body is larger than the configured limit.", None),
    414: ("The request line is longer than the server reads (8190 bytes): shorten the query string.", None),
    415: ("Send the body as JSON, with Content-Type: application/json.", None),
    422: ("The body is not valid; `errors` names each bad field.", {"title": ["Missing data for required field."]}),
    429: ("Rate limit exceeded: 300 per 1 minute.", None),
    503: ("The database is not reachable right now; retry shortly.", None),
}


@dataclass(frozen=True)
class Operation:
    """One documented operation: where it is, and what its Flask-RESTX documentation says."""

    namespace: str
    path: str  # OpenAPI style, below API_PREFIX: /articles/{slug}
    method: str  # lowercase
    resource: type[Resource]
    doc: dict[str, Any]  # the method's __apidoc__, with the resource's path parameters
    summary: str
    description: str


def _openapi_path(namespace_path: str, url: str) -> str:
    path = (namespace_path.rstrip("/") + url) or "/"
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)


def _path_parameter_types(url: str) -> dict[str, str]:
    return {
        name: ("integer" if converter == "int" else "string")
        for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", url)
    }


def operations(api: Api) -> Iterator[Operation]:
    """Every operation the Api routes, in a stable order: by path, then method."""
    found = []
    for namespace in api.namespaces:
        for route in namespace.resources:
            for url in route.urls:
                for method in sorted((m.lower() for m in route.resource.methods), key=_METHOD_ORDER.index):
                    function = getattr(route.resource, method)
                    doc = dict(getattr(function, "__apidoc__", {}))
                    doc["path_params"] = getattr(route.resource, "__apidoc__", {}).get("params", {})
                    doc["path_types"] = _path_parameter_types(url)
                    lines = (function.__doc__ or "").strip().split("\n", 1)
                    summary = lines[0].strip().removesuffix(".")
                    description = re.sub(r"\s+", " ", lines[1]).strip() if len(lines) > 1 else ""
                    path = _openapi_path(namespace.path, url)
                    found.append(Operation(namespace.name, path, method, route.resource, doc, summary, description))
    return iter(sorted(found, key=lambda op: (op.path, _METHOD_ORDER.index(op.method))))


def _operation_id(operation: Operation) -> str:
    # The ids Flask-RESTX gave (get_article_list): Swagger UI's anchors and generated clients' names.
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", operation.resource.__name__).lower()
    return f"{operation.method}_{snake}"


def _problem_example(status: int, operation: Operation) -> dict[str, Any]:
    detail, errors = _PROBLEM_EXAMPLES[status]
    if status == 400 and operation.doc.get("expect"):
        detail, errors = "The body is not well-formed JSON (UTF-8).", None
    instance = API_PREFIX + re.sub(r"\{(\w+)\}", lambda m: _path_example(operation, m.group(1)), operation.path)
    example: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance.rstrip("/") or "/",
        "request_id": _REQUEST_ID,
    }
    if errors:
        example["errors"] = errors
    return example


def _path_example(operation: Operation, name: str) -> str:
    example = operation.doc["path_params"].get(name, {}).get("example")
    return str(example) if example is not None else ("1" if operation.doc["path_types"].get(name) == "integer" else "x")


class _Converter(OpenAPIConverter):
    """apispec's converter, which also marks the fields an output schema always sends as required.
    A list's items are the exception: `fields=` asks for fewer of them, so none is required there."""

    def schema2jsonschema(self, schema: Any) -> dict[str, Any]:
        jsonschema: dict[str, Any] = super().schema2jsonschema(schema)
        instance = resolve_schema_instance(schema)
        sparse = {
            kind for collection in declared_collections() for kind in (collection.list_public, collection.list_admin)
        }
        if isinstance(instance, Out) and type(instance) not in sparse:
            always = [
                field.data_key or name for name, field in instance.fields.items() if not field.metadata.get(SOMETIMES)
            ]
            if always:
                jsonschema["required"] = always
        return jsonschema


def _file_part(_converter: Any, field: Any, **_kwargs: Any) -> dict[str, Any]:
    """An uploaded file is binary: OpenAPI 3.1 says so with contentMediaType (Swagger UI shows a file picker)."""
    if isinstance(field, ImageFile):
        return {"type": "string", "contentMediaType": "application/octet-stream"}
    return {}


class _Plugin(MarshmallowPlugin):
    Converter = _Converter

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        assert self.converter is not None
        self.converter.add_attribute_function(_file_part)


class _Document:
    """Writes one OpenAPI 3.1 document with apispec."""

    def __init__(self, title: str, version: str, description: str):
        self.plugin = _Plugin()
        self.spec = APISpec(
            title=title,
            version=version,
            openapi_version=OPENAPI_VERSION,
            plugins=[self.plugin],
            info={"description": description},
            servers=[{"url": API_PREFIX, "description": "This server"}],
        )
        for name, header in HEADERS.items():
            self.spec.components.header(name, header)
        for name, parameter in PARAMETERS.items():
            self.spec.components.parameter(name, parameter["in"], parameter)
        self.spec.components.security_scheme(
            "bearer",
            {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key from `flask --app wsgi api-keys create` (paste only the key).",
            },
        )

    def schema_ref(self, name: str) -> dict[str, str]:
        if name not in self.spec.components.schemas:
            self.spec.components.schema(name, schema=schema_class(name))
        return {"$ref": f"#/components/schemas/{name}"}

    def add(self, operation: Operation) -> None:
        doc = operation.doc
        rate_limited = getattr(operation.resource, "rate_limited", True)
        touches_database = getattr(operation.resource, "touches_database", True)
        is_read = operation.method == "get"
        responses: dict[str, Any] = {}
        statuses = dict(doc.get("responses", {}))
        media_types = [media for media in doc.get("produces", [JSON]) if media != PROBLEM_MEDIA_TYPE] or [JSON]
        for status, (description, model, _kwargs) in sorted(statuses.items(), key=lambda item: int(item[0])):
            code = int(status)
            if code >= 400:
                responses[status] = self._problem_response(code, description, operation)
                continue
            if code >= 300:
                responses[status] = {
                    "description": description,
                    "headers": {"Location": "Location", "X-Request-ID": "X-Request-ID"},
                }
                continue
            response: dict[str, Any] = {"description": description, "headers": self._success_headers(operation, code)}
            if code != 204:
                response["content"] = {
                    media: {"schema": self.schema_ref(model.name) if model is not None else _BODY_OF[media]}
                    for media in media_types
                }
            responses[status] = response
        if is_read:
            responses["304"] = {
                "description": "Not Modified: If-None-Match (or If-Modified-Since) still matches; no body.",
                "headers": {name: name for name in ("ETag", "X-Request-ID")},
            }
        if "412" in statuses:
            responses["428"] = self._problem_response(428, PROBLEM_DESCRIPTIONS[428], operation)
        responses["414"] = self._problem_response(414, EXTRA_PROBLEMS[414], operation)
        if rate_limited:
            responses["429"] = self._problem_response(429, EXTRA_PROBLEMS[429], operation)
        if touches_database:
            responses["503"] = self._problem_response(503, PROBLEM_DESCRIPTIONS[503], operation)
        operation_doc: dict[str, Any] = {
            "operationId": _operation_id(operation),
            "tags": [operation.namespace],
            "summary": operation.summary,
            "parameters": self._parameters(operation),
            "responses": dict(sorted(responses.items())),
        }
        if operation.description:
            operation_doc["description"] = operation.description
        if doc.get("expect"):
            model, description = doc["expect"][0]
            media: dict[str, Any] = {"schema": self.schema_ref(model.name)}
            if REQUEST_EXAMPLE in doc:
                media["example"] = doc[REQUEST_EXAMPLE]
            operation_doc["requestBody"] = {"description": description, "required": True, "content": {JSON: media}}
        if UPLOAD_BODY in doc:
            name, description = doc[UPLOAD_BODY]
            # No `encoding` naming the image types: the file part is any bytes (the server reads what they are).
            upload = {
                "schema": self.schema_ref(name),
            }
            operation_doc["requestBody"] = {
                "description": description,
                "required": True,
                "content": {_MULTIPART: upload},
            }
        # Reads are public; a key makes them show drafts too. Writes need a key.
        operation_doc["security"] = [{"bearer": []}] if doc.get("security") else [{}, {"bearer": []}]
        for name, value in doc.get("vendor", {}).items():
            operation_doc[name] = value
        refusals = dict(operation_doc.get(VALID_INPUT_REFUSALS, {}))
        if "412" in statuses:
            # Any If-Match a client sends is valid; one that no longer names the item is refused.
            refusals["412"] = _STALE_IF_MATCH
        if doc.get("expect"):
            unstorable = _UNSTORABLE_TEXT
            if _takes_an_instant(schema_class(doc["expect"][0][0].name)):
                unstorable = f"{unstorable} Or: {_INSTANT_OUT_OF_RANGE}"
            refusals["422"] = f"{refusals['422']} Or: {unstorable}" if "422" in refusals else unstorable
        if refusals:
            operation_doc[VALID_INPUT_REFUSALS] = dict(sorted(refusals.items()))
        if not operation_doc["parameters"]:
            del operation_doc["parameters"]
        self.spec.path(path=operation.path, operations={operation.method: operation_doc})

    def _parameters(self, operation: Operation) -> list[dict[str, Any] | str]:
        doc = operation.doc
        parameters: list[dict[str, Any] | str] = []
        for name, kind in doc["path_types"].items():
            documented = doc["path_params"].get(name, {})
            parameter: dict[str, Any] = {
                "name": name,
                "in": "path",
                "required": True,
                "description": documented.get("description", name),
                "schema": {"type": kind},
            }
            if "example" in documented:
                parameter["example"] = documented["example"]
            parameters.append(parameter)
        query_schema = doc.get(QUERY_SCHEMA)
        if query_schema is not None:
            converter = self.plugin.converter
            assert converter is not None
            parameters.extend(converter.schema2parameters(query_schema, location="query"))
        if operation.method == "get":
            parameters += ["IfNoneMatch", "IfModifiedSince"]  # apispec makes names of components into $refs
        elif "412" in doc.get("responses", {}):
            parameters.append("IfMatch")
        return parameters

    def _success_headers(self, operation: Operation, status: int) -> dict[str, Any]:
        names = ["X-Request-ID"]
        if operation.method == "get":
            names += ["ETag", "Last-Modified", "Cache-Control", "Vary"]
            if "page" in getattr(operation.doc.get(QUERY_SCHEMA), "_declared_fields", {}):
                names.append("Link")
        elif status in (200, 201):
            names += ["ETag", "Last-Modified"]
        if status == 201 or (status == 200 and operation.method != "get" and "{slug}" in operation.path):
            names.append("Location")  # created; or renamed by this write
        if getattr(operation.resource, "rate_limited", True):
            names += list(_RATE_LIMIT_HEADERS)
        return {name: name for name in names}  # apispec makes names of components into $refs

    def _problem_response(self, status: int, description: str, operation: Operation) -> dict[str, Any]:
        headers: dict[str, Any] = {"X-Request-ID": "X-Request-ID"}
        if status in (429, 503):
            headers["Retry-After"] = "Retry-After"
        if status in (412, 428):
            headers["ETag"] = "ETag"
        if status == 401:
            headers["WWW-Authenticate"] = {"description": 'Bearer realm="content-api"', "schema": {"type": "string"}}
        return {
            "description": description,
            "headers": headers,
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": self.schema_ref(Problem.__name__),
                    "example": _problem_example(status, operation),
                }
            },
        }


def openapi_document(api: Api) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document of the Api's routes."""
    document = _Document(api.title, api.version, api.description)
    for operation in operations(api):
        document.add(operation)
    tags = [
        {"name": namespace.name, "description": namespace.description}
        for namespace in api.namespaces
        if namespace.resources
    ]
    written = document.spec.to_dict()
    written["tags"] = sorted(tags, key=lambda tag: tag["name"])
    order = ("openapi", "info", "servers", "tags", "paths", "components")
    return {key: written[key] for key in order if key in written} | written
