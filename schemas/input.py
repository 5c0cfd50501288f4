"""Input schemas: what admins may send, validated strictly.

Unknown fields are refused, and so are the fields the server owns (a 422 that
says so, rather than a silent drop). Every string refuses NUL characters and
lone surrogates, which no database should store and PostgreSQL cannot.

A field's `load_default` is what a POST or a PUT that leaves it out stores: a
PUT replaces the whole item. `patch_schema` makes the PATCH body of a schema:
nothing required and no defaults, so a PATCH changes only what it names.
"""

import copy
import functools
import importlib.resources
import re
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing, validate, validates_schema

from models.editable import STORED_STATUSES
from models.studio import WEEKDAYS
from schemas.common import INSTANT_RANGE, SLUG_PATTERN, FullMatch, Instant, doc

# No text may hold what no database stores (NUL, lone surrogates) or what XML (the Atom feed) cannot carry
# (the other C0 controls but tab and line breaks). A single-line text (a title, a name) holds no control
# character at all, line breaks included, and is not only white space (NBSP and U+3000 count as space).
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Lists of validators rather than validate.And, so that apispec can put their limits in the spec.
_SLUG = [
    validate.Length(min=1, max=120),
    FullMatch(SLUG_PATTERN, error="Must be a slug: lowercase letters and digits, joined by single hyphens."),
]

# The IANA time zones the server accepts: those of the pinned tzdata package (the same list on every
# machine, so the spec's enum does not depend on the system's zone files).
TIME_ZONES = tuple(sorted(importlib.resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()))


