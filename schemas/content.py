"""Schemas of articles, series and topics, as the read API serves them.

The public's schemas name only public items (`visible_*` attributes); a key
holder's name every live one, drafts and scheduled ones too (`live_*`).
"""

from marshmallow import fields, validate

from models.editable import PUBLISHING_STATES
from schemas.common import (
    SLUG_PATTERN,
    CommaList,
    FullMatch,
    Instant,
    Out,
    PageQuery,
    SearchText,
    UtcDateTime,
    doc,
    fields_field,
    item_envelope,
    list_envelope,
    slugs_field,
    sort_field,
)
from schemas.media import ImageUse, PlacedImage, PlacedImageAdmin, body_html_with_images

QL = "quadratus-lumborum"
_FEATURE_DOC = "Its feature image, ready for a responsive `<img>` (null when it has none, or the image was deleted)."
_IMAGE_DOC = "Its picture, ready for a responsive `<img>` (null when it has none, or the image was deleted)."


_STATES_SHOWN = ["draft", "published", "scheduled", "deleted"]


def status_field(description: str) -> fields.String:
    """The workflow state of an article, topic or series, as its readers see it."""
    return fields.String(
        attribute="effective_status", validate=validate.OneOf(_STATES_SHOWN), metadata=doc(description, "published")
    )


class SearchHit(Out):
    rank = fields.Float(metadata=doc("How well the item matches; higher is better.", 0.42))
    snippet = fields.String(
        metadata=doc(
            "A passage with the matches in `<mark>`, the rest HTML-escaped.", "… the <mark>QL</mark> muscles …"
        )
    )


class TopicRef(Out):
    """A topic named from elsewhere (an article's topics, a topic's related topics)."""

    slug = fields.String(metadata=doc("The topic's slug.", QL))
    name = fields.String(metadata=doc("The topic's name.", "Quadratus Lumborum"))


class SeriesRef(Out):
    """The series an article belongs to."""

    slug = fields.String(metadata=doc("The series' slug.", "learn-about-massage-for-back-pain"))
    title = fields.String(metadata=doc("The series' title.", "Learn About Massage For Back Pain"))
    description = fields.String(allow_none=True, metadata=doc("What the series is about."))


class ArticleRef(Out):
    """An article named from a topic or a series."""

    slug = fields.String(metadata=doc("The article's slug.", "massage-for-quadratus-lumborum"))
    title = fields.String(metadata=doc("The article's title.", "Massage For Quadratus Lumborum"))
    excerpt = fields.String(
        allow_none=True,
        metadata=doc(
            "A short summary for lists and cards: the editor's, or made from the body's first sentences as "
            "plain text (excerpt_derived); null only for a body with no text."
        ),
    )
    published_at = UtcDateTime(allow_none=True, metadata=doc("When it was published (UTC).", "2026-11-23T18:00:00Z"))


class TocEntry(Out):
    level = fields.Integer(metadata=doc("Heading level, 1 to 6.", 2))
    id = fields.String(metadata=doc("The heading's anchor in body_html.", "the-quadratus-lumborum"))
    text = fields.String(metadata=doc("The heading's text.", "The Quadratus Lumborum"))


class Seo(Out):
    title = fields.String(metadata=doc("Title for the page's `<title>`; the article's title unless set."))
    description = fields.String(
        allow_none=True, metadata=doc("Meta description; the excerpt (the editor's or the derived one) unless set.")
    )


class ArticleSummary(ArticleRef):
    """An article as lists show it: everything but the body."""

    status = status_field("published to the public; key holders also see draft, scheduled (a future time) and deleted.")
    excerpt_derived = fields.Boolean(
        metadata=doc("True when the excerpt was made from the body (the editor gave none).", False)
    )
    reading_time_minutes = fields.Integer(metadata=doc("Estimated reading time at 200 words a minute.", 4))
    topics = fields.List(
        fields.Nested(TopicRef), attribute="visible_topics", metadata=doc("The muscle groups it is about, by name.")
    )
    series = fields.Nested(
        SeriesRef, attribute="visible_series", allow_none=True, metadata=doc("The series it belongs to, if any.")
    )
    series_position = fields.Integer(
        allow_none=True, metadata=doc("Its place in its series, from 1; null when in none.", 1)
    )
    feature_image = fields.Nested(
        PlacedImage, attribute="visible_feature_image", allow_none=True, metadata=doc(_FEATURE_DOC)
    )
    created_at = UtcDateTime(metadata=doc("When it was created (UTC).", "2026-11-23T18:00:00Z"))
    updated_at = UtcDateTime(metadata=doc("When it last changed (UTC).", "2026-11-23T18:00:00Z"))
    search = fields.Nested(
        SearchHit, attribute="search_hit", metadata=doc("With q only: how it matched.", sometimes=True)
    )


