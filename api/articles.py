"""Articles: the public list and item; with a key, drafts, writes, soft delete, restore, purge, revisions."""

from flask_restx import Namespace, Resource
from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from api import items
from api.auth import current_key
from api.lifecycle import add_lifecycle_routes
from api.response_cache import cached_read
from api.structured_data import JSON_LD_MEDIA_TYPE, article_document, json_ld_response
from api.errors import PROBLEM_MEDIA_TYPE, ProblemError
from api.spec import body, model, problems, query_params
from models import Article, Series, Studio, Topic, db
from models.richtext import slugify
from models.types import utcnow
from schemas.content import (
    ARTICLE_SNAPSHOT,
    ArticleAdmin,
    ArticleAdminSummary,
    ArticleDetail,
    ArticleListQuery,
    ArticleSummary,
    TopicSummary,
)
from schemas.input import ArticleIn

ns = Namespace("articles", description="Articles about massage and the muscle groups it helps")
KEY = {"security": "bearer"}


def _resolve_topics(slugs: list[str]) -> list[Topic]:
    topics = list(db.session.scalars(select(Topic).where(Topic.slug.in_(slugs), Topic.public())))
    unknown = sorted(set(slugs) - {topic.slug for topic in topics})
    if unknown:
        raise ProblemError(422, "The body names unknown topics.", errors={"topics": [f"No topic has the slug '{s}'." for s in unknown]})
    return sorted(topics, key=lambda topic: slugs.index(topic.slug))


def _resolve_series(slug: str | None) -> Series | None:
    if slug is None:
        return None
    series = db.session.scalar(select(Series).where(Series.slug == slug))
    if series is None:
        raise ProblemError(422, "The body names an unknown series.", errors={"series": [f"No series has the slug '{slug}'."]})
    return series


def apply_article_input(article: Article, data: dict, replace: bool) -> None:
    """Copy validated input onto an article; on replace, absent fields take their defaults."""
    if replace:
        data = {"excerpt": None, "seo_title": None, "seo_description": None, "topics": [], "series": None,
                "published_at": None, **data}
    if "topics" in data:
        article.topics = _resolve_topics(data.pop("topics"))
    if "series" in data:
        article.series = _resolve_series(data.pop("series"))
    was_published = article.status == "published"
    explicit_time = "published_at" in data and data["published_at"] is not None
    for field, value in data.items():
        setattr(article, field, value)
    if article.slug is None:
        article.slug = slugify(article.title)[:120].strip("-")
        if not article.slug:
            raise ProblemError(422, "No slug can be made from this title.", errors={"slug": ["Give a slug."]})
    if article.status == "published" and not explicit_time and (not was_published or article.published_at is None):
        article.published_at = utcnow()  # publishing defaults to now


def snapshot_to_input(snapshot: dict) -> dict:
    """A revision's snapshot as the input that recreates it."""
    writable = {name: snapshot[name] for name in ArticleIn().fields if name in snapshot}
    writable["topics"] = [topic["slug"] for topic in snapshot.get("topics", [])]
    writable["series"] = snapshot["series"]["slug"] if snapshot.get("series") else None
    writable["status"] = "draft" if snapshot.get("status") == "draft" else "published"
    return writable


ARTICLES = items.ItemKind(
    item_type="article",
    model=Article,
    public_schema=ArticleDetail(),
    admin_schema=ArticleAdmin(),
    snapshot_schema=ARTICLE_SNAPSHOT,
    load_options=(selectinload(Article.topics), selectinload(Article.series)),
    list_options=(defer(Article.body_markdown), defer(Article.body_html), defer(Article.body_text), defer(Article.toc)),
    apply=apply_article_input,
    list_order=Article.newest_first,
    to_input=snapshot_to_input,
    list_public=ArticleSummary,
    list_admin=ArticleAdminSummary,
    sorts={"published_at": Article.published_at, "title": Article.title, "updated_at": Article.updated_at},
    default_sort="-published_at",
    # The topics are loaded with every page already (selectinload); embedding shows them in full.
    includes={"topics": items.Include(fields.List(fields.Nested(TopicSummary), attribute="visible_topics"))},
)
def _filters(query, args):
    """The article list's filters: topics (any of), series, publication time range."""
    if "topic" in args:
        query = query.where(Article.topics.any(Topic.slug.in_(args["topic"]) & Topic.public()))
    if "series" in args:
        query = query.where(Article.series.has(Series.slug == args["series"]))
    if "published_after" in args:
        query = query.where(Article.published_at >= args["published_after"])
    if "published_before" in args:
        query = query.where(Article.published_at < args["published_before"])
    return query


