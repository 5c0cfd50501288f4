"""The benchmark's corpus: the studio's seeded content plus N generated articles, written in bulk.

Articles are about 6 KB of Markdown, three topics each, all published, over
the last ten years (so 100,000 articles are 4,000 pages of 25). Their text is assembled from a pool of sections that went
through the real renderer (`render_markdown`) once, so every row holds what the
API would have stored for it (HTML, plain text, table of contents) without
rendering 100,000 documents; rows go in with executemany, and the search
index's triggers index them as they would any write. The same size and seed
give the same corpus.
"""

import random
from datetime import timedelta

from flask_migrate import upgrade
from sqlalchemy import insert, select, update

from api import create_app
from api.collection.stored import render_stale
from models import Article, Topic, article_topics, db
from models.content_state import ContentState, keep_schedule
from models.richtext import render_markdown
from models.types import utcnow
from seed_data import seed_database

EXTRA_TOPICS = 47  # with the page's three: 50 topics, so each has about 6% of the articles
SECTIONS = 300
SECTIONS_PER_ARTICLE = 6
TOPICS_PER_ARTICLE = 3
BATCH = 2000

# Words a massage studio's articles use, so that searches find realistic numbers of matches.
VOCABULARY = [
    "muscle",
    "tension",
    "release",
    "stretch",
    "posture",
    "hip",
    "shoulder",
    "neck",
    "back",
    "spine",
    "pelvis",
    "breath",
    "pressure",
    "fascia",
    "tissue",
    "knot",
    "trigger",
    "point",
    "circulation",
    "recovery",
    "strain",
    "balance",
    "alignment",
    "range",
    "motion",
    "therapist",
    "client",
    "session",
    "deep",
    "gentle",
    "slow",
    "warm",
    "relief",
    "soreness",
    "stiffness",
    "injury",
    "athlete",
    "runner",
    "desk",
    "chair",
    "sitting",
    "standing",
    "walking",
    "lifting",
    "twist",
    "bend",
    "rotate",
    "flex",
    "extend",
    "lengthen",
    "shorten",
    "glute",
    "hamstring",
    "quadriceps",
    "calf",
    "forearm",
    "wrist",
    "jaw",
    "scalp",
    "rib",
    "abdomen",
    "lower",
    "upper",
    "side",
    "front",
    "habit",
    "routine",
    "rest",
    "sleep",
    "water",
    "heat",
    "ice",
    "movement",
    "exercise",
    "strength",
    "weakness",
    "pain",
    "ache",
    "comfort",
]
RARE_WORDS = ("sciatica", "piriformis", "scalenes", "rhomboid", "psoas", "plantar", "trapezius", "levator")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def _section(rng: random.Random, number: int) -> str:
    """About 1 KB of Markdown: a heading, paragraphs, sometimes a list or a rarer word."""
    heading = f"## {rng.choice(VOCABULARY).capitalize()} and {rng.choice(VOCABULARY)} {number}"
    paragraphs = [" ".join(_sentence(rng) for _ in range(rng.randint(4, 6))) for _ in range(2)]
    if number % 7 == 0:
        paragraphs.append("\n".join(f"- **{rng.choice(VOCABULARY)}**: {_sentence(rng)}" for _ in range(3)))
    if number % 5 == 0:
        paragraphs[0] += f" Ask about {RARE_WORDS[number % len(RARE_WORDS)]} work."
    return "\n\n".join([heading, *paragraphs])


def _rendered_sections(rng: random.Random) -> list[tuple[str, object]]:
    sections = [_section(rng, number) for number in range(SECTIONS)]
    return [(markdown, render_markdown(markdown)) for markdown in sections]


def _extra_topics(rng: random.Random) -> list[dict]:
    now = utcnow()
    regions = ("neck", "shoulder", "back", "hip", "leg", "arm", "foot")
    return [
        {
            "slug": f"bench-muscle-{number:02d}",
            "name": f"Bench muscle {number:02d}",
            "aliases": [],
            "body_region": regions[number % len(regions)],
            "summary": _sentence(rng),
            "attachments": [_sentence(rng)],
            "actions": [_sentence(rng)],
            "stressors": [_sentence(rng)],
            "signs": [],
            "assessment": [],
            "care": [_sentence(rng)],
            # Public, as the studio's own three are: the topic case reads all 50.
            "status": "published",
            "published_at": now - timedelta(days=3650),
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for number in range(1, EXTRA_TOPICS + 1)
    ]


def _article_rows(rng: random.Random, sections, start: int, count: int, now) -> list[dict]:
    rows = []
    for number in range(start, start + count):
        chosen = rng.sample(sections, SECTIONS_PER_ARTICLE)
        title = f"{rng.choice(VOCABULARY).capitalize()} {rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)} {number}"
        text = "\n\n".join(rendered.text for _, rendered in chosen)
        words = sum(rendered.word_count for _, rendered in chosen)
        published_at = now - timedelta(days=3650) + timedelta(seconds=number * 3100 + rng.randint(0, 3000))
        rows.append(
            {
                "slug": f"bench-article-{number}",
                "title": title,
                "excerpt": text[:160],
                "body_markdown": "\n\n".join(markdown for markdown, _ in chosen),
                "body_html": "\n".join(rendered.html for _, rendered in chosen),
                "body_text": text,
                "toc": [entry for _, rendered in chosen for entry in rendered.toc],
                "reading_time_minutes": max(1, -(-words // 200)),
                "status": "published",
                "published_at": min(published_at, now - timedelta(minutes=1)),
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
    return rows


def build_corpus(article_count: int, seed: int = 1) -> None:
    """Seed the studio's page, then add the extra topics and `article_count` generated articles."""
    rng = random.Random(seed)
    seed_database()
    db.session.execute(insert(Topic.__table__), _extra_topics(rng))
    topic_ids = list(db.session.scalars(select(Topic.topic_id)))
    sections = _rendered_sections(rng)
    now = utcnow()
    for start in range(0, article_count, BATCH):
        rows = _article_rows(rng, sections, start, min(BATCH, article_count - start), now)
        db.session.execute(insert(Article.__table__), rows)
        slugs = [row["slug"] for row in rows]
        ids = dict(db.session.execute(select(Article.slug, Article.article_id).where(Article.slug.in_(slugs))).all())
        links = [
            {"article_id": ids[slug], "topic_id": topic_id}
            for slug in slugs
            for topic_id in rng.sample(topic_ids, TOPICS_PER_ARTICLE)
        ]
        db.session.execute(insert(article_topics), links)
    # Core inserts skip the ORM's flush hook: move the content version as any write would.
    state = ContentState.__table__
    db.session.execute(update(state).values(version=state.c.version + 1, changed_at=utcnow()))
    keep_schedule(db.session.connection())
    db.session.commit()
    render_stale()  # each article's stored detail, as the worker renders those a write did not


def build_database(path, article_count: int) -> None:
    """A new SQLite database at `path`: migrated, seeded and filled with the corpus."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        build_corpus(article_count)
        db.engine.dispose()
