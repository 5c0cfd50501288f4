"""Topics (muscle groups): the public list and item; with a key, writes, soft delete, restore, purge, revisions."""

from collections.abc import Sequence
from typing import Any

from marshmallow import fields
from sqlalchemy import func, select
from sqlalchemy.orm import load_only, selectinload

from api.caching.list_memo import remembered_per_item
from api.collection.declaration import Collection, CollectionDocs, Include, public_page
from api.collection.images import image_of
from api.collection.publishing import apply_publishing, restored_status
from api.collection.routes import collection_namespace
from api.collection.structured_data import image_object
from api.web.errors import ProblemError
from models import Article, Media, Topic, article_topics, db
from models.plans import InOrderJoin
from schemas.content import (
    TOPIC_SNAPSHOT,
    ArticleRef,
    TopicAdmin,
    TopicAdminSummary,
    TopicDetail,
    TopicListQuery,
    TopicSummary,
)
from schemas.input import TopicIn
from seed_data import seeded_bodies

# A topic shows its latest articles; `GET /articles?topic=<slug>` pages through all of them.
TOPIC_ARTICLES_SHOWN = 10


def apply_topic_input(topic: Topic, data: dict[str, Any]) -> None:
    """Copy validated input onto a topic (see api.collection.publishing for its status and time),
    relating it both ways to the topics it names."""
    related_slugs = data.pop("related", None)
    if "image" in data:
        topic.image, topic.image_alt = image_of(data.pop("image"), "image", topic.image, topic.image_alt)
    apply_publishing(topic, data, "topic")
    if related_slugs is None:
        return
    if topic.slug in related_slugs:
        raise ProblemError(
            422, "A topic cannot be related to itself.", errors={"related": ["Must not name the topic itself."]}
        )
    related = list(db.session.scalars(select(Topic).where(Topic.slug.in_(related_slugs), Topic.deleted_at.is_(None))))
    unknown = sorted(set(related_slugs) - {other.slug for other in related})
    if unknown:
        errors = {"related": [f"No topic has the slug '{slug}'." for slug in unknown]}
        raise ProblemError(422, "The body names unknown topics.", errors=errors)
    topic.set_related(related)


def snapshot_to_input(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A revision's snapshot as the input that recreates it: related topics by their slugs."""
    writable = {name: snapshot[name] for name in TopicIn().fields if name in snapshot}
    writable["related"] = [other["slug"] for other in snapshot.get("related", [])]
    writable["status"] = restored_status(snapshot)
    return writable


def load_public_articles(topics: Sequence[Topic]) -> None:
    """Give each topic its latest published articles, newest first, and how many it has. Which ones and how
    many are remembered between the writes that change the lists' membership (`remembered_per_item`); the
    articles' own rows (what they show: title, excerpt) are read each time, by primary key."""
    shown = remembered_per_item("topic_articles", [topic.topic_id for topic in topics], _public_articles_of)
    articles = _articles_by_id([article_id for _, ids in shown.values() for article_id in ids])
    for topic in topics:
        total, ids = shown[topic.topic_id]
        topic.public_article_count = total
        topic.public_articles = [articles[article_id] for article_id in ids if article_id in articles]


def _articles_by_id(article_ids: list[int]) -> dict[int, Article]:
    """What a topic shows of these articles, by id; public ones only (a write may have hidden one since)."""
    if not article_ids:
        return {}
    query = (
        select(Article)
        .where(Article.article_id.in_(article_ids), Article.public())
        .options(load_only(Article.slug, Article.title, Article.excerpt, Article.published_at))
    )
    return {article.article_id: article for article in db.session.scalars(query)}


def _public_articles_of(topic_ids: list[int]) -> dict[int, tuple[int, list[int]]]:
    """Each topic's (public article count, ids of its latest `TOPIC_ARTICLES_SHOWN`, newest first): one query
    for all the topics, which reads the public rule from an index (see models/plans.py)."""
    by_topic = article_topics.c.topic_id
    ranked = (
        select(
            by_topic.label("topic_id"),
            article_topics.c.article_id,
            func.row_number().over(partition_by=by_topic, order_by=Article.newest_first()).label("position"),
            func.count().over(partition_by=by_topic).label("total"),
        )
        .select_from(
            InOrderJoin(
                article_topics,
                Article.__table__,
                Article.article_id == article_topics.c.article_id,
                "ix_articles_visibility",
            )
        )
        .where(by_topic.in_(topic_ids), Article.public())
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.topic_id, ranked.c.total, ranked.c.article_id)
        .where(ranked.c.position <= TOPIC_ARTICLES_SHOWN)
        .order_by(ranked.c.topic_id, ranked.c.position)
    )
    totals = dict.fromkeys(topic_ids, 0)
    shown: dict[int, list[int]] = {topic_id: [] for topic_id in topic_ids}
    for topic_id, total, article_id in rows:
        totals[topic_id] = total
        shown[topic_id].append(article_id)
    return {topic_id: (totals[topic_id], shown[topic_id]) for topic_id in topic_ids}


def topic_document(topic: Topic) -> dict[str, Any]:
    """The topic as schema.org Muscle JSON-LD, with the articles about it."""
    page = public_page(topic)
    return {
        "@type": "Muscle",
        "@id": page,
        "url": page,
        "name": topic.name,
        "alternateName": topic.aliases,
        "description": topic.summary,
        "image": image_object(topic.visible_image),
        "bodyLocation": topic.body_region,
        "muscleAction": " ".join(topic.actions) or None,
        "associatedPathophysiology": " ".join(topic.stressors + topic.signs) or None,
        "subjectOf": [
            {"@type": "BlogPosting", "headline": article.title, "url": public_page(article)}
            for article in topic.public_articles
        ],
    }


def _articles_using(topic: Topic) -> list[str]:
    """Every article that names the topic, in any state (drafts and deleted ones too)."""
    slugs = db.session.scalars(
        select(Article.slug).where(Article.topics.any(Topic.topic_id == topic.topic_id)).order_by(Article.slug)
    )
    return [f"article '{slug}'" for slug in slugs]


TOPICS = Collection(
    name="topics",
    item_type="topic",
    model=Topic,
    input_schema=TopicIn,
    public_schema=TopicDetail,
    admin_schema=TopicAdmin,
    list_public=TopicSummary,
    list_admin=TopicAdminSummary,
    snapshot_schema=TOPIC_SNAPSHOT,
    list_query=TopicListQuery,
    apply=apply_topic_input,
    to_input=snapshot_to_input,
    slug_from="name",
    structured_data=topic_document,
    sorts={"name": Topic.name, "updated_at": Topic.updated_at},
    default_sort="name",
    includes={
        "articles": Include(
            fields.List(fields.Nested(ArticleRef), attribute="public_articles"), load=load_public_articles
        )
    },
    load_options=(selectinload(Topic.related), selectinload(Topic.image).selectinload(Media.files)),
    complete=load_public_articles,
    in_use_by=_articles_using,
    docs=CollectionDocs(
        namespace="Muscle groups: anatomy, what stresses them, what helps",
        slug_example="quadratus-lumborum",
        list_summary="List published muscle-group topics by name (with a key, any status).",
        list_response="A page of topics, by name.",
        read_summary="Show one published topic with its related topics and articles (with a key, drafts too).",
        read_response="The topic with its anatomy, care, related topics and articles.",
        structured_data_summary="Show a topic as schema.org Muscle JSON-LD, to paste into its page's head.",
        structured_data_response="schema.org Muscle JSON-LD.",
        patch_example={"body_region": "lower back"},
        put_example=seeded_bodies()["topic"],
    ),
)

ns = collection_namespace(TOPICS)
