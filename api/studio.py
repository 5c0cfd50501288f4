"""The studio's details and its opening hours, with whether it is open now."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask_restx import Namespace, Resource
from sqlalchemy import select

from api.http import load_query, not_found
from api.spec import model, query_params
from models import Studio, db
from models.hours import Interval, hours_status
from models.studio import WEEKDAYS, exceptions_from, weekly_intervals
from models.types import utcnow
from schemas.studio import HoursOut, HoursQuery, StudioOut

ns = Namespace("studio", description="The studio's contact details, location and opening hours")


def _the_studio() -> Studio:
    studio = db.session.scalar(select(Studio).limit(1))
    if studio is None:
        raise not_found("The studio's details have not been set up yet; run `flask --app wsgi seed`.")
    return studio


def _intervals_out(intervals) -> list[dict]:
    return [{"opens": interval.opens, "closes": interval.closes} for interval in intervals]


@ns.route("")
class StudioItem(Resource):
    @ns.response(200, "The studio's details.", model("StudioItem"))
    @ns.response(404, "The studio has not been set up yet.", model("Problem"))
    def get(self):
        """Show the studio's contact details, location, about text and front-page slides."""
        return {"data": StudioOut().dump(_the_studio())}


@ns.route("/hours")
class OpeningHours(Resource):
    @ns.doc(params=query_params(HoursQuery))
    @ns.response(200, "The weekly hours, exceptions, and whether the studio is open.", model("HoursItem"))
    @ns.response(400, "`at` is not an ISO 8601 timestamp with an offset.", model("Problem"))
    @ns.response(404, "The studio has not been set up yet.", model("Problem"))
    def get(self):
        """Show the opening hours and whether the studio is open now, in its own time zone."""
        args = load_query(HoursQuery)
        studio = _the_studio()
        zone = ZoneInfo(studio.time_zone)
        at = args.get("at") or utcnow()
        weekly = weekly_intervals()
        # From the day before, so that an exception's interval running past midnight counts.
        exceptions = exceptions_from(at.astimezone(zone).date() - timedelta(days=1))
        status = hours_status(
            weekly,
            {exception.date: [Interval(i.opens, i.closes) for i in exception.intervals] for exception in exceptions},
            zone,
            at,
        )
        today = at.astimezone(zone).date()
        hours = {
            "time_zone": studio.time_zone,
            "as_of": at,
            "open_now": status.open_now,
            "next_opening": status.next_opening,
            "next_closing": status.next_closing,
            "weekly": [
                {"day": name, "closed": not weekly[weekday], "intervals": _intervals_out(weekly[weekday])}
                for weekday, name in enumerate(WEEKDAYS)
            ],
            "exceptions": [
                {
                    "date": exception.date,
                    "note": exception.note,
                    "closed": not exception.intervals,
                    "intervals": _intervals_out(exception.intervals),
                }
                for exception in exceptions
                if exception.date >= today
            ],
            "display": studio.hours_display,
        }
        return {"data": HoursOut().dump(hours)}