class ArticleDetail(ArticleSummary):
    """One article with its body as sanitized HTML, as plain text, and its headings."""

    body_html = fields.Function(
        body_html_with_images,
        metadata=doc(
            "The body as sanitized HTML, headings carrying ids, and each library image it places as a "
            "`<picture>` (AVIF, WebP) with a responsive `<img>` (srcset, sizes, width, height, lazy loading).",
            "<p>Lower back pain…</p>",
        ),
    )
    body_text = fields.String(metadata=doc("The body as plain text, paragraphs separated by blank lines."))
    toc = fields.List(fields.Nested(TocEntry), metadata=doc("The body's headings, in order."))
    seo = fields.Nested(Seo, metadata=doc("What to put in the page's head."))


class TopicSummary(Out):
    """A muscle group as lists show it."""

    slug = fields.String(metadata=doc("The topic's slug.", QL))
    name = fields.String(metadata=doc("The muscle group's name.", "Quadratus Lumborum"))
    aliases = fields.List(fields.String(), metadata=doc("Other names the source uses.", ["QL", "QL’s", "QL muscles"]))
    body_region = fields.String(allow_none=True, metadata=doc("Where in the body it is.", "lower back"))
    summary = fields.String(allow_none=True, metadata=doc("One or two sentences about it, from the source."))
    image = fields.Nested(PlacedImage, attribute="visible_image", allow_none=True, metadata=doc(_IMAGE_DOC))
    updated_at = UtcDateTime(metadata=doc("When it last changed (UTC).", "2026-11-23T18:00:00Z"))
    search = fields.Nested(
        SearchHit, attribute="search_hit", metadata=doc("With q only: how it matched.", sometimes=True)
    )


def _passages(description: str) -> fields.List:
    return fields.List(fields.String(), metadata=doc(description + " Passages quoted from the source, in order."))


class TopicDetail(TopicSummary):
    """One muscle group with its anatomy and care content, related topics and articles."""

    attachments = _passages("Where it attaches.")
    actions = _passages("What it does.")
    stressors = _passages("What stresses it.")
    signs = _passages("How problems with it show.")
    assessment = _passages("How problems with it are found.")
    care = _passages("What helps.")
    related = fields.List(fields.Nested(TopicRef), attribute="visible_related", metadata=doc("Related muscle groups."))
    articles = fields.List(
        fields.Nested(ArticleRef),
        attribute="public_articles",
        metadata=doc(
            "Its latest published articles (at most 10), newest first; `GET /articles?topic=<slug>` lists them all."
        ),
    )
    article_count = fields.Integer(
        attribute="public_article_count", metadata=doc("How many published articles are about it.", 1)
    )


class ArticleAdmin(ArticleDetail):
    """An article as a key holder sees it: with its Markdown source and raw SEO fields."""

    status = status_field("draft, published, scheduled (published with a future time) or deleted.")
    topics = fields.List(
        fields.Nested(TopicRef),
        attribute="live_topics",
        metadata=doc("The muscle groups it is about, by name (drafts and scheduled ones too)."),
    )
    series = fields.Nested(
        SeriesRef, attribute="live_series", allow_none=True, metadata=doc("The series it belongs to, if any.")
    )
    feature_image = fields.Nested(
        PlacedImageAdmin, attribute="live_feature_image", allow_none=True, metadata=doc(_FEATURE_DOC)
    )
    body_markdown = fields.String(
        metadata=doc("The body's Markdown source.", "## The Quadratus Lumborum\n\nThe QL is…")
    )
    seo_title = fields.String(allow_none=True, metadata=doc("The SEO title as set; null falls back to the title."))
    seo_description = fields.String(
        allow_none=True, metadata=doc("The SEO description as set; null falls back to the excerpt.")
    )
    deleted_at = UtcDateTime(allow_none=True, metadata=doc("When it was deleted (UTC), or null."))


class ArticleAdminSummary(ArticleSummary):
    """An article as a key holder's lists show it: with its state."""

    status = ArticleAdmin._declared_fields["status"]  # type: ignore[assignment]
    topics = ArticleAdmin._declared_fields["topics"]  # type: ignore[assignment]
    series = ArticleAdmin._declared_fields["series"]  # type: ignore[assignment]
    feature_image = ArticleAdmin._declared_fields["feature_image"]  # type: ignore[assignment]
    deleted_at = ArticleAdmin._declared_fields["deleted_at"]


