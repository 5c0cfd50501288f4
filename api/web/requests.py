"""Reading a request: its id, its query string and its JSON body, each validated by a schema.

Query strings are validated by marshmallow schemas like bodies are, but a bad
query is the client's URL being wrong, so it is a 400 (not a 422), and an
unknown or repeated parameter is refused rather than silently ignored.
"""

import json
import re
import uuid
from typing import Any

from flask import g, request
from marshmallow import RAISE, Schema, ValidationError

from api.web.access_log import start_timer
from api.web.errors import ProblemError

_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def request_id_from(supplied: str) -> str:
    """The client's X-Request-ID when it is sane, otherwise a new one."""
    return supplied if _REQUEST_ID_PATTERN.match(supplied) else uuid.uuid4().hex


def assign_request_id() -> None:
    start_timer()
    g.request_id = request_id_from(request.headers.get("X-Request-ID", ""))


def load_query(schema: type[Schema]) -> dict[str, Any]:
    """Validate the query string with a schema; a bad, unknown or repeated parameter is a 400."""
    raw = request.args.to_dict(flat=False)
    repeated = {name: ["Give this parameter once."] for name, values in raw.items() if len(values) > 1}
    if repeated:
        raise ProblemError(400, "The query string repeats a parameter.", errors=repeated)
    try:
        loaded: dict[str, Any] = schema(unknown=RAISE).load({name: values[0] for name, values in raw.items()})
        return loaded
    except ValidationError as error:
        raise ProblemError(400, "The query string is not valid.", errors=error.normalized_messages()) from None


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"field.sub.0": ["message", ...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = prefix if key == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            for field, field_messages in flatten_errors(value, path).items():
                flat.setdefault(field, []).extend(field_messages)
    elif isinstance(messages, list) and all(isinstance(message, str) for message in messages):
        flat[prefix or "_body"] = list(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(flatten_errors(value, f"{prefix}.{index}"))
    else:
        flat[prefix or "_body"] = [str(messages)]
    return flat


# Far more JSON values (strings, numbers, list items, object members) than any valid body holds: the
# largest, an article, has a few dozen, and the lists in it are capped at 50 items.
MAX_BODY_VALUES = 5_000


def _values_in(document: Any) -> int:
    """How many JSON values the document holds, counted without recursion."""
    count, pending = 0, [document]
    while pending and count <= MAX_BODY_VALUES:
        value = pending.pop()
        count += 1
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return count


def load_body(schema: Schema, partial: bool = False) -> dict[str, Any]:
    """Validate the JSON body with a schema: 415 if not JSON, 400 if malformed, 422 if invalid.

    With `partial`, only the top-level fields may be left out: an item in a list must still be whole.
    """
    if not request.is_json:
        raise ProblemError(415, "Send the body as JSON, with Content-Type: application/json.")
    raw = request.get_data(cache=True)  # 413 past MAX_CONTENT_LENGTH when Content-Length says so
    limit = request.max_content_length
    if limit is not None and len(raw) >= limit:
        # A body sent without Content-Length (chunked) is cut at the limit rather than refused;
        # reading one byte more makes Werkzeug's stream answer 413 instead of parsing a truncated body.
        request.stream.read(1)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ProblemError(400, "The body is not well-formed JSON (UTF-8).") from None
    if not isinstance(body, dict):
        raise ProblemError(422, "The body must be a JSON object.", errors={"_body": ["Must be a JSON object."]})
    if _values_in(body) > MAX_BODY_VALUES:
        # No valid body holds so many; validating each of them would cost seconds of a worker.
        raise ProblemError(
            422,
            f"The body holds more than {MAX_BODY_VALUES} values; no item has that many.",
            errors={"_body": [f"At most {MAX_BODY_VALUES} values."]},
        )
    try:
        loaded: dict[str, Any] = schema.load(body, partial=tuple(schema.fields) if partial else None)
        return loaded
    except ValidationError as error:
        errors = flatten_errors(error.normalized_messages())
        for field in getattr(schema, "SERVER_OWNED", ()):
            if field in errors:
                errors[field] = ["This field is set by the server and cannot be written."]
        raise ProblemError(422, "The body is not valid; `errors` names each bad field.", errors=errors) from None
