"""Articles: the public list and item; with a key, drafts, writes, soft delete, restore, purge, revisions."""

from typing import Any

from marshmallow import fields
from sqlalchemy import Select, select
from sqlalchemy.orm import defer, selectinload

from api.collection.declaration import Collection, CollectionDocs, Include, copy_fields, public_page
from api.collection.routes import collection_namespace
from api.collection.structured_data import studio_reference
from api.web.errors import ProblemError
from models import Article, Series, Studio, Topic, db
from models.richtext import UnrenderableMarkdown
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
from seed_data import seeded_bodies


def _resolve_topics(slugs: list[str]) -> list[Topic]:
    topics = list(db.session.scalars(select(Topic).where(Topic.slug.in_(slugs), Topic.public())))
    unknown = sorted(set(slugs) - {topic.slug for topic in topics})
    if unknown:
        errors = {"topics": [f"No topic has the slug '{slug}'." for slug in unknown]}
        raise ProblemError(422, "The body names unknown topics.", errors=errors)
    return sorted(topics, key=lambda topic: slugs.index(topic.slug))


def _resolve_series(slug: str | None) -> Series | None:
    if slug is None:
        return None
    series = db.session.scalar(select(Series).where(Series.slug == slug))
    if series is None:
        raise ProblemError(
            422, "The body names an unknown series.", errors={"series": [f"No series has the slug '{slug}'."]}
        )
    return series


def apply_article_input(article: Article, data: dict[str, Any]) -> None:
    """Copy validated input onto an article. Its publication time is the one the body gives; else the one
    it has (a PUT, or unpublishing and publishing again, keeps the first); else, when it is published, now.
    `status: scheduled` is published at a future time, which the body must give."""
    if "topics" in data:
        article.topics = _resolve_topics(data.pop("topics"))
    if "series" in data:
        article.series = _resolve_series(data.pop("series"))
    if data.get("status") == "scheduled":
        if data.get("published_at") is None or data["published_at"] <= utcnow():
            errors = {"published_at": ["Give the future time it goes live; scheduled needs one."]}
            raise ProblemError(422, "A scheduled article needs a future published_at.", errors=errors)
        data = {**data, "status": "published"}
    first_publication = article.published_at
    try:
        copy_fields(article, data)  # setting body_markdown renders it
    except UnrenderableMarkdown as refusal:
        raise ProblemError(
            422, "The body is more than a page can hold.", errors={"body_markdown": [str(refusal)]}
        ) from None
    if article.published_at is None:
        article.published_at = first_publication
    if article.status == "published" and article.published_at is None:
        article.published_at = utcnow()


def snapshot_to_input(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A revision's snapshot as the input that recreates it."""
    writable = {name: snapshot[name] for name in ArticleIn().fields if name in snapshot}
    writable["topics"] = [topic["slug"] for topic in snapshot.get("topics", [])]
    writable["series"] = snapshot["series"]["slug"] if snapshot.get("series") else None
    # The workflow state the revision had: a draft's "deleted" revision comes back a draft. Revisions made
    # before stored_status was kept say only what readers saw; a deleted one of those comes back a draft
    # too, since a restore must never publish what may not have been public.
    stored = snapshot.get("stored_status") or snapshot.get("status")
    writable["status"] = "published" if stored in ("published", "scheduled") else "draft"
    return writable


def _filters(query: Select, args: dict[str, Any]) -> Select:
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
        "wordCount": len(article.body_text.split()),
        "timeRequired": f"PT{article.reading_time_minutes}M",
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat(),
        "isPartOf": {"@type": "CreativeWorkSeries", "name": article.series.title} if article.series else None,
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
    # The topics are loaded with every page already (selectinload); embedding shows them in full.
    includes={"topics": Include(fields.List(fields.Nested(TopicSummary), attribute="visible_topics"))},
    load_options=(selectinload(Article.topics), selectinload(Article.series)),
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
