"""The studio's details and opening hours: public reads, and an admin's writes."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_restx import Namespace, Resource
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.http import http_date

from api.caching.content_version import content_headers, current_content_version
from api.caching.response_cache import cached_read, expire_cached_response_at
from api.collection.images import image_of
from api.collection.operations import find_revision, revision_page
from api.collection.structured_data import JSON_LD_MEDIA_TYPE, image_object, json_ld_response, studio_reference
from api.spec import REQUEST_EXAMPLE, body, documented_write, problems, query, refuses_valid_input, schema_model
from api.web.auth import key_name, require_role
from api.web.errors import PROBLEM_MEDIA_TYPE, ProblemError
from api.web.requests import load_body, load_query
from api.web.responses import ViewAnswer, check_if_match, item_response, not_found, paginate, tag_response
from api.web.routing import url_of
from models import ExceptionInterval, HoursException, OpeningInterval, Studio, db
from models.events import surrogate_key
from models.hours import HORIZON_DAYS, Interval, derived_display, hours_status
from models.revisions import record_revision
from models.studio import WEEKDAYS, exceptions_from, hours_snapshot, overlapping_exception, weekly_intervals
from models.types import utcnow
from schemas.common import NoQuery, PageQuery
from schemas.content import RevisionListEnvelope
from schemas.input import (
    MAX_EXCEPTION_DAYS,
    HoursExceptionIn,
    HoursExceptionPatch,
    HoursIn,
    HoursPatch,
    StrictSchema,
    StudioIn,
    StudioPatch,
)
from schemas.studio import (
    STUDIO_SNAPSHOT,
    HoursEnvelope,
    HoursExceptionEnvelope,
    HoursExceptionListEnvelope,
    HoursExceptionOut,
    HoursExceptionQuery,
    HoursOut,
    HoursQuery,
    StudioEnvelope,
    StudioOut,
)
from seed_data import seeded_bodies

ns = Namespace("studio", description="The studio's contact details, location and opening hours")
KEY = {"security": "bearer"}
_CHANGE = (400, 401, 403, 404, 412, 413, 415, 422)
# The request examples: the studio and its hours as seeded (executed as offered, they change nothing new).
_SEEDED = seeded_bodies()
_WHOLE, _ONLY = "The whole item as JSON; fields left out take their defaults.", "Only the fields to change, as JSON."
# What a schema-valid body may still be refused for (see api.spec.refuses_valid_input).
_INTERVAL_REFUSAL = {422: "An interval gives opens without closes or the other way round, or the two are equal."}
_STUDIO_OUT, _HOURS_OUT, _EXCEPTION_OUT = StudioOut(), HoursOut(), HoursExceptionOut()
# The revision trails of the studio's details, of its weekly hours and of their dated exceptions (item
# types in models.revisions and the audit log).
STUDIO, HOURS, EXCEPTIONS = "studio", "hours", "hours exception"


def _the_studio() -> Studio:
    studio = db.session.scalar(select(Studio).limit(1))
    if studio is None:
        raise not_found("The studio's details have not been set up yet; run `flask --app wsgi seed`.")
    return studio


def _commit(what: str, snapshot: dict[str, Any], item_id: int, action: str = "updated") -> None:
    """Record the change as a revision and commit; a lost race is a 412."""
    record_revision(what, item_id, snapshot, action, key_name())
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise ProblemError(412, f"The {what} changed meanwhile; fetch it again and retry.") from None


def _intervals_out(intervals: Iterable[Interval | OpeningInterval | ExceptionInterval]) -> list[dict[str, Any]]:
    return [{"opens": interval.opens, "closes": interval.closes} for interval in intervals]


def _exception_fields(exception: HoursException) -> dict[str, Any]:
    return {
        "starts_on": exception.starts_on,
        "ends_on": exception.ends_on,
        "note": exception.note,
        "closed": not exception.intervals,
        "intervals": _intervals_out(exception.intervals),
    }


def _exception_out(exception: HoursException) -> dict[str, Any]:
    dumped: dict[str, Any] = _EXCEPTION_OUT.dump(_exception_fields(exception))
    return dumped


def _wall_time(value: str | None) -> time | None:
    return None if value is None else time.fromisoformat(value)


def change_hours(studio: Studio, data: dict[str, Any]) -> None:
    """Make the days validated input names (all seven for a PUT) have its intervals, and settle the
    wording: words given are the studio's own; null, or a schedule changed without new words, derives
    them from the schedule, so that they never describe hours the studio no longer keeps."""
    days = data.get("weekly", {})
    for weekday, name in enumerate(WEEKDAYS):
        if name not in days:
            continue
        db.session.execute(delete(OpeningInterval).where(OpeningInterval.weekday == weekday))
        for interval in days[name]:
            db.session.add(
                OpeningInterval(
                    weekday=weekday, opens=_wall_time(interval["opens"]), closes=_wall_time(interval["closes"])
                )
            )
    db.session.flush()
    if data.get("display") is not None:
        studio.hours_display, studio.hours_display_derived = data["display"], False
    elif "display" in data or days:
        studio.hours_display, studio.hours_display_derived = derived_display(weekly_intervals()), True
    studio.updated_at = utcnow()  # bumps the studio's version: two concurrent changes cannot both win
    db.session.flush()


def apply_studio_input(studio: Studio, data: dict[str, Any]) -> None:
    """Copy validated input onto the studio; the phone and the address are stored as columns, the logo
    and the slides' images as library ids (422 for an image the library does not have)."""
    if "logo" in data:
        studio.logo, studio.logo_alt = image_of(data.pop("logo"), "logo", studio.logo, studio.logo_alt)
    if "hero_slides" in data:
        slides = []
        for number, slide in enumerate(data.pop("hero_slides")):
            image, alt = image_of(slide.pop("image", None), f"hero_slides.{number}.image")
            slides.append({**slide, "image_id": image.media_id if image else None, "image_alt": alt})
        studio.hero_slides = slides
    for field, value in (data.pop("phone", None) or {}).items():
        setattr(studio, f"phone_{field}", value)
    for field, value in (data.pop("address", None) or {}).items():
        setattr(studio, field, value)
    for field, value in data.items():
        setattr(studio, field, value)


