"""Fields and schemas every resource shares: timestamps, pages, envelopes, problems."""

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

MAX_PAGE = 2**31 - 1
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


# An output field the server leaves out of some answers (see `Out`).
SOMETIMES = "sometimes"


def doc(description: str, example: Any = None, sometimes: bool = False) -> dict[str, Any]:
    """Field metadata for the spec: a description and, where useful, an example. `sometimes` marks an
    output field that some answers leave out; every other output field is required in the spec."""
    metadata: dict[str, Any] = {"description": description}
    if example is not None:
        metadata["example"] = example
    if sometimes:
        metadata[SOMETIMES] = True
    return metadata


class Out(Schema):
    """Base of every output schema. Key holders are served more fields than the public, so the spec's
    models list what everyone gets and do not forbid the rest (no `additionalProperties: false`).
    The server sends every field of an output schema (null when unknown), so the spec marks each one
    required, except those whose metadata says `sometimes` (and a `fields=` read, which asks for fewer)."""

    class Meta:
        unknown = EXCLUDE


class UtcDateTime(fields.DateTime):
    """An ISO 8601 timestamp served in UTC with a `Z`: 2026-11-23T18:00:00Z."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# The instants the API takes: a month inside what Python's datetime can hold, so that no conversion to
# UTC or to the studio's zone, and no "next opening" looked for two weeks on, can overflow.
EARLIEST = datetime(1, 2, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 1, tzinfo=UTC)
INSTANT_RANGE = f"between {EARLIEST.date().isoformat()} and {LATEST.date().isoformat()} (UTC)"


class Instant(fields.AwareDateTime):
    """An ISO 8601 time with an offset, loaded as UTC. A write refuses one outside EARLIEST..LATEST
    (a 422 that says the range); a query (`clamp`) takes it as the range's end, which means the same
    for filters and answers: no content is dated outside it."""

    def __init__(self, *, clamp: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.clamp = clamp

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        local: datetime = super()._deserialize(value, attr, data, **kwargs)
        try:
            instant = local.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00:00+14:00 is before the year 1 in UTC
            instant = EARLIEST - timedelta(days=1) if local.year == 1 else LATEST + timedelta(days=1)
        if EARLIEST <= instant <= LATEST:
            return instant
        if not self.clamp:
            raise ValidationError(f"Must be {INSTANT_RANGE}.")
        return min(max(instant, EARLIEST), LATEST)


class WallTime(fields.String):
    """A wall-clock time `HH:MM` in the studio's own time zone."""

    # A String in the spec (HH:MM) whose value is a time: the override narrows what marshmallow allows.
    def _serialize(self, value: time | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:  # type: ignore[override]
        return None if value is None else value.strftime("%H:%M")


class FullMatch(validate.Regexp):
    """A Regexp that must match the whole value: a pattern's `$` also matches before a final newline,
    so "US\\n" would pass `^[A-Z]{2}$` as a plain Regexp. The spec shows the pattern as written."""

    def __call__(self, value: Any) -> Any:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class _ListPattern(FullMatch):
    """A Regexp the spec shows for a comma-separated parameter, checked against the list rejoined."""

    def __call__(self, value: Any) -> Any:
        return super().__call__(",".join(value) if isinstance(value, list) else value)


class CommaList(fields.String):
    """A query parameter holding a comma-separated list: `topic=a,b`. Each item must match `pattern`,
    or be one of `choices`."""

    def __init__(
        self, *, pattern: str | None = None, choices: tuple[str, ...] | None = None, max_items: int = 20, **kwargs: Any
    ):
        # The spec says what a valid list looks like: up to max_items of the pattern (or the choices), joined by commas.
        item = pattern.strip("^$") if pattern else ("(?:" + "|".join(choices) + ")" if choices else r"[a-z_]+")
        whole_list = rf"^{item}(?:,{item}){{0,{max_items - 1}}}$"
        kwargs.setdefault(
            "validate", _ListPattern(whole_list, error=f"Give a comma-separated list of 1 to {max_items}.")
        )
        super().__init__(**kwargs)
        self.pattern, self.choices, self.max_items = pattern, choices, max_items

    # A String in the spec (a comma-separated parameter) whose loaded value is a list.
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:  # type: ignore[override]
        items = [item.strip() for item in super()._deserialize(value, attr, data, **kwargs).split(",")]
        if any(not item for item in items):
            raise ValidationError("Give a comma-separated list without empty items.")
        if len(items) > self.max_items:
            raise ValidationError(f"Give at most {self.max_items} items.")
        for item in items:
            if self.pattern and not re.fullmatch(self.pattern, item):
                raise ValidationError(f"'{item}' is not a slug: lowercase letters and digits, joined by hyphens.")
            if self.choices and item not in self.choices:
                raise ValidationError(f"'{item}' is not one of: {', '.join(self.choices)}.")
        return list(dict.fromkeys(items))


class SearchText(fields.String):
    """A search query of at most 200 characters. One with no word in it (only spaces or punctuation) is
    valid and finds nothing, as a search box would: "at least one word" is not a rule the spec could state
    portably (a regex's \\w means ASCII letters to most JSON Schema validators, any letter to Python)."""

    def __init__(self, **kwargs: Any):
        super().__init__(validate=validate.Length(max=200), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs).strip()
        if "\x00" in text:  # no database searches for NUL (PostgreSQL cannot); a pattern would stall generators
            raise ValidationError("Must not contain NUL characters.")
        return text


def sort_field(choices: tuple[str, ...], default_description: str) -> fields.String:
    return fields.String(
        validate=validate.OneOf(choices),
        metadata=doc(
            f"Order: one of {', '.join(choices)} (a leading - is descending). {default_description}", choices[0]
        ),
    )


def slugs_field(example: str) -> CommaList:
    """A list's `slug=` filter: several items in one request, or some fields of one item with `fields=`
    (an item read is always whole, so that typed clients can rely on every field of it)."""
    return CommaList(
        pattern=SLUG_PATTERN,
        metadata=doc(
            "Only the items with these slugs (comma-separated, at most 20): several items in one request, "
            "or some fields of one item with `fields=`.",
            example,
        ),
    )


def fields_field(description: str, **kwargs: Any) -> CommaList:
    return CommaList(metadata=doc(description, "slug,title"), max_items=40, **kwargs)


class PageQuery(Schema):
    """Query parameters of every paginated list."""

    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata=doc("Page number, from 1. A page past the end is empty, with the true total.", 1),
    )
    per_page = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100),
        metadata=doc("Items per page, from 1 to 100.", 20),
    )


