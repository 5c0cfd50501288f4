"""Topics (muscle groups): the public list and item; with a key, writes, soft delete, restore, purge, revisions."""

from flask_restx import Namespace, Resource
from marshmallow import fields
from sqlalchemy import func, select
from sqlalchemy.orm import load_only, selectinload

from api import items
from api.auth import current_key
from api.lifecycle import add_lifecycle_routes
from api.response_cache import cached_read
from api.structured_data import JSON_LD_MEDIA_TYPE, json_ld_response, topic_document
from api.errors import PROBLEM_MEDIA_TYPE, ProblemError
from api.spec import body, model, problems, query_params
from models import Article, Topic, article_topics, db
from models.plans import InOrderJoin
from models.richtext import slugify
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

ns = Namespace("topics", description="Muscle groups: anatomy, what stresses them, what helps")
KEY = {"security": "bearer"}


def apply_topic_input(topic: Topic, data: dict, replace: bool) -> None:
    """Copy validated input onto a topic; on replace, absent fields take their defaults."""
    if replace:
        empty_lists = ("aliases", "attachments", "actions", "stressors", "signs", "assessment", "care", "related")
        data = {"body_region": None, "summary": None, **{name: [] for name in empty_lists}, **data}
    related_slugs = data.pop("related", None)
    for field, value in data.items():
        setattr(topic, field, value)
    if topic.slug is None:
        topic.slug = slugify(topic.name)[:120].strip("-")
        if not topic.slug:
            raise ProblemError(422, "No slug can be made from this name.", errors={"slug": ["Give a slug."]})
    if related_slugs is not None:
        if topic.slug in related_slugs:
            raise ProblemError(422, "A topic cannot be related to itself.", errors={"related": ["Must not name the topic itself."]})
        related = list(db.session.scalars(select(Topic).where(Topic.slug.in_(related_slugs), Topic.public())))
        unknown = sorted(set(related_slugs) - {other.slug for other in related})
        if unknown:
            raise ProblemError(422, "The body names unknown topics.", errors={"related": [f"No topic has the slug '{s}'." for s in unknown]})
        topic.set_related(related)


def snapshot_to_input(snapshot: dict) -> dict:
    """A revision's snapshot as the input that recreates it."""
    writable = {name: snapshot[name] for name in TopicIn().fields if name in snapshot}
    writable["related"] = [other["slug"] for other in snapshot.get("related", [])]
    return writable


# A topic shows its latest articles; `GET /articles?topic=<slug>` pages through all of them.
TOPIC_ARTICLES_SHOWN = 10


def _load_public_articles(topics: list[Topic]) -> None:
    """Give each topic its latest published articles, newest first, and how many it has: one query for
    all the topics, which reads the public rule from an index (see models/plans.py) and only the
    shown articles' rows."""
    for topic in topics:
        topic.public_articles = []
        topic.public_article_count = 0
    by_id = {topic.topic_id: topic for topic in topics}
    by_topic = article_topics.c.topic_id
    ranked = (
        select(
            by_topic.label("topic_id"),
            article_topics.c.article_id,
            func.row_number().over(partition_by=by_topic, order_by=Article.newest_first()).label("position"),
            func.count().over(partition_by=by_topic).label("total"),
        )
        .select_from(InOrderJoin(article_topics, Article.__table__, Article.article_id == article_topics.c.article_id,
                                 "ix_articles_visibility"))
        .where(by_topic.in_(by_id), Article.public())
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.topic_id, ranked.c.total, Article)
        .join(Article, Article.article_id == ranked.c.article_id)
        .where(ranked.c.position <= TOPIC_ARTICLES_SHOWN)
        .order_by(ranked.c.topic_id, ranked.c.position)
        .options(load_only(Article.slug, Article.title, Article.excerpt, Article.published_at))
    )
    for topic_id, total, article in rows:
        by_id[topic_id].public_articles.append(article)
        by_id[topic_id].public_article_count = total


def _with_public_articles(topic: Topic) -> Topic:
    _load_public_articles([topic])
    return topic


