"""Articles: the public list and item; with a key, drafts, writes, soft delete, restore, purge, revisions."""

from typing import Any

from marshmallow import fields
from sqlalchemy import Select, select
from sqlalchemy.orm import defer, selectinload

from api.collection.declaration import Collection, CollectionDocs, Include, copy_fields, public_page
from api.collection.images import image_of, unknown_images_problem
from api.collection.publishing import apply_publishing, restored_status
from api.collection.routes import collection_namespace
from api.collection.structured_data import image_object, studio_reference
from api.web.auth import current_key
from api.web.errors import ProblemError
from models import Article, Media, Series, Studio, Topic, db
from models.content import UnknownImages, join_series
from models.richtext import UnrenderableMarkdown
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
from seed_data import seeded_bodies


def _resolve_topics(slugs: list[str]) -> list[Topic]:
    """The topics named, in the order named: any that is not deleted (a draft topic shows once published)."""
    topics = list(db.session.scalars(select(Topic).where(Topic.slug.in_(slugs), Topic.deleted_at.is_(None))))
    unknown = sorted(set(slugs) - {topic.slug for topic in topics})
    if unknown:
        errors = {"topics": [f"No topic has the slug '{slug}'." for slug in unknown]}
        raise ProblemError(422, "The body names unknown topics.", errors=errors)
    return sorted(topics, key=lambda topic: slugs.index(topic.slug))


def _resolve_series(slug: str | None) -> Series | None:
    if slug is None:
        return None
    series = db.session.scalar(select(Series).where(Series.slug == slug, Series.deleted_at.is_(None)))
    if series is None:
        raise ProblemError(
            422, "The body names an unknown series.", errors={"series": [f"No series has the slug '{slug}'."]}
        )
    return series


def _copy_article_fields(article: Article, data: dict[str, Any]) -> None:
    try:
        copy_fields(article, data)  # setting body_markdown renders it
    except UnknownImages as refusal:
        raise unknown_images_problem(refusal.slugs) from None
    except UnrenderableMarkdown as refusal:
        raise ProblemError(
            422, "The body is more than a page can hold.", errors={"body_markdown": [str(refusal)]}
        ) from None


def apply_article_input(article: Article, data: dict[str, Any]) -> None:
    """Copy validated input onto an article (see api.collection.publishing for its status and time).
    Joining a series puts it last there."""
    if "topics" in data:
        article.topics = _resolve_topics(data.pop("topics"))
    if "series" in data:
        series = _resolve_series(data.pop("series"))
        if series is not article.series:
            join_series(article, series)
    if "feature_image" in data:
        article.feature_image, article.feature_image_alt = image_of(
            data.pop("feature_image"), "feature_image", article.feature_image, article.feature_image_alt
        )
    apply_publishing(article, data, "article", copy=_copy_article_fields)
    article.settle_excerpt(given="excerpt" in data)


def snapshot_to_input(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A revision's snapshot as the input that recreates it."""
    writable = {name: snapshot[name] for name in ArticleIn().fields if name in snapshot}
    writable["topics"] = [topic["slug"] for topic in snapshot.get("topics", [])]
    writable["series"] = snapshot["series"]["slug"] if snapshot.get("series") else None
    writable["status"] = restored_status(snapshot)
    if snapshot.get("excerpt_derived"):
        writable["excerpt"] = None  # made again from the body, as it was
    return writable


def _filters(query: Select, args: dict[str, Any]) -> Select:
    """The article list's filters: topics (any of), series, publication time range."""
    if "topic" in args:
        query = query.where(Article.topics.any(Topic.slug.in_(args["topic"]) & Topic.public()))
    if "series" in args:
        visible = Series.deleted_at.is_(None) if current_key() is not None else Series.public()
        query = query.where(Article.series.has((Series.slug == args["series"]) & visible))
    if "published_after" in args:
        query = query.where(Article.published_at >= args["published_after"])
    if "published_before" in args:
        query = query.where(Article.published_at < args["published_before"])
    return query


def article_document(article: Article) -> dict[str, Any]:
    """The article as schema.org BlogPosting JSON-LD, about its topics (Muscle)."""
    studio = db.session.scalar(select(Studio).limit(1))
    page = public_page(article)
    return {
        "@type": "BlogPosting",
        "@id": page,
        "url": page,
        "mainEntityOfPage": page,
        "headline": article.title,
        "description": article.seo["description"],
        "articleBody": article.body_text,
        "image": image_object(article.visible_feature_image),
        "wordCount": len(article.body_text.split()),
        "timeRequired": f"PT{article.reading_time_minutes}M",
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat(),
        "isPartOf": (
            {
                "@type": "CreativeWorkSeries",
                "name": article.visible_series.title,
                "url": public_page(article.visible_series),
            }
            if article.visible_series
            else None
        ),
        "about": [
            {"@type": "Muscle", "name": topic.name, "url": public_page(topic)} for topic in article.visible_topics
        ],
        "author": studio_reference(studio) if studio else None,
        "publisher": studio_reference(studio) if studio else None,
    }


ARTICLES = Collection(
    name="articles",
    item_type="article",
    model=Article,
    input_schema=ArticleIn,
    public_schema=ArticleDetail,
    admin_schema=ArticleAdmin,
    list_public=ArticleSummary,
    list_admin=ArticleAdminSummary,
    snapshot_schema=ARTICLE_SNAPSHOT,
    list_query=ArticleListQuery,
    apply=apply_article_input,
    to_input=snapshot_to_input,
    slug_from="title",
    structured_data=article_document,
    filters=_filters,
    sorts={"published_at": Article.published_at, "title": Article.title, "updated_at": Article.updated_at},
    default_sort="-published_at",
    stored=True,
    indexed_search=True,
    # The topics are loaded with every page already (selectinload); embedding shows them in full.
    includes={"topics": Include(fields.List(fields.Nested(TopicSummary), attribute="visible_topics"))},
    # Images with their files: two queries a page (or an item) however many it shows.
    load_options=(
        selectinload(Article.topics),
        selectinload(Article.series),
        selectinload(Article.feature_image).selectinload(Media.files),
        selectinload(Article.body_media).selectinload(Media.files),
    ),
    list_options=(defer(Article.body_markdown), defer(Article.body_html), defer(Article.body_text), defer(Article.toc)),
    docs=CollectionDocs(
        namespace="Articles about massage and the muscle groups it helps",
        slug_example="massage-for-quadratus-lumborum",
        list_summary="List published articles, newest first (with a key, any status).",
        list_response="A page of articles, newest first.",
        read_summary="Show one published article by its slug (with a key, drafts and scheduled ones too).",
        read_response="The article, with its body as HTML and plain text (and Markdown, with a key).",
        structured_data_summary=(
            "Show an article as schema.org JSON-LD, to paste into its page's head (with a key, drafts too)."
        ),
        structured_data_response="schema.org BlogPosting JSON-LD, about its topics (Muscle).",
        patch_example={"excerpt": "Why a tight quadratus lumborum hurts, and how massage helps."},
        put_example=seeded_bodies()["article"],
    ),
)

ns = collection_namespace(ARTICLES)