class Text(fields.String):
    """A string without control characters or lone surrogates; one line unless `multiline`.

    The spec does not carry this as a pattern: a character class spanning the surrogate gap is
    more than schemathesis' generators (and some clients' regex engines) handle in reasonable time.
    Each operation says it in words instead (`x-valid-input-refusals`).
    """

    def __init__(self, *, multiline: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not self.multiline and _NOT_ONE_LINE.search(text):
            raise ValidationError("Must be one line, without control characters.")
        if _UNSTORABLE.search(text):
            raise ValidationError(
                "Must not contain control characters (but tab and line breaks), NUL or unpaired surrogates."
            )
        if not self.multiline and text and not text.strip():
            raise ValidationError("Must not be only white space.")
        return text


class StrictBoolean(fields.Boolean):
    """JSON's true or false, and nothing else (marshmallow's Boolean also takes 1, "yes" and "off")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value


def text(
    max_length: int,
    description: str,
    example: Any = None,
    required: bool = False,
    allow_none: bool = False,
    min_length: int = 1,
    load_default: Any = missing,
    multiline: bool = False,
) -> Text:
    return Text(
        multiline=multiline,
        required=required,
        allow_none=allow_none,
        load_default=load_default,
        validate=validate.Length(min=min_length, max=max_length),
        metadata=doc(description, example),
    )


def optional_text(max_length: int, description: str, example: Any = None, multiline: bool = False) -> Text:
    """A text that may be null, and is null when a POST or PUT leaves it out."""
    return text(max_length, description, example, allow_none=True, load_default=None, multiline=multiline)


def slug_list(description: str, example: Any = None) -> fields.List:
    return fields.List(
        Text(validate=_SLUG), validate=validate.Length(max=50), load_default=list, metadata=doc(description, example)
    )


class StrictSchema(Schema):
    """Refuses unknown fields; `SERVER_OWNED` names those refused because the server sets them."""

    SERVER_OWNED: tuple[str, ...] = (
        "id",
        "created_at",
        "updated_at",
        "deleted_at",
        "version",
        "revision",
        "status_changed_at",
    )

    class Meta:
        unknown = RAISE


class PublishingIn(StrictSchema):
    """The workflow fields every publishable item is written with (articles, topics, series)."""

    status = Text(
        load_default="draft",
        validate=validate.OneOf(
            (*STORED_STATUSES, "scheduled"),
            error="Must be draft, published or scheduled (scheduled: give published_at, a future time it goes live).",
        ),
        metadata=doc(
            "draft, published, or scheduled with a future published_at (published with one is scheduled too).",
            "draft",
        ),
    )
    published_at = Instant(
        allow_none=True,
        load_default=None,  # null or left out: the time it has, or now when it is first published
        metadata=doc(
            f"Publication time, ISO 8601 with an offset, {INSTANT_RANGE}; defaults to now on publishing.",
            "2026-12-01T09:00:00Z",
        ),
    )


class ImageUseIn(StrictSchema):
    """An image to place: its slug in the library, and alt text for this use if its own does not fit."""

    # The same object in every item's input: a PUT of one (see `whole`) does not change its rules.
    SHARED = True

    media = Text(
        required=True, validate=_SLUG, metadata=doc("The image's slug in the library.", "massage-for-low-back-pain")
    )
    alt = optional_text(1000, "Alt text for this use; null keeps the image's own.", None)


def image_use(description: str) -> fields.Nested:
    return fields.Nested(ImageUseIn, allow_none=True, load_default=None, metadata=doc(description))


class ArticleIn(PublishingIn):
    """An article as an editor writes it."""

    SERVER_OWNED = (
        *StrictSchema.SERVER_OWNED,
        "body_html",
        "body_text",
        "toc",
        "reading_time_minutes",
        "seo",
        "series_position",
        "excerpt_derived",
    )

    slug = Text(validate=_SLUG, metadata=doc("URL name; made from the title when absent.", "massage-for-the-ql"))
    title = text(200, "The title.", "Massage For Quadratus Lumborum", required=True)
    excerpt = optional_text(
        1000, "A short summary for lists and cards; null derives one from the body's first sentences.", multiline=True
    )
    body_markdown = Text(
        multiline=True,
        required=True,
        validate=validate.Length(min=1, max=200_000),
        metadata=doc("The body in Markdown (CommonMark); served as sanitized HTML.", "## Heading\n\nA paragraph."),
    )
    seo_title = optional_text(200, "Title for the page's head; the title when null.")
    seo_description = optional_text(320, "Meta description; the excerpt when null.", multiline=True)
    topics = slug_list("Slugs of the topics it is about.", ["quadratus-lumborum"])
    series = Text(
        allow_none=True,
        load_default=None,
        validate=_SLUG,
        metadata=doc(
            "Slug of its series, or null. Joining a series puts it last there; the series orders its articles.",
            "learn-about-massage-for-back-pain",
        ),
    )
    feature_image = image_use("Its feature image from the media library, or null for none.")


class SeriesIn(PublishingIn):
    """A series as an editor writes it."""

    SERVER_OWNED = (*StrictSchema.SERVER_OWNED, "article_count")

    slug = Text(validate=_SLUG, metadata=doc("URL name; made from the title when absent.", "hip-series"))
    title = text(200, "The series' title.", "Learn About Massage For Back Pain", required=True)
    description = optional_text(2000, "What the series is about.", multiline=True)
    articles = fields.List(
        Text(validate=_SLUG),
        validate=validate.Length(max=200),
        metadata=doc(
            "Slugs of its articles in reading order: those named join it (leaving any other series), those not "
            "named leave it. Left out, its articles and their order stay as they are.",
            ["massage-for-quadratus-lumborum"],
        ),
    )


def _passages(description: str) -> fields.List:
    return fields.List(
        text(5000, "A passage.", multiline=True),
        validate=validate.Length(max=50),
        load_default=list,
        metadata=doc(description + " A list of passages."),
    )


class TopicIn(PublishingIn):
    """A muscle-group topic as an editor writes it."""

    slug = Text(validate=_SLUG, metadata=doc("URL name; made from the name when absent.", "gluteus-maximus"))
    name = text(200, "The muscle group's name.", "Gluteus Maximus", required=True)
    aliases = fields.List(
        text(100, "An alias."),
        validate=validate.Length(max=20),
        load_default=list,
        metadata=doc("Other names.", ["glut max"]),
    )
    body_region = optional_text(120, "Where in the body it is.", "hip")
    summary = optional_text(2000, "One or two sentences about it.", multiline=True)
    attachments = _passages("Where it attaches.")
    actions = _passages("What it does.")
    stressors = _passages("What stresses it.")
    signs = _passages("How problems with it show.")
    assessment = _passages("How problems with it are found.")
    care = _passages("What helps.")
    related = slug_list("Slugs of related topics.", ["quadratus-lumborum"])
    image = image_use("Its picture from the media library, or null for none.")


class PhoneIn(StrictSchema):
    display = optional_text(40, "The number as the studio writes it.", "(859) 421-3085")
    e164 = Text(
        allow_none=True,
        load_default=None,
        validate=FullMatch(r"^\+[1-9][0-9]{1,14}$", error="Must be an E.164 number, such as +18594213085."),
        metadata=doc("The number in E.164.", "+18594213085"),
    )


class AddressIn(StrictSchema):
    street_address = optional_text(200, "Street and number.")
    locality = optional_text(120, "City.", "Lexington")
    region = optional_text(120, "State or region.", "KY")
    postal_code = optional_text(20, "Postal code.")
    country = Text(
        allow_none=True,
        load_default=None,
        validate=FullMatch(r"^[A-Z]{2}$", error="Must be an ISO 3166-1 alpha-2 code, such as US."),
        metadata=doc("ISO 3166-1 alpha-2 country code.", "US"),
    )


class HeroSlideIn(StrictSchema):
    headline = text(200, "The slide's headline.", "Great Massage In Lexington KY", required=True)
    subheadline = optional_text(300, "The line beneath it.")
    # Required (null allowed), so that a script that writes slides without knowing of images is a 422,
    # never a silent loss of the pictures the slides had.
    image = fields.Nested(
        ImageUseIn, allow_none=True, required=True, metadata=doc("The slide's picture from the media library, or null.")
    )


def _nested_object(field: fields.Field) -> type[StrictSchema] | None:
    """The input schema of a nested object field (not of a list's items), if the field is one."""
    if isinstance(field, fields.Nested) and isinstance(field.nested, type) and issubclass(field.nested, StrictSchema):
        return field.nested
    return None


def whole(schema: type[StrictSchema]) -> type[StrictSchema]:
    """Make every field of the schema (and of the objects nested in it) required, with no default: a PUT
    that leaves a field out is a 422 naming it, never a silent wipe of what the field held. (null is
    still allowed where the field allows it.) PATCH bodies come from `patch_schema` as usual."""
    for field in schema._declared_fields.values():
        field.required = True
        field.load_default = missing
        nested = _nested_object(field)
        if nested is not None and not getattr(nested, "SHARED", False):
            whole(nested)
    return schema


@whole
class StudioIn(StrictSchema):
    """The studio's details as an admin writes them: a PUT names every one (see `whole`)."""

    name = text(200, "The studio's name.", "Corey Proffitt Studios Massage", required=True)
    tagline = optional_text(300, "A one-line description.")
    about = optional_text(5000, "The about text.", multiline=True)
    highlights = fields.List(
        text(300, "A highlight."), validate=validate.Length(max=20), load_default=list, metadata=doc("Short claims.")
    )
    hero_slides = fields.List(
        fields.Nested(HeroSlideIn),
        validate=validate.Length(max=10),
        load_default=list,
        metadata=doc("Front-page slides."),
    )
    phone = fields.Nested(PhoneIn, load_default=lambda: PhoneIn().load({}), metadata=doc("The phone number."))
    email = fields.Email(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=254),
        metadata=doc("E-mail address.", "hello@example.com"),
    )
    address = fields.Nested(AddressIn, load_default=lambda: AddressIn().load({}), metadata=doc("Where the studio is."))
    logo = image_use("Its logo from the media library, or null for none.")
    time_zone = Text(
        required=True,
        validate=validate.OneOf(TIME_ZONES, error="Must be an IANA time zone, such as America/New_York."),
        metadata=doc("IANA time zone of the studio's hours.", "America/New_York"),
    )


_HH_MM = FullMatch(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error="Must be a time HH:MM, from 00:00 to 23:59.")


class IntervalIn(StrictSchema):
    opens = Text(
        required=True,
        allow_none=True,
        validate=_HH_MM,
        metadata=doc("Opening time HH:MM, or null if unpublished.", "09:00"),
    )
    closes = Text(
        required=True,
        allow_none=True,
        validate=_HH_MM,
        metadata=doc("Closing time HH:MM, or null if unpublished.", "17:00"),
    )

    @validates_schema
    def both_or_neither(self, data, **kwargs):
        if (data.get("opens") is None) != (data.get("closes") is None):
            raise ValidationError("Give both opens and closes, or neither (open at times not published).")
        if data.get("opens") is not None and data["opens"] == data["closes"]:
            raise ValidationError("opens and closes must differ.", "closes")


def _intervals(description: str) -> fields.List:
    return fields.List(
        fields.Nested(IntervalIn), required=True, validate=validate.Length(max=6), metadata=doc(description)
    )


class WeeklyIn(StrictSchema):
    """Each day of the week with its intervals (a PATCH names only the days it changes)."""

    monday = _intervals("The intervals Monday is open; [] when closed.")
    tuesday = _intervals("The intervals Tuesday is open; [] when closed.")
    wednesday = _intervals("The intervals Wednesday is open; [] when closed.")
    thursday = _intervals("The intervals Thursday is open; [] when closed.")
    friday = _intervals("The intervals Friday is open; [] when closed.")
    saturday = _intervals("The intervals Saturday is open; [] when closed.")
    sunday = _intervals("The intervals Sunday is open; [] when closed.")


assert tuple(WeeklyIn._declared_fields) == WEEKDAYS, "one field per day, Monday first"


class HoursIn(StrictSchema):
    """The weekly schedule as an admin writes it: every day, each with its intervals, and its wording."""

    weekly = fields.Nested(
        WeeklyIn, required=True, metadata=doc("Each day of the week, Monday to Sunday, with its intervals.")
    )
    display = fields.List(
        text(100, "A line."),
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=14),
        metadata=doc(
            "The hours in the studio's own words, kept until the schedule next changes without new words. "
            "null (or left out of a PUT) derives them from the schedule, as display_derived then says.",
            ["Mon - Wed", "Fri - Sun"],
        ),
    )


