"""Series: runs of articles read in order. The public list and item; with a key, drafts, writes, soft
delete, restore, purge, revisions.

An article's place is kept on the article (its series and position), so an
article's revisions say where it was. A series write that names its
`articles` reorders them, and each article it moves records a revision of its
own ("moved in series", "left series"); an article that joins a series by its own
`series` field goes last there.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.collection.declaration import Collection, CollectionDocs, public_page
from api.collection.publishing import apply_publishing, restored_status
from api.collection.routes import collection_namespace
from api.web.auth import key_name
from api.web.errors import ProblemError
from models import Article, Series, db
from models.content import order_series
from models.revisions import record_revision
from schemas.content import (
    ARTICLE_SNAPSHOT,
    SERIES_SNAPSHOT,
    SeriesAdmin,
    SeriesAdminSummary,
    SeriesDetail,
    SeriesListQuery,
    SeriesSummary,
)
from schemas.input import SeriesIn
from seed_data import read_seed

_SEEDED = read_seed("series.yaml")[0]


def _resolve_articles(slugs: list[str]) -> list[Article]:
    """The articles named, in the order named: any that is not deleted; 422 for unknown or repeated ones."""
    repeated = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if repeated:
        errors = {"articles": [f"'{slug}' is named more than once." for slug in repeated]}
        raise ProblemError(422, "A series holds each article once.", errors=errors)
    found = db.session.scalars(select(Article).where(Article.slug.in_(slugs), Article.deleted_at.is_(None)))
    by_slug = {article.slug: article for article in found}
    unknown = [slug for slug in slugs if slug not in by_slug]
    if unknown:
        errors = {"articles": [f"No article has the slug '{slug}'." for slug in unknown]}
        raise ProblemError(422, "The body names unknown articles.", errors=errors)
    return [by_slug[slug] for slug in slugs]


def apply_series_input(series: Series, data: dict[str, Any]) -> None:
    """Copy validated input onto a series; `articles`, when given, become its articles in that order."""
    article_slugs = data.pop("articles", None)
    apply_publishing(series, data, "series")
    series.moved_articles = [] if article_slugs is None else order_series(series, _resolve_articles(article_slugs))


def record_moves(series: Series) -> None:
    """Each article the write moved in or out of the series records a revision saying so."""
    moved = getattr(series, "moved_articles", [])
    db.session.flush()
    for article in moved:
        # The action says what; the snapshot says which series and where (an action holds 32 characters).
        action = "moved in series" if article.series is series else "left series"
        record_revision("article", article.article_id, ARTICLE_SNAPSHOT.dump(article), action, key_name())
    series.moved_articles = []


def snapshot_to_input(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A revision's snapshot as the input that recreates it (its articles' places are theirs to restore)."""
    writable = {name: snapshot[name] for name in SeriesIn().fields if name in snapshot and name != "articles"}
    writable["status"] = restored_status(snapshot)
    return writable


def series_document(series: Series) -> dict[str, Any]:
    """The series as schema.org CreativeWorkSeries JSON-LD, with its published articles in order."""
    page = public_page(series)
    return {
        "@type": "CreativeWorkSeries",
        "@id": page,
        "url": page,
        "name": series.title,
        "description": series.description,
        "hasPart": [
            {"@type": "BlogPosting", "headline": article.title, "url": public_page(article), "position": position}
            for position, article in enumerate(series.visible_articles, start=1)
        ],
    }


def _articles_in(series: Series) -> list[str]:
    """Every article in the series, in any state (drafts and deleted ones too)."""
    slugs = db.session.scalars(select(Article.slug).where(Article.series_id == series.series_id).order_by(Article.slug))
    return [f"article '{slug}'" for slug in slugs]


SERIES = Collection(
    name="series",
    item_type="series",
    model=Series,
    input_schema=SeriesIn,
    public_schema=SeriesDetail,
    admin_schema=SeriesAdmin,
    list_public=SeriesSummary,
    list_admin=SeriesAdminSummary,
    snapshot_schema=SERIES_SNAPSHOT,
    list_query=SeriesListQuery,
    apply=apply_series_input,
    to_input=snapshot_to_input,
    after_save=record_moves,
    slug_from="title",
    structured_data=series_document,
    sorts={"title": Series.title, "published_at": Series.published_at, "updated_at": Series.updated_at},
    default_sort="title",
    # A series shows its articles as references: their bodies are not read.
    load_options=(
        selectinload(Series.articles).load_only(
            Article.slug,
            Article.title,
            Article.excerpt,
            Article.published_at,
            Article.status,
            Article.deleted_at,
            Article.series_id,
            Article.series_position,
            Article.version,
        ),
    ),
    in_use_by=_articles_in,
    docs=CollectionDocs(
        namespace="Series: articles on one theme, in reading order",
        slug_example=_SEEDED["slug"],
        list_summary="List published series by title (with a key, any status).",
        list_response="A page of series, by title.",
        read_summary="Show one published series with its articles in reading order (with a key, drafts too).",
        read_response="The series, with its articles in order.",
        structured_data_summary="Show a series as schema.org CreativeWorkSeries JSON-LD, to paste into its page's head.",
        structured_data_response="schema.org CreativeWorkSeries JSON-LD, with its articles in order.",
        patch_example={"description": _SEEDED["description"]},
        put_example={key: value for key, value in _SEEDED.items() if key != "slug"} | {"status": "published"},
    ),
)

ns = collection_namespace(SERIES)
