"""The studio's page as data, and the one function that loads it.

`seed_database()` adds whatever of the page's content is missing and leaves
what is already there alone, so it is idempotent and never overwrites an
admin's edits. The CLI (`flask --app wsgi seed`), the README's run command and
the tests all call it.
"""

from datetime import time
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from models import Article, ExceptionInterval, HoursException, OpeningInterval, Series, Studio, Topic, db
from models.content import join_series
from models.revisions import record_revision
from models.studio import WEEKDAYS, hours_snapshot
from models.types import utcnow
from schemas.content import ARTICLE_SNAPSHOT, SERIES_SNAPSHOT, TOPIC_SNAPSHOT
from schemas.studio import STUDIO_SNAPSHOT

SEED_DIRECTORY = Path(__file__).resolve().parent


def read_seed(name: str) -> Any:
    """One seed file, parsed."""
    with open(SEED_DIRECTORY / name, encoding="utf-8") as seed_file:
        return yaml.safe_load(seed_file)


def _time(value):
    # YAML reads "09:00" as a string; the database wants a time.
    return None if value is None else time.fromisoformat(value)


def _seed_studio() -> int:
    if db.session.scalar(select(Studio).limit(1)) is not None:
        return 0
    studio = Studio(**read_seed("studio.yaml"))
    studio.hours_display = read_seed("hours.yaml")["display"]
    db.session.add(studio)
    return 1


def _seed_hours() -> int:
    if db.session.scalar(select(OpeningInterval).limit(1)) is not None:
        return 0
    hours = read_seed("hours.yaml")
    if db.session.scalar(select(HoursException).limit(1)) is None:
        for exception in hours["exceptions"]:
            db.session.add(
                HoursException(
                    starts_on=exception["starts_on"],
                    ends_on=exception.get("ends_on") or exception["starts_on"],
                    note=exception.get("note"),
                    intervals=[
                        ExceptionInterval(opens=_time(i["opens"]), closes=_time(i["closes"]))
                        for i in exception["intervals"]
                    ],
                )
            )
    added = 0
    for weekday, name in enumerate(WEEKDAYS):
        for interval in hours["weekly"][name]:
            db.session.add(
                OpeningInterval(weekday=weekday, opens=_time(interval["opens"]), closes=_time(interval["closes"]))
            )
            added += 1
    return added


def _seed_series() -> list[Series]:
    added = []
    for entry in read_seed("series.yaml"):
        if db.session.scalar(select(Series).where(Series.slug == entry["slug"])) is None:
            series = Series(**entry, status="published", published_at=utcnow())
            db.session.add(series)
            added.append(series)
    return added


def _seed_topics() -> list[Topic]:
    entries = read_seed("topics.yaml")
    existing = {topic.slug: topic for topic in db.session.scalars(select(Topic))}
    added = []
    for entry in entries:
        if entry["slug"] not in existing:
            fields = {key: value for key, value in entry.items() if key != "related"}
            # The page shows its topics: they are published the moment they are seeded, like its article.
            topic = Topic(**fields, status="published", published_at=utcnow())
            db.session.add(topic)
            existing[topic.slug] = topic
            added.append(entry)
    for entry in added:
        for related_slug in entry.get("related", []):
            existing[entry["slug"]].relate_to(existing[related_slug])
    return [existing[entry["slug"]] for entry in added]


def _seed_articles() -> list[Article]:
    added = []
    for entry in read_seed("articles.yaml"):
        if db.session.scalar(select(Article).where(Article.slug == entry["slug"])) is not None:
            continue
        body = (SEED_DIRECTORY / "articles" / f"{entry['slug']}.md").read_text(encoding="utf-8")
        article = Article(
            slug=entry["slug"],
            title=entry["title"],
            excerpt=entry.get("excerpt"),
            body_markdown=body,
            status=entry["status"],
            published_at=utcnow() if entry["status"] == "published" else None,
            topics=list(db.session.scalars(select(Topic).where(Topic.slug.in_(entry["topics"])))),
        )
        db.session.add(article)
        join_series(article, db.session.scalar(select(Series).where(Series.slug == entry["series"])))
        added.append(article)
    return added


def seed_database() -> dict[str, int]:
    """Add whatever of the page's content is missing; return how many of each kind were added."""
    added = {"studio": _seed_studio(), "opening intervals": _seed_hours()}
    series = _seed_series()
    topics = _seed_topics()
    db.session.flush()
    articles = _seed_articles()
    db.session.flush()
    # Each seeded item starts its revision history, so its first edit can be undone.
    seeded = (
        ("series", series, SERIES_SNAPSHOT),
        ("topic", topics, TOPIC_SNAPSHOT),
        ("article", articles, ARTICLE_SNAPSHOT),
    )
    for item_type, items, schema in seeded:
        for item in items:
            record_revision(item_type, db.inspect(item).identity[0], schema.dump(item), "seeded", None)
    studio = db.session.scalar(select(Studio).limit(1))
    if added["studio"] and studio is not None:  # the studio's details and its weekly hours, likewise
        record_revision("studio", studio.studio_id, STUDIO_SNAPSHOT.dump(studio), "seeded", None)
        record_revision("hours", studio.studio_id, hours_snapshot(studio), "seeded", None)
    db.session.commit()
    return {**added, "series": len(series), "topics": len(topics), "articles": len(articles)}


def seeded_bodies() -> dict[str, dict[str, Any]]:
    """The first seeded article and topic, the studio and its weekly hours, each as the body of a PUT
    that writes it as seeded: the spec's PUT examples, which change nothing on a fresh install."""
    article = dict(read_seed("articles.yaml")[0])
    article["body_markdown"] = (SEED_DIRECTORY / "articles" / f"{article.pop('slug')}.md").read_text(encoding="utf-8")
    topic = {**read_seed("topics.yaml")[0], "status": "published"}
    del topic["slug"]
    studio = dict(read_seed("studio.yaml"))
    # The page has no image files: no logo, no slide images (a PUT names them, as null).
    studio["logo"] = None
    studio["hero_slides"] = [{**slide, "image": None} for slide in studio["hero_slides"]]
    studio["phone"] = {"display": studio.pop("phone_display"), "e164": studio.pop("phone_e164")}
    address_fields = ("street_address", "locality", "region", "postal_code", "country")
    studio["address"] = {name: studio.pop(name) for name in address_fields}
    hours = read_seed("hours.yaml")
    return {
        "article": article,
        "topic": topic,
        "studio": studio,
        "hours": {"weekly": hours["weekly"], "display": hours["display"]},
    }