# The longest exception one request makes: a year (a closure longer than that is a change of schedule).
MAX_EXCEPTION_DAYS = 366


class HoursExceptionIn(StrictSchema):
    """A dated change to the weekly hours: one day, or a range of days with the same hours each day."""

    starts_on = fields.Date(required=True, metadata=doc("Its first day, YYYY-MM-DD.", "2026-12-24"))
    ends_on = fields.Date(
        allow_none=True,
        load_default=None,
        metadata=doc(
            f"Its last day, YYYY-MM-DD, at most {MAX_EXCEPTION_DAYS} days on; null or left out for one day.",
            "2026-12-26",
        ),
    )
    note = optional_text(200, "Why the days differ.", "Christmas")
    intervals = _intervals("When the studio is open each of those days; [] when closed.")


@functools.cache
def patch_schema(schema: type[StrictSchema]) -> type[StrictSchema]:
    """The same schema with nothing required and no defaults: the body of a PATCH (and its model in
    the spec). A nested object is patched field by field too; the items of a list stay whole. Made once
    per schema: an object nested in several (an image's use) has one patch model in the spec."""
    optional = {}
    for name, field in schema._declared_fields.items():
        optional_field = copy.copy(field)
        optional_field.required = False
        optional_field.load_default = missing
        nested = _nested_object(field)
        if nested is not None:
            assert isinstance(optional_field, fields.Nested)
            optional_field.nested = patch_schema(nested)
            optional_field._schema = None  # the copy builds its own schema, of the patch class
        optional[name] = optional_field
    return type(schema.__name__.removesuffix("In") + "Patch", (schema,), optional)


StudioPatch = patch_schema(StudioIn)
HoursPatch = patch_schema(HoursIn)
HoursExceptionPatch = patch_schema(HoursExceptionIn)