_STATE_DOC = "draft, published, scheduled (published with a future time) or deleted."
_PUBLISHED_AT_DOC = "When it was, or is to be, published (UTC); null for a draft never published."
_DELETED_AT_DOC = "When it was deleted (UTC), or null."


class TopicAdmin(TopicDetail):
    """A topic as a key holder sees it: with its state."""

    status = status_field(_STATE_DOC)
    published_at = UtcDateTime(allow_none=True, metadata=doc(_PUBLISHED_AT_DOC, "2026-11-23T18:00:00Z"))
    related = fields.List(
        fields.Nested(TopicRef),
        attribute="live_related",
        metadata=doc("Related muscle groups (drafts and scheduled ones too)."),
    )
    image = fields.Nested(PlacedImageAdmin, attribute="live_image", allow_none=True, metadata=doc(_IMAGE_DOC))
    deleted_at = UtcDateTime(allow_none=True, metadata=doc(_DELETED_AT_DOC))


class TopicAdminSummary(TopicSummary):
    """A topic as a key holder's lists show it: with its state."""

    status = TopicAdmin._declared_fields["status"]
    published_at = TopicAdmin._declared_fields["published_at"]
    image = TopicAdmin._declared_fields["image"]  # type: ignore[assignment]
    deleted_at = TopicAdmin._declared_fields["deleted_at"]


class SeriesArticle(ArticleRef):
    """An article of a series, in its place."""

    position = fields.Integer(attribute="series_position", metadata=doc("Its place in the series, from 1.", 1))
    status = status_field("published to the public; key holders also see draft and scheduled ones.")


class SeriesSummary(Out):
    """A series as lists show it."""

    slug = fields.String(metadata=doc("The series' slug.", "learn-about-massage-for-back-pain"))
    title = fields.String(metadata=doc("The series' title.", "Learn About Massage For Back Pain"))
    description = fields.String(allow_none=True, metadata=doc("What the series is about."))
    published_at = UtcDateTime(allow_none=True, metadata=doc(_PUBLISHED_AT_DOC, "2026-11-23T18:00:00Z"))
    article_count = fields.Integer(
        attribute="visible_article_count", metadata=doc("How many published articles it has.", 1)
    )
    created_at = UtcDateTime(metadata=doc("When it was created (UTC).", "2026-11-23T18:00:00Z"))
    updated_at = UtcDateTime(metadata=doc("When it last changed (UTC).", "2026-11-23T18:00:00Z"))


class SeriesDetail(SeriesSummary):
    """One series with its published articles in reading order."""

    articles = fields.List(
        fields.Nested(SeriesArticle),
        attribute="visible_articles",
        metadata=doc("Its published articles, in reading order."),
    )


class SeriesAdmin(SeriesDetail):
    """A series as a key holder sees it: with its state, and its articles in every live state."""

    status = status_field(_STATE_DOC)
    article_count = fields.Integer(
        attribute="live_article_count", metadata=doc("How many articles it has, drafts and scheduled ones too.", 1)
    )
    articles = fields.List(
        fields.Nested(SeriesArticle),
        attribute="live_articles",
        metadata=doc("Its articles in reading order, drafts and scheduled ones too."),
    )
    deleted_at = UtcDateTime(allow_none=True, metadata=doc(_DELETED_AT_DOC))


class SeriesAdminSummary(SeriesSummary):
    """A series as a key holder's lists show it: with its state."""

    status = SeriesAdmin._declared_fields["status"]
    article_count = SeriesAdmin._declared_fields["article_count"]  # type: ignore[assignment]
    deleted_at = SeriesAdmin._declared_fields["deleted_at"]


class RevisionOut(Out):
    """One change to an item: who made it, when, what changed, and the item as it then was."""

    number = fields.Integer(metadata=doc("The revision's number, from 1, per item.", 2))
    action = fields.String(metadata=doc("What the change was.", "updated"))
    key_name = fields.String(allow_none=True, metadata=doc("The name of the API key that made it.", "alice"))
    created_at = UtcDateTime(metadata=doc("When (UTC).", "2026-11-23T18:00:00Z"))
    changed_fields = fields.List(fields.String(), metadata=doc("The fields that changed.", ["title"]))
    snapshot = fields.Dict(metadata=doc("The item as it was after the change."))


_STATUS_DOC = "Key holders only: which items to list ({}). Without a key only published is allowed."


SERIES_SORTS = ("title", "-title", "-published_at", "published_at", "-updated_at", "updated_at")
ARTICLE_SORTS = ("-published_at", "published_at", "title", "-title", "-updated_at", "updated_at", "relevance")
TOPIC_SORTS = ("name", "-name", "-updated_at", "updated_at", "relevance")
_FIELDS_DOC = (
    "Only these fields of each item, comma-separated (sparse fieldsets), e.g. slug,title. Unknown ones are a 400."
)
_Q_DOC = (
    "Full-text search: items matching every word, ranked, each with a highlighted snippet in `search`. "
    "A search with no word in it finds nothing."
)


