"""Whether the studio is open at a given moment, and when that next changes.

Pure functions over the schedule: the weekly intervals, the dated exceptions
and the studio's IANA time zone. Unknown stays unknown: on a day the studio is
open at unpublished times nobody can say whether it is open now, so the answer
is None rather than a guess.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

# How far ahead to look for the next opening or closing.
HORIZON_DAYS = 14


@dataclass(frozen=True)
class Interval:
    """A span of a day; both ends None means open at times not published."""

    opens: Optional[time]
    closes: Optional[time]

    @property
    def times_known(self) -> bool:
        return self.opens is not None and self.closes is not None


@dataclass(frozen=True)
class HoursStatus:
    open_now: Optional[bool]
    next_opening: Optional[datetime]
    next_closing: Optional[datetime]
    # When open_now last could have changed: the latest known opening or closing, or local midnight.
    last_change: Optional[datetime] = None
    # The next moment any of the above can change by itself: an opening, a closing or midnight.
    next_change: Optional[datetime] = None


@dataclass(frozen=True)
class _Span:
    start: datetime  # UTC
    end: datetime  # UTC
    times_known: bool


def _spans_of_day(day: date, intervals: Sequence[Interval], zone: ZoneInfo) -> list[_Span]:
    spans = []
    for interval in intervals:
        if interval.opens is not None and interval.closes is not None:
            start = datetime.combine(day, interval.opens, zone)
            end_day = day if interval.closes > interval.opens else day + timedelta(days=1)
            end = datetime.combine(end_day, interval.closes, zone)
        else:
            start = datetime.combine(day, time(0), zone)
            end = datetime.combine(day + timedelta(days=1), time(0), zone)
        spans.append(_Span(start.astimezone(UTC), end.astimezone(UTC), interval.times_known))
    return spans


def hours_status(
    weekly: Mapping[int, Sequence[Interval]],
    exceptions: Mapping[date, Sequence[Interval]],
    zone: ZoneInfo,
    at: datetime,
) -> HoursStatus:
    """Answer open_now, next_opening and next_closing (UTC) for the moment `at`.

    `weekly` maps Python weekdays (0 = Monday) to intervals; a dated exception
    replaces its weekday's intervals for that date.
    """
    now = at.astimezone(UTC)
    today = now.astimezone(zone).date()
    spans: list[_Span] = []
    for offset in range(-1, HORIZON_DAYS + 1):  # yesterday, for intervals running past midnight
        day = today + timedelta(days=offset)
        intervals = exceptions.get(day, weekly.get(day.weekday(), ()))
        spans.extend(_spans_of_day(day, intervals, zone))
    spans.sort(key=lambda span: span.start)

    local_midnight = datetime.combine(today, time(0), zone).astimezone(UTC)
    last_change = max(
        [local_midnight]
        + [moment for span in spans if span.times_known for moment in (span.start, span.end) if moment <= now]
    )
    next_midnight = datetime.combine(today + timedelta(days=1), time(0), zone).astimezone(UTC)
    next_change = min(
        [next_midnight]
        + [moment for span in spans if span.times_known for moment in (span.start, span.end) if moment > now]
    )
    current = [span for span in spans if span.start <= now < span.end]
    if any(span.times_known for span in current):
        open_now: Optional[bool] = True
    elif current:
        return HoursStatus(
            open_now=None, next_opening=None, next_closing=None, last_change=last_change, next_change=next_change
        )
    else:
        open_now = False

    upcoming = next((span for span in spans if span.start > now), None)
    next_opening = upcoming.start if upcoming is not None and upcoming.times_known else None
    if open_now:
        next_closing: Optional[datetime] = max(span.end for span in current if span.times_known)
    else:
        next_closing = upcoming.end if upcoming is not None and next_opening is not None else None
    return HoursStatus(
        open_now=open_now,
        next_opening=next_opening,
        next_closing=next_closing,
        last_change=last_change,
        next_change=next_change,
    )


_DAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M")


def derived_display(weekly: Mapping[int, Sequence[Interval]]) -> list[str]:
    """The weekly schedule in words, one line per run of consecutive days with the same hours, closed
    days left out: "Mon - Wed 09:00 - 17:00", "Sat 10:00 - 14:00". Days open at times not published are
    named without times, as the studio's page does: "Mon - Wed", "Fri - Sun"."""

    def hours_of(weekday: int) -> tuple[tuple[Optional[time], Optional[time]], ...]:
        return tuple(
            sorted(((i.opens, i.closes) for i in weekly.get(weekday, ())), key=lambda pair: pair[0] or time(0))
        )

    lines: list[str] = []
    weekday = 0
    while weekday < 7:
        hours = hours_of(weekday)
        last = weekday
        while last + 1 < 7 and hours_of(last + 1) == hours:
            last += 1
        if hours:
            days = _DAY_ABBREVIATIONS[weekday] + ("" if last == weekday else f" - {_DAY_ABBREVIATIONS[last]}")
            times = ", ".join(f"{_clock(opens)} - {_clock(closes)}" for opens, closes in hours if opens and closes)
            lines.append(f"{days} {times}".strip())
        weekday = last + 1
    return lines