class NoQuery(Schema):
    """An endpoint that takes no query parameters: any is a 400."""


class PageMeta(Out):
    page = fields.Integer(metadata=doc("This page's number.", 1))
    per_page = fields.Integer(metadata=doc("Items per page.", 20))
    total = fields.Integer(metadata=doc("Items in the whole list.", 1))
    pages = fields.Integer(metadata=doc("Number of pages (0 for an empty list).", 1))


class PageLinks(Out):
    self = fields.String(metadata=doc("This page.", "http://127.0.0.1:5000/api/v1/articles?page=1&per_page=20"))
    first = fields.String(metadata=doc("The first page."))
    prev = fields.String(allow_none=True, metadata=doc("The previous page, or null on the first."))
    next = fields.String(allow_none=True, metadata=doc("The next page, or null on the last."))
    last = fields.String(metadata=doc("The last page."))


class Problem(Out):
    """An RFC 9457 problem: the body of every error."""

    type = fields.String(metadata=doc("A URI naming the kind of problem.", "about:blank"))
    title = fields.String(metadata=doc("A short summary of the kind of problem.", "Not Found"))
    status = fields.Integer(metadata=doc("The HTTP status code.", 404))
    detail = fields.String(metadata=doc("What went wrong in this occurrence.", "No article has the slug 'x'."))
    instance = fields.String(metadata=doc("The path of the request that failed.", "/api/v1/articles/x"))
    request_id = fields.String(metadata=doc("The request's id, as in the X-Request-ID header.", "5f0c6a1e9b0d4c53"))
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata=doc(
            "Validation problems by field name.", {"per_page": ["Must be between 1 and 100."]}, sometimes=True
        ),
    )


def item_envelope(name: str, schema: type[Schema]) -> type[Schema]:
    """The `{"data": {...}}` envelope around one item."""
    return Out.from_dict({"data": fields.Nested(schema, metadata=doc("The item."))}, name=name)


class WriteMeta(Out):
    """What a write's answer says beyond the item."""

    warnings = fields.List(
        fields.String(),
        metadata=doc(
            "What the server took out of what was sent, such as markup the sanitizer removed; [] when nothing.",
            ["Removed the element <script>."],
        ),
    )


def write_envelope(name: str, schema: type[Schema]) -> type[Schema]:
    """The `{"data": {...}, "meta": {"warnings": [...]}}` answer to a write of one item."""
    return Out.from_dict(
        {
            "data": fields.Nested(schema, metadata=doc("The item as it now is.")),
            "meta": fields.Nested(WriteMeta, metadata=doc("What the write did to what was sent.")),
        },
        name=name,
    )


def list_envelope(name: str, schema: type[Schema]) -> type[Schema]:
    """The `{"data": [...], "meta": ..., "links": ...}` envelope around a page of items."""
    return Out.from_dict(
        {
            "data": fields.List(fields.Nested(schema), metadata=doc("This page's items, in the list's order.")),
            "meta": fields.Nested(PageMeta, metadata=doc("Where this page sits in the whole list.")),
            "links": fields.Nested(
                PageLinks, metadata=doc("Links to this and the neighbouring pages (also in the Link header).")
            ),
        },
        name=name,
    )
