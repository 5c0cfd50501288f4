"""Input schemas: what admins may send, validated strictly.

Unknown fields are refused, and so are the fields the server owns (a 422 that
says so, rather than a silent drop). Every string refuses NUL characters and
lone surrogates, which no database should store and PostgreSQL cannot.
"""

import re
from zoneinfo import available_timezones

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from models.content import ARTICLE_STATUSES
from models.studio import WEEKDAYS
from schemas.common import SLUG_PATTERN, doc

_UNSAFE_CHARACTERS = re.compile(r"[\x00\ud800-\udfff]")
# Lists of validators rather than validate.And, so that apispec can put their limits in the spec.
_SLUG = [
    validate.Length(min=1, max=120),
    validate.Regexp(SLUG_PATTERN, error="Must be a slug: lowercase letters and digits, joined by single hyphens."),
]

_TIME_ZONES = frozenset(available_timezones())


def _is_time_zone(name: str) -> None:
    # The spec gives the names' shape; which names exist is the IANA database's to say.
    if name not in _TIME_ZONES:
        raise ValidationError("Must be an IANA time zone, such as America/New_York.")




class Text(fields.String):
    """A string without NUL characters or lone surrogates.

    The spec does not carry this as a pattern: a character class spanning the surrogate gap is
    more than schemathesis' generators (and some clients' regex engines) handle in reasonable time.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if _UNSAFE_CHARACTERS.search(text):
            raise ValidationError("Must not contain NUL characters or unpaired surrogates.")
        return text


def text(max_length: int, description: str, example=None, required=False, allow_none=False, min_length=1):
    return Text(
        required=required,
        allow_none=allow_none,
        validate=validate.Length(min=min_length, max=max_length),
        metadata=doc(description, example),
    )


def slug_list(description: str, example=None):
    return fields.List(
        Text(validate=_SLUG), validate=validate.Length(max=50), metadata=doc(description, example)
    )


class StrictSchema(Schema):
    """Refuses unknown fields; `SERVER_OWNED` names those refused because the server sets them."""

    SERVER_OWNED = ("id", "created_at", "updated_at", "deleted_at", "version", "revision", "status_changed_at")

    class Meta:
        unknown = RAISE


class ArticleIn(StrictSchema):
    """An article as an editor writes it."""

    SERVER_OWNED = StrictSchema.SERVER_OWNED + ("body_html", "body_text", "toc", "reading_time_minutes", "seo")

    slug = Text(validate=_SLUG, metadata=doc("URL name; made from the title when absent.", "massage-for-the-ql"))
    title = text(200, "The title.", "Massage For Quadratus Lumborum", required=True)
    excerpt = text(1000, "A short summary for lists and cards.", allow_none=True)
    body_markdown = Text(
        required=True,
        validate=validate.Length(min=1, max=200_000),
        metadata=doc("The body in Markdown (CommonMark); served as sanitized HTML.", "## Heading\n\nA paragraph."),
    )
    status = Text(
        load_default="draft",
        validate=validate.OneOf(ARTICLE_STATUSES),
        metadata=doc("draft or published; published with a future published_at is scheduled.", "draft"),
    )
    published_at = fields.AwareDateTime(
        allow_none=True,
        metadata=doc("Publication time, ISO 8601 with an offset; defaults to now on publishing.", "2026-12-01T09:00:00Z"),
    )
    seo_title = text(200, "Title for the page's head; the title when null.", allow_none=True)
    seo_description = text(320, "Meta description; the excerpt when null.", allow_none=True)
    topics = slug_list("Slugs of the topics it is about.", ["quadratus-lumborum"])
    series = Text(allow_none=True, validate=_SLUG, metadata=doc("Slug of its series, or null.", "learn-about-massage-for-back-pain"))


def _passages(description: str):
    return fields.List(
        text(5000, "A passage."), validate=validate.Length(max=50), metadata=doc(description + " A list of passages.")
    )


class TopicIn(StrictSchema):
    """A muscle-group topic as an editor writes it."""

    slug = Text(validate=_SLUG, metadata=doc("URL name; made from the name when absent.", "gluteus-maximus"))
    name = text(200, "The muscle group's name.", "Gluteus Maximus", required=True)
    aliases = fields.List(text(100, "An alias."), validate=validate.Length(max=20), metadata=doc("Other names.", ["glut max"]))
    body_region = text(120, "Where in the body it is.", "hip", allow_none=True)
    summary = text(2000, "One or two sentences about it.", allow_none=True)
    attachments = _passages("Where it attaches.")
    actions = _passages("What it does.")
    stressors = _passages("What stresses it.")
    signs = _passages("How problems with it show.")
    assessment = _passages("How problems with it are found.")
    care = _passages("What helps.")
    related = slug_list("Slugs of related topics.", ["quadratus-lumborum"])


class PhoneIn(StrictSchema):
    display = text(40, "The number as the studio writes it.", "(859) 421-3085", allow_none=True)
    e164 = Text(
        allow_none=True,
        validate=validate.Regexp(r"^\+[1-9][0-9]{1,14}$", error="Must be an E.164 number, such as +18594213085."),
        metadata=doc("The number in E.164.", "+18594213085"),
    )


class AddressIn(StrictSchema):
    street_address = text(200, "Street and number.", allow_none=True)
    locality = text(120, "City.", "Lexington", allow_none=True)
    region = text(120, "State or region.", "KY", allow_none=True)
    postal_code = text(20, "Postal code.", allow_none=True)
    country = Text(
        allow_none=True,
        validate=validate.Regexp(r"^[A-Z]{2}$", error="Must be an ISO 3166-1 alpha-2 code, such as US."),
        metadata=doc("ISO 3166-1 alpha-2 country code.", "US"),
    )


class HeroSlideIn(StrictSchema):
    headline = text(200, "The slide's headline.", "Great Massage In Lexington KY", required=True)
    subheadline = text(300, "The line beneath it.", allow_none=True)


class StudioIn(StrictSchema):
    """The studio's details as an admin writes them."""

    name = text(200, "The studio's name.", "Corey Proffitt Studios Massage", required=True)
    tagline = text(300, "A one-line description.", allow_none=True)
    about = text(5000, "The about text.", allow_none=True)
    highlights = fields.List(text(300, "A highlight."), validate=validate.Length(max=20), metadata=doc("Short claims."))
    hero_slides = fields.List(fields.Nested(HeroSlideIn), validate=validate.Length(max=10), metadata=doc("Front-page slides."))
    phone = fields.Nested(PhoneIn, metadata=doc("The phone number."))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254), metadata=doc("E-mail address.", "hello@example.com"))
    address = fields.Nested(AddressIn, metadata=doc("Where the studio is."))
    time_zone = Text(
        required=True,
        validate=[validate.Regexp(r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*$"), _is_time_zone],
        metadata=doc("IANA time zone of the studio's hours.", "America/New_York"),
    )


_HH_MM = validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error="Must be a time HH:MM, from 00:00 to 23:59.")


class IntervalIn(StrictSchema):
    opens = Text(required=True, allow_none=True, validate=_HH_MM, metadata=doc("Opening time HH:MM, or null if unpublished.", "09:00"))
    closes = Text(required=True, allow_none=True, validate=_HH_MM, metadata=doc("Closing time HH:MM, or null if unpublished.", "17:00"))

    @validates_schema
    def both_or_neither(self, data, **kwargs):
        if (data.get("opens") is None) != (data.get("closes") is None):
            raise ValidationError("Give both opens and closes, or neither (open at times not published).")
        if data.get("opens") is not None and data["opens"] == data["closes"]:
            raise ValidationError("opens and closes must differ.", "closes")


def _intervals(description: str):
    return fields.List(
        fields.Nested(IntervalIn), required=True, validate=validate.Length(max=6), metadata=doc(description)
    )


WeeklyIn = Schema.from_dict(
    {day: _intervals(f"The intervals {day.capitalize()} is open; [] when closed.") for day in WEEKDAYS},
    name="WeeklyIn",
)
WeeklyIn.Meta.unknown = RAISE


class HoursIn(StrictSchema):
    """The weekly schedule as an admin writes it: every day, each with its intervals."""

    weekly = fields.Nested(WeeklyIn, required=True, metadata=doc("Each day of the week, Monday to Sunday, with its intervals."))
    display = fields.List(
        text(100, "A line."), validate=validate.Length(max=14), metadata=doc("The hours as the studio words them.", ["Mon - Fri 9 - 5"])
    )


class HoursExceptionIn(StrictSchema):
    """A dated change to the weekly hours."""

    date = fields.Date(required=True, metadata=doc("The date, YYYY-MM-DD.", "2026-12-25"))
    note = text(200, "Why the day differs.", "Christmas Day", allow_none=True)
    intervals = _intervals("When the studio is open that day; [] when closed.")


def patch_schema(schema: type[StrictSchema]) -> type[StrictSchema]:
    """The same schema with no field required: the body of a PATCH (and its model in the spec)."""
    optional = {}
    for name, field in schema._declared_fields.items():
        copy = field.__class__.__new__(field.__class__)
        copy.__dict__.update(field.__dict__)
        copy.required = False
        optional[name] = copy
    return type(schema.__name__.removesuffix("In") + "Patch", (schema,), optional)


ArticlePatch = patch_schema(ArticleIn)
TopicPatch = patch_schema(TopicIn)
StudioPatch = patch_schema(StudioIn)
