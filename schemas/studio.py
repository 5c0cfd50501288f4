"""Schemas of the studio and its opening hours."""

from marshmallow import Schema, fields, validate

from models.studio import WEEKDAYS
from schemas.common import (
    INSTANT_RANGE,
    Instant,
    Out,
    PageQuery,
    UtcDateTime,
    WallTime,
    doc,
    item_envelope,
    list_envelope,
)
from schemas.media import ImageUse, PlacedImage

_IMAGE_DOC = "ready for a responsive `<img>` (null when it has none, or the image was deleted)."


class Phone(Out):
    display = fields.String(allow_none=True, metadata=doc("The number as the studio writes it.", "(859) 421-3085"))
    e164 = fields.String(allow_none=True, metadata=doc("The number in E.164, for tel: links.", "+18594213085"))


class Address(Out):
    street_address = fields.String(allow_none=True, metadata=doc("Street and number; null where unpublished."))
    locality = fields.String(allow_none=True, metadata=doc("City.", "Lexington"))
    region = fields.String(allow_none=True, metadata=doc("State or region.", "KY"))
    postal_code = fields.String(allow_none=True, metadata=doc("Postal code; null where unpublished."))
    country = fields.String(allow_none=True, metadata=doc("ISO 3166-1 alpha-2 country code.", "US"))


class HeroSlide(Out):
    headline = fields.String(metadata=doc("The slide's headline.", "Great Massage In Lexington KY"))
    subheadline = fields.String(
        allow_none=True, metadata=doc("The line beneath it.", "Welcome To Corey Proffitt Studios Massage")
    )
    image = fields.Nested(PlacedImage, allow_none=True, metadata=doc(f"The slide's picture, {_IMAGE_DOC}"))


class StudioOut(Out):
    """The studio's contact details, location and front-page content."""

    name = fields.String(metadata=doc("The studio's name.", "Corey Proffitt Studios Massage"))
    tagline = fields.String(allow_none=True, metadata=doc("A one-line description.", "Great Massage In Lexington KY"))
    about = fields.String(allow_none=True, metadata=doc("The studio's about text."))
    highlights = fields.List(
        fields.String(),
        metadata=doc("Short claims worth showing off.", ["Voted Lexington's best massage by consumers!"]),
    )
    logo = fields.Nested(
        PlacedImage, attribute="visible_logo", allow_none=True, metadata=doc(f"The studio's logo, {_IMAGE_DOC}")
    )
    hero_slides = fields.List(
        fields.Nested(HeroSlide), attribute="visible_hero_slides", metadata=doc("The front page's slides, in order.")
    )
    phone = fields.Nested(Phone, metadata=doc("The phone number, as displayed and in E.164."))
    email = fields.String(allow_none=True, metadata=doc("E-mail address; null where unpublished."))
    address = fields.Nested(Address, metadata=doc("Where the studio is; unknown parts are null."))
    time_zone = fields.String(
        metadata=doc("The studio's IANA time zone, in which its hours are given.", "America/New_York")
    )
    updated_at = UtcDateTime(metadata=doc("When it last changed (UTC).", "2026-11-23T18:00:00Z"))


class HeroSlideSnapshot(HeroSlide):
    image = fields.Nested(ImageUse, allow_none=True)


class StudioSnapshot(StudioOut):
    """What a revision keeps of the studio: its fields as read, its images as which image and which alt
    text (not their files, whose URLs depend on the host): what a restore writes back."""

    logo = fields.Nested(ImageUse, attribute="live_logo", allow_none=True)
    hero_slides = fields.List(fields.Nested(HeroSlideSnapshot), attribute="live_hero_slides")


STUDIO_SNAPSHOT = StudioSnapshot()


class OpeningIntervalOut(Out):
    opens = WallTime(
        allow_none=True, metadata=doc("Opening time, HH:MM; null when open at times not published.", "09:00")
    )
    closes = WallTime(
        allow_none=True, metadata=doc("Closing time, HH:MM; null when open at times not published.", "17:00")
    )


class WeeklyDay(Out):
    day = fields.String(
        validate=validate.OneOf(WEEKDAYS),
        metadata=doc("Day of the week, lowercase English; the list starts on Monday.", "monday"),
    )
    closed = fields.Boolean(metadata=doc("True when the studio is closed that day.", False))
    intervals = fields.List(
        fields.Nested(OpeningIntervalOut),
        metadata=doc("When it is open; one interval with null times means open at times not published."),
    )


class HoursExceptionOut(Out):
    """A dated change to the weekly hours, from its first day to its last (both included)."""

    starts_on = fields.Date(metadata=doc("Its first day, YYYY-MM-DD; it names the exception.", "2026-12-24"))
    ends_on = fields.Date(metadata=doc("Its last day, YYYY-MM-DD (the first, for one day).", "2026-12-26"))
    note = fields.String(allow_none=True, metadata=doc("Why the days differ.", "Christmas"))
    closed = fields.Boolean(metadata=doc("True when the studio is closed those days.", True))
    intervals = fields.List(fields.Nested(OpeningIntervalOut), metadata=doc("When it is open each of those days."))


class HoursOut(Out):
    """The weekly schedule, dated exceptions, and whether the studio is open now."""

    time_zone = fields.String(metadata=doc("The IANA time zone the times are in.", "America/New_York"))
    open_now = fields.Boolean(
        allow_none=True,
        metadata=doc("Whether the studio is open at as_of; null when it is open that day at unpublished times."),
    )
    next_opening = UtcDateTime(allow_none=True, metadata=doc("The next opening (UTC); null when unknown."))
    next_closing = UtcDateTime(allow_none=True, metadata=doc("The next closing (UTC); null when unknown."))
    weekly = fields.List(fields.Nested(WeeklyDay), metadata=doc("Seven days, Monday first."))
    exceptions = fields.List(
        fields.Nested(HoursExceptionOut),
        metadata=doc("Dated changes lasting until today or later, in date order (all of them: /hours/exceptions)."),
    )
    display = fields.List(
        fields.String(),
        metadata=doc(
            "The hours in words: the studio's own, or derived from the schedule (display_derived).",
            ["Mon - Wed", "Fri - Sun"],
        ),
    )
    display_derived = fields.Boolean(
        metadata=doc(
            "True when display was made from the weekly schedule; false when an admin gave it (it is derived "
            "again whenever the schedule changes without new words).",
            False,
        )
    )


class HoursQuery(Schema):
    at = Instant(
        clamp=True,
        metadata=doc(
            "Compute open_now for this moment instead of now (ISO 8601 with an offset; a time not "
            f"{INSTANT_RANGE} is taken as the nearer end).",
            "2026-11-26T15:00:00Z",
        ),
    )


class HoursExceptionQuery(PageQuery):
    """Query parameters of the list of dated exceptions."""

    since = fields.Date(metadata=doc("Only exceptions lasting until this day or later (YYYY-MM-DD).", "2026-12-01"))
    until = fields.Date(metadata=doc("Only exceptions starting on this day or earlier (YYYY-MM-DD).", "2026-12-31"))


StudioEnvelope = item_envelope("StudioItem", StudioOut)
HoursEnvelope = item_envelope("HoursItem", HoursOut)
HoursExceptionEnvelope = item_envelope("HoursExceptionItem", HoursExceptionOut)
HoursExceptionListEnvelope = list_envelope("HoursExceptionList", HoursExceptionOut)