@ns.route("")
class ArticleList(Resource):
    @ns.doc(params=query_params(ArticleListQuery))
    @ns.response(200, "A page of articles, newest first.", model("ArticleList"))
    @problems(ns, 400, 401)
    @cached_read
    def get(self):
        """List published articles, newest first (with a key, any status)."""
        return items.list_items(ARTICLES, ArticleListQuery, _filters)

    @ns.doc(**KEY)
    @ns.expect(body("ArticleIn", "The new item as JSON. Unknown and server-owned fields are refused."))
    @ns.response(201, "Created; Location names it.", model("ArticleAdminItem"))
    @problems(ns, 400, 401, 403, 409, 413, 415, 422)
    def post(self):
        """Create an article (editor)."""
        return items.create_item(ARTICLES, ArticleIn(), "api_v1.articles_article_item")


@ns.route("/<string:slug>")
@ns.param("slug", "The article's slug, for example massage-for-quadratus-lumborum")
class ArticleItem(Resource):
    @ns.response(200, "The article, with its body as HTML and plain text (and Markdown, with a key).", model("ArticleItem"))
    @problems(ns, 400, 401, 404)
    @cached_read
    def get(self, slug: str):
        """Show one published article by its slug (with a key, drafts and scheduled ones too)."""
        return items.read_item(ARTICLES, slug)

    @ns.doc(**KEY)
    @ns.expect(body("ArticleIn", "The whole item as JSON; fields left out take their defaults."))
    @ns.response(200, "Replaced.", model("ArticleAdminItem"))
    @problems(ns, 400, 401, 403, 404, 409, 412, 413, 415, 422)
    def put(self, slug: str):
        """Replace an article (editor); fields left out take their defaults."""
        return items.change_item(ARTICLES, slug, ArticleIn(), partial=False)

    @ns.doc(**KEY)
    @ns.expect(body("ArticlePatch", "Only the fields to change, as JSON."))
    @ns.response(200, "Updated.", model("ArticleAdminItem"))
    @problems(ns, 400, 401, 403, 404, 409, 412, 413, 415, 422)
    def patch(self, slug: str):
        """Change some of an article's fields (editor)."""
        return items.change_item(ARTICLES, slug, ArticleIn(), partial=True)

    @ns.doc(**KEY)
    @ns.response(204, "Deleted (softly: an admin can restore it).")
    @problems(ns, 401, 403, 404, 412)
    def delete(self, slug: str):
        """Delete an article (editor); an admin can restore it or purge it."""
        return items.delete_item(ARTICLES, slug)


@ns.route("/<string:slug>/structured-data")
@ns.param("slug", "The article's slug, for example massage-for-quadratus-lumborum")
class ArticleStructuredData(Resource):
    @ns.produces([JSON_LD_MEDIA_TYPE, PROBLEM_MEDIA_TYPE])
    @ns.response(200, "schema.org BlogPosting JSON-LD, about its topics (Muscle).")
    @problems(ns, 404)
    @cached_read
    def get(self, slug: str):
        """Show an article as schema.org JSON-LD, to paste into its page's head (with a key, drafts too)."""
        article = ARTICLES.find(slug, include_hidden=current_key() is not None, include_deleted=False)
        return json_ld_response(article_document(article, db.session.scalar(select(Studio).limit(1))))


add_lifecycle_routes(ns, ARTICLES, ArticleIn, "ArticleAdminItem")