class _TopicKind(items.ItemKind):
    def representation(self, item) -> dict:
        return super().representation(_with_public_articles(item))


TOPICS = _TopicKind(
    item_type="topic",
    model=Topic,
    public_schema=TopicDetail(),
    admin_schema=TopicAdmin(),
    snapshot_schema=TOPIC_SNAPSHOT,
    load_options=(selectinload(Topic.related),),
    apply=apply_topic_input,
    list_order=lambda: (Topic.name, Topic.topic_id),
    to_input=snapshot_to_input,
    list_public=TopicSummary,
    list_admin=TopicAdminSummary,
    sorts={"name": Topic.name, "updated_at": Topic.updated_at},
    default_sort="name",
    includes={
        "articles": items.Include(
            fields.List(fields.Nested(ArticleRef), attribute="public_articles"), load=_load_public_articles
        )
    },
)


@ns.route("")
class TopicList(Resource):
    @ns.doc(params=query_params(TopicListQuery))
    @ns.response(200, "A page of topics, by name.", model("TopicList"))
    @problems(ns, 400, 401)
    @cached_read
    def get(self):
        """List muscle-group topics by name."""
        return items.list_items(TOPICS, TopicListQuery)

    @ns.doc(**KEY)
    @ns.expect(body("TopicIn", "The new item as JSON. Unknown and server-owned fields are refused."))
    @ns.response(201, "Created; Location names it.", model("TopicAdminItem"))
    @problems(ns, 400, 401, 403, 409, 413, 415, 422)
    def post(self):
        """Create a topic (editor)."""
        return items.create_item(TOPICS, TopicIn(), "api_v1.topics_topic_item")


@ns.route("/<string:slug>")
@ns.param("slug", "The topic's slug, for example quadratus-lumborum")
class TopicItem(Resource):
    @ns.response(200, "The topic with its anatomy, care, related topics and articles.", model("TopicItem"))
    @problems(ns, 400, 401, 404)
    @cached_read
    def get(self, slug: str):
        """Show one topic with its related topics and published articles."""
        return items.read_item(TOPICS, slug)

    @ns.doc(**KEY)
    @ns.expect(body("TopicIn", "The whole item as JSON; fields left out take their defaults."))
    @ns.response(200, "Replaced.", model("TopicAdminItem"))
    @problems(ns, 400, 401, 403, 404, 409, 412, 413, 415, 422)
    def put(self, slug: str):
        """Replace a topic (editor); fields left out take their defaults."""
        return items.change_item(TOPICS, slug, TopicIn(), partial=False)

    @ns.doc(**KEY)
    @ns.expect(body("TopicPatch", "Only the fields to change, as JSON."))
    @ns.response(200, "Updated.", model("TopicAdminItem"))
    @problems(ns, 400, 401, 403, 404, 409, 412, 413, 415, 422)
    def patch(self, slug: str):
        """Change some of a topic's fields (editor)."""
        return items.change_item(TOPICS, slug, TopicIn(), partial=True)

    @ns.doc(**KEY)
    @ns.response(204, "Deleted (softly: an admin can restore it).")
    @problems(ns, 401, 403, 404, 412)
    def delete(self, slug: str):
        """Delete a topic (editor); an admin can restore it or purge it."""
        return items.delete_item(TOPICS, slug)


@ns.route("/<string:slug>/structured-data")
@ns.param("slug", "The topic's slug, for example quadratus-lumborum")
class TopicStructuredData(Resource):
    @ns.produces([JSON_LD_MEDIA_TYPE, PROBLEM_MEDIA_TYPE])
    @ns.response(200, "schema.org Muscle JSON-LD.")
    @problems(ns, 404)
    @cached_read
    def get(self, slug: str):
        """Show a topic as schema.org Muscle JSON-LD, to paste into its page's head."""
        topic = TOPICS.find(slug, include_hidden=current_key() is not None, include_deleted=False)
        return json_ld_response(topic_document(_with_public_articles(topic)))


add_lifecycle_routes(ns, TOPICS, TopicIn, "TopicAdminItem")
