"""Content made directly in the database, for read tests that need more than the seed."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, select

from models import Article, ExceptionInterval, HoursException, OpeningInterval, Series, Topic, db


def add_article(
    app,
    slug: str,
    status: str = "published",
    published_at: datetime | None = None,
    topics=(),
    series: str | None = None,
    **fields,
):
    """Insert one article; a published one defaults to having been published a day ago."""
    if status == "published" and published_at is None:
        published_at = datetime.now(UTC) - timedelta(days=1)
    with app.app_context():
        article = Article(
            slug=slug,
            title=fields.pop("title", slug.replace("-", " ").title()),
            excerpt=fields.pop("excerpt", f"About {slug}."),
            body_markdown=fields.pop("body_markdown", f"# {slug}\n\nBody of {slug}."),
            status=status,
            published_at=published_at,
            topics=list(db.session.scalars(select(Topic).where(Topic.slug.in_(topics)))),
            series=db.session.scalar(select(Series).where(Series.slug == series)) if series else None,
            **fields,
        )
        db.session.add(article)
        db.session.commit()


def set_weekly_hours(app, schedule: dict[int, list[tuple[str | None, str | None]]]):
    """Replace the weekly schedule: Python weekday -> [(opens, closes)] as "HH:MM" or None."""
    with app.app_context():
        db.session.execute(delete(OpeningInterval))
        for weekday, intervals in schedule.items():
            for opens, closes in intervals:
                db.session.add(OpeningInterval(weekday=weekday, opens=_time(opens), closes=_time(closes)))
        db.session.commit()


def add_hours_exception(app, day: date, intervals=(), note: str | None = None, last_day: date | None = None):
    with app.app_context():
        db.session.add(
            HoursException(
                starts_on=day,
                ends_on=last_day or day,
                note=note,
                intervals=[ExceptionInterval(opens=_time(o), closes=_time(c)) for o, c in intervals],
            )
        )
        db.session.commit()


def _time(value: str | None) -> time | None:
    return None if value is None else time.fromisoformat(value)