class ArticleListQuery(PageQuery):
    """Query parameters of the article list."""

    slug = slugs_field("massage-for-quadratus-lumborum")
    status = fields.String(
        validate=validate.OneOf(PUBLISHING_STATES),
        metadata=doc(_STATUS_DOC.format(", ".join(PUBLISHING_STATES)), "published"),
    )
    topic = CommaList(
        pattern=SLUG_PATTERN, metadata=doc("Only articles about any of these topics (slugs, comma-separated).", QL)
    )
    series = fields.String(
        validate=FullMatch(SLUG_PATTERN, error="Must be a slug."),
        metadata=doc("Only articles in the series with this slug.", "learn-about-massage-for-back-pain"),
    )
    published_after = Instant(
        clamp=True,
        metadata=doc(
            "Only articles published at or after this time (ISO 8601 with an offset).", "2026-01-01T00:00:00Z"
        ),
    )
    published_before = Instant(
        clamp=True,
        metadata=doc("Only articles published before this time (ISO 8601 with an offset).", "2027-01-01T00:00:00Z"),
    )
    q = SearchText(metadata=doc(_Q_DOC, "lower back"))
    sort = sort_field(ARTICLE_SORTS, "Default: -published_at, or relevance with q.")
    only_fields = fields_field(_FIELDS_DOC, data_key="fields", choices=tuple(ArticleAdminSummary._declared_fields))
    include = CommaList(
        choices=("topics",), metadata=doc("Embed related objects: topics (each article's topics in full).", "topics")
    )


class TopicListQuery(PageQuery):
    """Query parameters of the topic list."""

    slug = slugs_field("quadratus-lumborum,gluteus-medius")
    status = ArticleListQuery._declared_fields["status"]
    q = SearchText(metadata=doc(_Q_DOC, "hip"))
    sort = sort_field(TOPIC_SORTS, "Default: name, or relevance with q.")
    only_fields = fields_field(
        _FIELDS_DOC, data_key="fields", choices=(*TopicAdminSummary._declared_fields, "articles")
    )
    include = CommaList(
        choices=("articles",),
        metadata=doc("Embed related objects: articles (each topic's published articles).", "articles"),
    )


class SeriesListQuery(PageQuery):
    """Query parameters of the series list."""

    slug = slugs_field("learn-about-massage-for-back-pain")
    status = ArticleListQuery._declared_fields["status"]
    sort = sort_field(SERIES_SORTS, "Default: title.")
    only_fields = fields_field(_FIELDS_DOC, data_key="fields", choices=tuple(SeriesAdminSummary._declared_fields))


# What a revision keeps of an item: the admin's view without what is derived from other fields.
class ArticleSnapshot(ArticleAdmin):
    """What a revision keeps of an article; `status` says what readers saw (deleted, scheduled), and
    `stored_status` the workflow state a restore brings back (draft or published)."""

    stored_status = fields.String(attribute="status")
    # Which image, by slug, and the alt text given here: not its files, whose URLs depend on the host.
    feature_image = fields.Nested(ImageUse, attribute="live_feature_image", allow_none=True)


class TopicSnapshot(TopicAdmin):
    """What a revision keeps of a topic (see ArticleSnapshot)."""

    stored_status = fields.String(attribute="status")
    image = fields.Nested(ImageUse, attribute="live_image", allow_none=True)


class SeriesSnapshot(SeriesAdmin):
    """What a revision keeps of a series: its own fields (its articles' places are in their revisions)."""

    stored_status = fields.String(attribute="status")


ARTICLE_SNAPSHOT = ArticleSnapshot(exclude=("body_html", "body_text", "toc", "seo"))
TOPIC_SNAPSHOT = TopicSnapshot(exclude=("articles", "article_count"))
SERIES_SNAPSHOT = SeriesSnapshot(exclude=("articles", "article_count"))

ArticleListEnvelope = list_envelope("ArticleList", ArticleSummary)
ArticleEnvelope = item_envelope("ArticleItem", ArticleDetail)
TopicListEnvelope = list_envelope("TopicList", TopicSummary)
TopicEnvelope = item_envelope("TopicItem", TopicDetail)
ArticleAdminEnvelope = item_envelope("ArticleAdminItem", ArticleAdmin)
TopicAdminEnvelope = item_envelope("TopicAdminItem", TopicAdmin)
RevisionListEnvelope = list_envelope("RevisionList", RevisionOut)