def studio_input(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A revision's or an export's studio as the body of a PUT: its images are null where it was kept
    before the studio had any."""
    body = {name: snapshot[name] for name in StudioIn().fields if name in snapshot}
    body.setdefault("logo", None)
    body["hero_slides"] = [{"image": None, **slide} for slide in body.get("hero_slides", [])]
    return body


def _opening_hours(weekly: dict[int, list[Interval]]) -> list[dict[str, Any]]:
    specifications: list[dict[str, Any]] = []
    for weekday, day_name in enumerate(WEEKDAYS):
        day = f"https://schema.org/{day_name.capitalize()}"
        intervals = weekly[weekday]
        if not intervals:
            # schema.org's way of saying "closed all day".
            specifications.append(
                {"@type": "OpeningHoursSpecification", "dayOfWeek": day, "opens": "00:00", "closes": "00:00"}
            )
        for interval in intervals:
            specification: dict[str, Any] = {"@type": "OpeningHoursSpecification", "dayOfWeek": day}
            if interval.opens is not None and interval.closes is not None:
                specification |= {
                    "opens": interval.opens.strftime("%H:%M"),
                    "closes": interval.closes.strftime("%H:%M"),
                }
            specifications.append(specification)
    return specifications


def studio_document(studio: Studio, weekly: dict[int, list[Interval]]) -> dict[str, Any]:
    """The studio as schema.org JSON-LD (a LocalBusiness), with what is known of its opening hours."""
    return {
        **studio_reference(studio),
        "slogan": studio.tagline,
        "description": studio.about,
        "telephone": studio.phone_e164,
        "email": studio.email,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": studio.street_address,
            "addressLocality": studio.locality,
            "addressRegion": studio.region,
            "postalCode": studio.postal_code,
            "addressCountry": studio.country,
        },
        "openingHoursSpecification": _opening_hours(weekly),
        "image": [image_object(slide["image"]) for slide in studio.visible_hero_slides if slide["image"]] or None,
    }


def hours_document(at: datetime) -> tuple[dict[str, Any], datetime, datetime]:
    """The hours as served (weekly, exceptions from today on, whether the studio is open at `at`),
    when that last changed (a write, or an opening, closing or midnight that flipped open_now) and
    when it next changes by itself."""
    studio = _the_studio()
    zone = ZoneInfo(studio.time_zone)
    weekly = weekly_intervals()
    today = at.astimezone(zone).date()
    # From the day before, so that an exception's interval running past midnight counts.
    first, last = today - timedelta(days=1), today + timedelta(days=HORIZON_DAYS + 1)
    exceptions = exceptions_from(first)
    by_day = {
        day: [Interval(i.opens, i.closes) for i in exception.intervals]
        for exception in exceptions
        for day in exception.days(first, last)
    }
    status = hours_status(weekly, by_day, zone, at)
    document = _HOURS_OUT.dump(
        {
            "time_zone": studio.time_zone,
            "open_now": status.open_now,
            "next_opening": status.next_opening,
            "next_closing": status.next_closing,
            "weekly": [
                {"day": name, "closed": not weekly[weekday], "intervals": _intervals_out(weekly[weekday])}
                for weekday, name in enumerate(WEEKDAYS)
            ],
            "exceptions": [_exception_fields(exception) for exception in exceptions if exception.ends_on >= today],
            "display": studio.hours_display,
            "display_derived": studio.hours_display_derived,
        }
    )
    assert status.last_change is not None and status.next_change is not None, "hours_status always sets both"
    return document, max(current_content_version().last_modified, status.last_change), status.next_change


@ns.route("")
class StudioItem(Resource):
    @ns.response(200, "The studio's details.", schema_model(StudioEnvelope))
    @problems(ns, 400, 404)
    @cached_read
    def get(self):
        """Show the studio's contact details, location, about text and front-page slides."""
        load_query(NoQuery)
        tag_response([surrogate_key(STUDIO)])
        return item_response(_STUDIO_OUT.dump(_the_studio()))

    @documented_write(ns, StudioIn, _WHOLE, "Replaced.", schema_model(StudioEnvelope), _CHANGE, None, _SEEDED["studio"])
    def put(self) -> ViewAnswer:
        """Replace the studio's details (admin); fields left out become null or empty."""
        return self._change(partial=False)

    @documented_write(
        ns,
        StudioPatch,
        _ONLY,
        "Updated.",
        schema_model(StudioEnvelope),
        _CHANGE,
        None,
        {"tagline": _SEEDED["studio"]["tagline"]},
    )
    def patch(self) -> ViewAnswer:
        """Change some of the studio's details (admin)."""
        return self._change(partial=True)

    @staticmethod
    def _change(partial: bool) -> ViewAnswer:
        require_role("admin")
        studio = _the_studio()
        check_if_match(_STUDIO_OUT.dump(studio))
        apply_studio_input(studio, load_body(StudioPatch() if partial else StudioIn(), partial=partial))
        db.session.flush()
        _commit(STUDIO, STUDIO_SNAPSHOT.dump(studio), studio.studio_id)
        return item_response(_STUDIO_OUT.dump(studio))


@ns.route("/structured-data")
class StudioStructuredData(Resource):
    @ns.produces([JSON_LD_MEDIA_TYPE, PROBLEM_MEDIA_TYPE])
    @ns.response(200, "schema.org HealthAndBeautyBusiness JSON-LD with what is known of its opening hours.")
    @problems(ns, 404)
    @cached_read
    def get(self):
        """Show the studio as schema.org JSON-LD (a LocalBusiness), to paste into a page's head."""
        tag_response([surrogate_key(STUDIO), surrogate_key(HOURS)])
        return json_ld_response(studio_document(_the_studio(), weekly_intervals()))


@ns.route("/hours")
class OpeningHours(Resource):
    @query(ns, HoursQuery)
    @ns.response(200, "The weekly hours, exceptions, and whether the studio is open.", schema_model(HoursEnvelope))
    @problems(ns, 400, 404)
    @cached_read
    def get(self):
        """Show the opening hours and whether the studio is open now, in its own time zone."""
        args = load_query(HoursQuery)
        tag_response([surrogate_key(HOURS)])
        document, last_modified, next_change = hours_document(args.get("at") or utcnow())
        # Served for "now", the answer holds until the next opening, closing or midnight.
        expire_cached_response_at(None if "at" in args else next_change)
        return item_response(document, headers={"Last-Modified": http_date(last_modified)})

    @documented_write(
        ns,
        HoursIn,
        "Every day of the week, each with its intervals ([] when closed), and optionally their wording.",
        "The new hours.",
        schema_model(HoursEnvelope),
        _CHANGE,
        _INTERVAL_REFUSAL,
        _SEEDED["hours"],
    )
    def put(self) -> ViewAnswer:
        """Replace the weekly hours (admin): every day, each with its intervals ([] when closed)."""
        return self._change(HoursIn())

    @documented_write(
        ns,
        HoursPatch,
        "Only the days to change (each with all its intervals), and or the wording.",
        "The changed hours.",
        schema_model(HoursEnvelope),
        _CHANGE,
        _INTERVAL_REFUSAL,
        {"display": _SEEDED["hours"]["display"]},
    )
    def patch(self) -> ViewAnswer:
        """Change some days of the weekly hours, or their wording (admin); the days not named stay."""
        return self._change(HoursPatch(), partial=True)

    @staticmethod
    def _change(schema: StrictSchema, partial: bool = False) -> ViewAnswer:
        require_role("admin")
        studio = _the_studio()
        check_if_match(hours_document(utcnow())[0])
        change_hours(studio, load_body(schema, partial=partial))
        _commit(HOURS, hours_snapshot(studio), studio.studio_id)
        return item_response(hours_document(utcnow())[0])


_EXCEPTION_REFUSALS = {
    **_INTERVAL_REFUSAL,
    409: "The days overlap another exception's (change that one, or remove it first).",
    422: f"ends_on is before starts_on, or more than {MAX_EXCEPTION_DAYS} days after it; or "
    + _INTERVAL_REFUSAL[422][0].lower()
    + _INTERVAL_REFUSAL[422][1:],
}


# The request example: Christmas, from the eve to Boxing Day, closed.
_EXCEPTION_EXAMPLE = {"starts_on": "2026-12-24", "ends_on": "2026-12-26", "note": "Christmas", "intervals": []}


def apply_exception(exception: HoursException, data: dict[str, Any]) -> None:
    """Copy validated input onto an exception: 422 for a range that runs backwards or too long, 409 for
    one that overlaps another exception."""
    if "starts_on" in data:
        exception.starts_on = data["starts_on"]
    if "ends_on" in data or exception.ends_on is None:
        exception.ends_on = data.get("ends_on") or exception.starts_on
    if exception.ends_on < exception.starts_on:
        errors = {"ends_on": ["Must be starts_on or a later day."]}
        raise ProblemError(422, "The exception ends before it starts.", errors=errors)
    if (exception.ends_on - exception.starts_on).days >= MAX_EXCEPTION_DAYS:
        errors = {"ends_on": [f"Must be at most {MAX_EXCEPTION_DAYS} days on from starts_on."]}
        raise ProblemError(422, f"An exception lasts at most {MAX_EXCEPTION_DAYS} days.", errors=errors)
    if "note" in data:
        exception.note = data["note"]
    if "intervals" in data:
        exception.intervals = [
            ExceptionInterval(opens=_wall_time(i["opens"]), closes=_wall_time(i["closes"])) for i in data["intervals"]
        ]
    with db.session.no_autoflush:
        other = overlapping_exception(exception.starts_on, exception.ends_on, exception.exception_id)
    if other is not None:
        raise ProblemError(
            409,
            f"Those days overlap the exception from {other.starts_on.isoformat()} to {other.ends_on.isoformat()}: "
            f"change it at {url_of(HoursExceptionItem, day=other.starts_on.isoformat())}, or remove it first.",
        )


def _save_exception(studio: Studio, exception: HoursException, action: str) -> ViewAnswer:
    try:
        db.session.flush()
    except IntegrityError:  # another request took the first day meanwhile
        db.session.rollback()
        raise ProblemError(409, f"{exception.starts_on.isoformat()} already starts an exception.") from None
    except StaleDataError:
        db.session.rollback()
        raise ProblemError(412, "The exception changed meanwhile; fetch it again and retry.") from None
    body = _exception_out(exception)
    _commit(EXCEPTIONS, body, studio.studio_id, action)
    return item_response(body)


@ns.route("/hours/exceptions")
class HoursExceptionList(Resource):
    @query(ns, HoursExceptionQuery)
    @ns.response(200, "Dated exceptions, past ones too, by first day.", schema_model(HoursExceptionListEnvelope))
    @problems(ns, 400)
    @cached_read
    def get(self) -> ViewAnswer:
        """List the dated exceptions to the weekly hours by first day, past ones too (since, until narrow it)."""
        args = load_query(HoursExceptionQuery)
        tag_response([surrogate_key(HOURS)])
        exceptions = select(HoursException).order_by(HoursException.starts_on)
        if "since" in args:
            exceptions = exceptions.where(HoursException.ends_on >= args["since"])
        if "until" in args:
            exceptions = exceptions.where(HoursException.starts_on <= args["until"])
        page, meta, links, headers = paginate(exceptions, args["page"], args["per_page"])
        body = {"data": [_exception_out(exception) for exception in page], "meta": meta, "links": links}
        return body, 200, {**headers, **content_headers()}

    @ns.doc(**KEY, **{REQUEST_EXAMPLE: _EXCEPTION_EXAMPLE})
    @ns.expect(
        body(
            HoursExceptionIn,
            "The first and last day (ends_on left out: one day), a note, and the intervals open each day "
            "([] when closed).",
        )
    )
    @ns.response(201, "Added; Location names it (by its first day).", schema_model(HoursExceptionEnvelope))
    @problems(ns, 400, 401, 403, 404, 409, 413, 415, 422)
    @refuses_valid_input(ns, _EXCEPTION_REFUSALS)
    def post(self) -> ViewAnswer:
        """Add a dated exception to the weekly hours, one day or a range (a holiday, a vacation week) (admin)."""
        require_role("admin")
        studio = _the_studio()
        exception = HoursException()
        apply_exception(exception, load_body(HoursExceptionIn()))
        db.session.add(exception)
        answer, _status, headers = _save_exception(studio, exception, "added")
        location = url_of(HoursExceptionItem, day=exception.starts_on.isoformat())
        return answer, 201, {**headers, "Location": location}


def _find_exception(day: str) -> HoursException:
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        raise not_found(f"'{day}' is not a date YYYY-MM-DD.") from None
    exception = db.session.scalar(select(HoursException).where(HoursException.starts_on == wanted))
    if exception is None:
        covering = overlapping_exception(wanted, wanted, None)
        if covering is not None:
            first = covering.starts_on.isoformat()
            raise not_found(f"No exception starts on {day}; the one covering it starts on {first}.")
        raise not_found(f"No exception starts on {day}.")
    return exception


@ns.route("/hours/exceptions/<string:day>")
@ns.param("day", "The exception's first day, YYYY-MM-DD", example="2026-12-25")
class HoursExceptionItem(Resource):
    @ns.response(200, "The exception.", schema_model(HoursExceptionEnvelope))
    @problems(ns, 400, 404)
    def get(self, day: str) -> ViewAnswer:
        """Show one dated exception to the weekly hours, by its first day."""
        load_query(NoQuery)
        return item_response(_exception_out(_find_exception(day)))

    @documented_write(
        ns,
        HoursExceptionIn,
        "The whole exception: its days, note and intervals (a note left out becomes null).",
        "Replaced.",
        schema_model(HoursExceptionEnvelope),
        (*_CHANGE, 409),
        _EXCEPTION_REFUSALS,
        None,
    )
    def put(self, day: str) -> ViewAnswer:
        """Replace a dated exception (admin); its first day may move, and Location then names it."""
        return self._change(day, HoursExceptionIn())

    @documented_write(
        ns,
        HoursExceptionPatch,
        "Only what changes: its days, its note, its intervals.",
        "Updated.",
        schema_model(HoursExceptionEnvelope),
        (*_CHANGE, 409),
        _EXCEPTION_REFUSALS,
        None,  # no exception is seeded: there is no item an example could be sent to as it is
    )
    def patch(self, day: str) -> ViewAnswer:
        """Change some of a dated exception (admin): extend it, move it, change its note or its intervals."""
        return self._change(day, HoursExceptionPatch(), partial=True)

    @staticmethod
    def _change(day: str, schema: StrictSchema, partial: bool = False) -> ViewAnswer:
        require_role("admin")
        studio = _the_studio()
        exception = _find_exception(day)
        check_if_match(_exception_out(exception))
        apply_exception(exception, load_body(schema, partial=partial))
        answer, status, headers = _save_exception(studio, exception, "changed")
        if exception.starts_on.isoformat() != day:
            headers = {**headers, "Location": url_of(HoursExceptionItem, day=exception.starts_on.isoformat())}
        return answer, status, headers

    @ns.doc(**KEY)
    @ns.response(204, "Removed.")
    @problems(ns, 401, 403, 404, 412)
    def delete(self, day: str) -> tuple[str, int]:
        """Remove a dated exception (admin)."""
        require_role("admin")
        studio = _the_studio()
        exception = _find_exception(day)
        body = _exception_out(exception)
        check_if_match(body)
        db.session.delete(exception)
        _commit(EXCEPTIONS, body, studio.studio_id, "removed")
        return "", 204


def _revision_list(what: str) -> ViewAnswer:
    require_role("admin")
    return revision_page(what, _the_studio().studio_id)


def _revision_snapshot(what: str, number: int) -> dict[str, Any]:
    revision = find_revision(what, _the_studio().studio_id, number, f"The {what} has no revision {number}.")
    snapshot: dict[str, Any] = revision.snapshot
    return snapshot


_REVISIONS_PAGE = "Its revisions, newest first: which key, when, what changed, and what it was after."


@ns.route("/revisions")
class StudioRevisionList(Resource):
    @ns.doc(**KEY)
    @query(ns, PageQuery)
    @ns.response(200, _REVISIONS_PAGE, schema_model(RevisionListEnvelope))
    @problems(ns, 400, 401, 403, 404)
    def get(self) -> ViewAnswer:
        """List the revisions of the studio's details (admin)."""
        return _revision_list(STUDIO)


@ns.route("/revisions/<int:number>/restore")
@ns.param("number", "The revision's number, from 1.", _in="path")
class StudioRevisionRestore(Resource):
    @ns.doc(**KEY)
    @ns.response(200, "The studio's details are as they were in that revision again.", schema_model(StudioEnvelope))
    @problems(ns, 401, 403, 404, 412, 422)
    def post(self, number: int) -> ViewAnswer:
        """Make the studio's details what they were in one of their revisions, as a new change (admin)."""
        require_role("admin")
        studio = _the_studio()
        check_if_match(_STUDIO_OUT.dump(studio))
        snapshot = _revision_snapshot(STUDIO, number)
        apply_studio_input(studio, StudioIn().load(studio_input(snapshot)))
        studio.updated_at = utcnow()
        db.session.flush()
        _commit(STUDIO, STUDIO_SNAPSHOT.dump(studio), studio.studio_id, f"restored revision {number}")
        return item_response(_STUDIO_OUT.dump(studio))


@ns.route("/hours/revisions")
class HoursRevisionList(Resource):
    @ns.doc(**KEY)
    @query(ns, PageQuery)
    @ns.response(200, _REVISIONS_PAGE, schema_model(RevisionListEnvelope))
    @problems(ns, 400, 401, 403, 404)
    def get(self) -> ViewAnswer:
        """List the revisions of the weekly hours (admin)."""
        return _revision_list(HOURS)


@ns.route("/hours/revisions/<int:number>/restore")
@ns.param("number", "The revision's number, from 1.", _in="path")
class HoursRevisionRestore(Resource):
    @ns.doc(**KEY)
    @ns.response(200, "The weekly hours are as they were in that revision again.", schema_model(HoursEnvelope))
    @problems(ns, 401, 403, 404, 412, 422)
    def post(self, number: int) -> ViewAnswer:
        """Make the weekly hours what they were in one of their revisions, as a new change (admin)."""
        require_role("admin")
        studio = _the_studio()
        check_if_match(hours_document(utcnow())[0])
        change_hours(studio, HoursIn().load(_revision_snapshot(HOURS, number)))
        _commit(HOURS, hours_snapshot(studio), studio.studio_id, f"restored revision {number}")
        return item_response(hours_document(utcnow())[0])
