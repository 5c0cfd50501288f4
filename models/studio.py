"""The studio (a singleton) and its opening hours.

Hours are a weekly schedule of intervals per day plus dated exceptions, each
a range of days (a holiday is one day, a vacation a week). An interval whose
`opens` and `closes` are both NULL means "open, at times not published"; a day
with no interval is closed. The hours' wording (`hours_display`) is either the
admin's own or derived from the schedule (`hours_display_derived`). The
studio's logo and each hero slide's image are library images, each with the alt
text its use gives (null: the image's own).
"""

import datetime as dt
from datetime import datetime, time
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from models import Model, db
from models.hours import Interval
from models.media import Media, Placement, placed
from models.types import UTCDateTime, utcnow

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Studio(Model):
    """The studio's contact details, location and front-page content. One row."""

    __tablename__ = "studio"

    studio_id: Mapped[int] = mapped_column("id", primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tagline: Mapped[Optional[str]] = mapped_column(String(300))
    about: Mapped[Optional[str]] = mapped_column(Text)
    highlights: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Each {"headline", "subheadline", "image_id", "image_alt"}: its image is a library image, by id.
    hero_slides: Mapped[list[dict]] = mapped_column(JSON, default=list)
    logo_id: Mapped[Optional[int]] = mapped_column(ForeignKey("media.id", name="fk_studio_logo_media"), index=True)
    logo_alt: Mapped[Optional[str]] = mapped_column(Text)
    phone_display: Mapped[Optional[str]] = mapped_column(String(40))
    phone_e164: Mapped[Optional[str]] = mapped_column(String(16))
    email: Mapped[Optional[str]] = mapped_column(String(254))
    street_address: Mapped[Optional[str]] = mapped_column(String(200))
    locality: Mapped[Optional[str]] = mapped_column(String(120))
    region: Mapped[Optional[str]] = mapped_column(String(120))
    postal_code: Mapped[Optional[str]] = mapped_column(String(20))
    country: Mapped[Optional[str]] = mapped_column(String(2))
    time_zone: Mapped[str] = mapped_column(String(64))
    # The hours as the studio itself words them ("Mon - Wed"), for display beside the schedule.
    hours_display: Mapped[list[str]] = mapped_column(JSON, default=list)
    # True when hours_display was made from the weekly schedule rather than given by an admin.
    hours_display_derived: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: an UPDATE that finds another version raises, so no update is lost.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    logo: Mapped[Optional[Media]] = relationship()

    @property
    def phone(self) -> dict:
        return {"display": self.phone_display, "e164": self.phone_e164}

    @property
    def address(self) -> dict:
        return {
            "street_address": self.street_address,
            "locality": self.locality,
            "region": self.region,
            "postal_code": self.postal_code,
            "country": self.country,
        }

    @property
    def visible_logo(self) -> Optional[Placement]:
        return placed(self.logo, self.logo_alt, public=True)

    @property
    def live_logo(self) -> Optional[Placement]:
        return placed(self.logo, self.logo_alt, public=False)

    @property
    def visible_hero_slides(self) -> list[dict[str, Any]]:
        return self._slides(public=True)

    @property
    def live_hero_slides(self) -> list[dict[str, Any]]:
        return self._slides(public=False)

    def _slides(self, public: bool) -> list[dict[str, Any]]:
        """The slides, each with its image placed (for readers none once deleted), all loaded by one query."""
        wanted = {slide["image_id"] for slide in self.hero_slides if slide.get("image_id") is not None}
        images: dict[int, Media] = {}
        if wanted:
            query = select(Media).where(Media.media_id.in_(wanted)).options(selectinload(Media.files))
            images = {media.media_id: media for media in db.session.scalars(query)}
        return [
            {**slide, "image": placed(images.get(slide.get("image_id", -1)), slide.get("image_alt"), public)}
            for slide in self.hero_slides
        ]

    def places_media(self, media_id: int) -> bool:
        """Whether its logo or a slide shows the image."""
        return self.logo_id == media_id or any(slide.get("image_id") == media_id for slide in self.hero_slides)


class OpeningInterval(Model):
    """One span of a weekday during which the studio is open."""

    __tablename__ = "opening_intervals"

    interval_id: Mapped[int] = mapped_column("id", primary_key=True)
    weekday: Mapped[int]  # 0 = Monday, as in Python's date.weekday()
    opens: Mapped[Optional[time]]
    closes: Mapped[Optional[time]]


class HoursException(Model):
    """A dated change to the weekly schedule, from one day to another (both included): the same intervals
    each of those days; no interval means closed. Exceptions never overlap, so the first day names one."""

    __tablename__ = "hours_exceptions"

    exception_id: Mapped[int] = mapped_column("id", primary_key=True)
    # The column kept its first name (`date`) from when an exception was one day.
    starts_on: Mapped[dt.date] = mapped_column("date", unique=True)
    ends_on: Mapped[dt.date]
    note: Mapped[Optional[str]] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    def days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """Its days from `first` to `last` (both included)."""
        start, end = max(self.starts_on, first), min(self.ends_on, last)
        return [start + dt.timedelta(days=offset) for offset in range((end - start).days + 1)]

    intervals: Mapped[list["ExceptionInterval"]] = relationship(
        cascade="all, delete-orphan", order_by=lambda: ExceptionInterval.opens
    )


class ExceptionInterval(Model):
    """One span of an exceptional day during which the studio is open."""

    __tablename__ = "exception_intervals"
    __table_args__ = (UniqueConstraint("exception_id", "opens"),)

    interval_id: Mapped[int] = mapped_column("id", primary_key=True)
    exception_id: Mapped[int] = mapped_column(ForeignKey("hours_exceptions.id", ondelete="CASCADE"))
    opens: Mapped[Optional[time]]
    closes: Mapped[Optional[time]]


def weekly_intervals() -> dict[int, list[Interval]]:
    """The weekly schedule: Python weekday (0 = Monday) -> its intervals, by opening time."""
    schedule: dict[int, list[Interval]] = {weekday: [] for weekday in range(7)}
    rows = db.session.scalars(
        select(OpeningInterval).order_by(OpeningInterval.weekday, OpeningInterval.opens, OpeningInterval.interval_id)
    )
    for row in rows:
        schedule[row.weekday].append(Interval(row.opens, row.closes))
    return schedule


def exceptions_from(first_day: dt.date) -> list[HoursException]:
    """Dated exceptions that last until a day or later, in date order, with their intervals."""
    return list(
        db.session.scalars(
            select(HoursException)
            .where(HoursException.ends_on >= first_day)
            .options(selectinload(HoursException.intervals))
            .order_by(HoursException.starts_on)
        )
    )


def overlapping_exception(starts_on: dt.date, ends_on: dt.date, other_than: int | None) -> HoursException | None:
    """An exception (other than the one with id `other_than`) sharing a day with this range, if any."""
    return db.session.scalar(
        select(HoursException)
        .where(
            HoursException.starts_on <= ends_on,
            HoursException.ends_on >= starts_on,
            HoursException.exception_id != (other_than or 0),
        )
        .order_by(HoursException.starts_on)
        .limit(1)
    )


def hours_snapshot(studio: Studio) -> dict[str, Any]:
    """The weekly hours as a revision keeps them: the body a PUT of /studio/hours takes (a derived
    wording as null, so that restoring it derives it again)."""
    clock = lambda moment: None if moment is None else moment.strftime("%H:%M")  # noqa: E731
    weekly = {
        WEEKDAYS[weekday]: [{"opens": clock(i.opens), "closes": clock(i.closes)} for i in intervals]
        for weekday, intervals in weekly_intervals().items()
    }
    display = None if studio.hours_display_derived else list(studio.hours_display or [])
    return {"weekly": weekly, "display": display}
