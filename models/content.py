"""Articles, the series they belong to, and topics (muscle groups).

All three share one workflow (draft, published at a time, scheduled, deleted)
and one rule for what the public may see (`PublishableItem.public`), so the
item, the list, its total and every later read path (the content version
included) apply the same rule. What one item names of the others (an article's
topics and series, a topic's related topics) is filtered by that rule for the
public (`visible_*`) and by liveness for key holders (`live_*`).
"""

from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from models import Model, db
from models.editable import PublishableItem
from models.media import Media, Placement, find_media, placed
from models.richtext import derive_excerpt, render_markdown

article_topics = Table(
    "article_topics",
    Model.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# The library images an article's body places (`![alt](media:slug)`): what a purge of one must not break.
article_media = Table(
    "article_media",
    Model.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("media_id", ForeignKey("media.id"), primary_key=True, index=True),
)


class UnknownImages(ValueError):
    """A body places images the library does not have (or no longer has)."""

    def __init__(self, slugs: list[str]):
        super().__init__(", ".join(slugs))
        self.slugs = slugs


# Stored once per pair, in both directions, so "related to" reads as one join.
related_topics = Table(
    "related_topics",
    Model.metadata,
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("related_topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
)


def _by_name(topic: "Topic") -> tuple[str, int]:
    return topic.name, topic.topic_id or 0


class Series(PublishableItem, Model):
    """A run of articles on one theme ("In this series we will consider ..."), in the order they are read."""

    __tablename__ = "series"

    series_id: Mapped[int] = mapped_column("id", primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[Optional[str]] = mapped_column(Text)

    articles: Mapped[list["Article"]] = relationship(
        back_populates="series", order_by=lambda: (Article.series_position, Article.article_id)
    )

    if TYPE_CHECKING:
        # Set by a series write that reorders its articles (not a column): the articles it moved in or out,
        # whose own revisions record the move once the write is saved.
        moved_articles: list["Article"]

    @property
    def visible_articles(self) -> list["Article"]:
        return [article for article in self.articles if article.is_public]

    @property
    def live_articles(self) -> list["Article"]:
        return [article for article in self.articles if article.is_live]

    @property
    def visible_article_count(self) -> int:
        return len(self.visible_articles)

    @property
    def live_article_count(self) -> int:
        return len(self.live_articles)


class Topic(PublishableItem, Model):
    """A muscle group, with only the anatomy and care content its source gives."""

    __tablename__ = "topics"

    topic_id: Mapped[int] = mapped_column("id", primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    body_region: Mapped[Optional[str]] = mapped_column(String(120))
    summary: Mapped[Optional[str]] = mapped_column(Text)
    # Each of these is a list of passages quoted from the source, in its order.
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    actions: Mapped[list[str]] = mapped_column(JSON, default=list)
    stressors: Mapped[list[str]] = mapped_column(JSON, default=list)
    signs: Mapped[list[str]] = mapped_column(JSON, default=list)
    assessment: Mapped[list[str]] = mapped_column(JSON, default=list)
    care: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Its picture: a library image, and the alt text it has here (null: the image's own).
    image_id: Mapped[Optional[int]] = mapped_column(ForeignKey("media.id"), index=True)
    image_alt: Mapped[Optional[str]] = mapped_column(Text)

    image: Mapped[Optional[Media]] = relationship()
    related: Mapped[list["Topic"]] = relationship(
        secondary=related_topics,
        primaryjoin=lambda: Topic.topic_id == related_topics.c.topic_id,
        secondaryjoin=lambda: Topic.topic_id == related_topics.c.related_topic_id,
        order_by=lambda: Topic.name,
    )
    articles: Mapped[list["Article"]] = relationship(secondary=article_topics, back_populates="topics")

    if TYPE_CHECKING:
        # Loaded by the API for the topics it shows (not columns): its latest public articles, and how many.
        public_articles: list["Article"]
        public_article_count: int

    # By name, as the relationship loads them: a write's answer (whose list is in the order it was given)
    # and every later read list them alike, on every database.
    @property
    def visible_related(self) -> list["Topic"]:
        return sorted((topic for topic in self.related if topic.is_public), key=_by_name)

    @property
    def live_related(self) -> list["Topic"]:
        return sorted((topic for topic in self.related if topic.is_live), key=_by_name)

    @property
    def visible_image(self) -> Optional[Placement]:
        return placed(self.image, self.image_alt, public=True)

    @property
    def live_image(self) -> Optional[Placement]:
        return placed(self.image, self.image_alt, public=False)

    def set_related(self, others: list["Topic"]) -> None:
        """Make `others` this topic's related topics, both ways."""
        for old in list(self.related):
            if old not in others:
                self.related.remove(old)
                if self in old.related:
                    old.related.remove(self)
        for other in others:
            self.relate_to(other)

    def relate_to(self, other: "Topic") -> None:
        """Relate two topics both ways."""
        if other not in self.related:
            self.related.append(other)
        if self not in other.related:
            other.related.append(self)


class Article(PublishableItem, Model):
    """A blog article: Markdown source plus what readers are served from it."""

    __tablename__ = "articles"
    __table_args__ = (
        # Both hold every column of the public rule (`Article.public`), so lists, totals, deep pages and
        # search check visibility from an index alone: on SQLite a row's status and times sit behind its
        # bodies' overflow pages, and reading them row by row made a 100,000-article total take 0.26 s.
        # In list order: the public list, its total and any page of it, however deep.
        Index("ix_articles_public_order", "status", "deleted_at", "published_at", "id"),
        # By id: whether the articles a search matched are public, and whether an article's stored detail
        # is of its version (`models.representations`), without reading them (at 100,000 articles, 456 µs
        # a random article through its overflow pages, 20 µs from the index).
        Index("ix_articles_visibility", "id", "status", "deleted_at", "published_at", "version"),
    )

    article_id: Mapped[int] = mapped_column("id", primary_key=True)
    # The content version its last write made (`models.content_state`, set in the write's own flush):
    # the articles changed since a version are those above it (the search index catches up by it).
    changed_in: Mapped[int] = mapped_column(default=0, server_default="0", index=True)
    title: Mapped[str] = mapped_column(String(200))
    # What lists and cards show: the editor's, or (excerpt_derived) made from the body (see `derive_excerpt`).
    excerpt: Mapped[Optional[str]] = mapped_column(Text)
    excerpt_derived: Mapped[bool] = mapped_column(default=False)
    body_markdown: Mapped[str] = mapped_column(Text)
    # Rendered from body_markdown whenever it is set (see `_render_body`).
    body_html: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    toc: Mapped[list[dict]] = mapped_column(JSON)
    reading_time_minutes: Mapped[int]
    seo_title: Mapped[Optional[str]] = mapped_column(String(200))
    seo_description: Mapped[Optional[str]] = mapped_column(String(320))
    series_id: Mapped[Optional[int]] = mapped_column(ForeignKey("series.id"))
    # Its place in its series, from 1 (see api.resources.series for how it is kept).
    series_position: Mapped[Optional[int]]
    # Its feature image: a library image, and the alt text it has here (null: the image's own).
    feature_image_id: Mapped[Optional[int]] = mapped_column(ForeignKey("media.id"), index=True)
    feature_image_alt: Mapped[Optional[str]] = mapped_column(Text)
    # The library images the body places, one per marker in body_html, in order: {"media_id", "alt"}.
    body_images: Mapped[list[dict]] = mapped_column(JSON, default=list)

    feature_image: Mapped[Optional[Media]] = relationship()
    body_media: Mapped[list[Media]] = relationship(secondary=article_media)
    series: Mapped[Optional[Series]] = relationship(back_populates="articles")
    topics: Mapped[list[Topic]] = relationship(
        secondary=article_topics, back_populates="articles", order_by=lambda: Topic.name
    )

    if TYPE_CHECKING:
        # Set when the body is rendered (not a column): what sanitizing took out, for the write's answer.
        write_warnings: list[str]

    @validates("body_markdown")
    def _render_body(self, _key: str, source: str) -> str:
        rendered = render_markdown(source)
        self.body_html = rendered.html
        self.body_text = rendered.text
        self.toc = rendered.toc
        self.reading_time_minutes = rendered.reading_time_minutes
        self.write_warnings = rendered.removed
        self._place_images(rendered.images)
        return source

    def _place_images(self, images: list[dict]) -> None:
        """Name the library images the body places, by id (slugs may change); UnknownImages for any the
        library does not have."""
        if not images and not self.body_images:
            self.body_images = []
            return
        with db.session.no_autoflush:
            found = find_media([image["slug"] for image in images]) if images else {}
        unknown = sorted({image["slug"] for image in images} - set(found))
        if unknown:
            raise UnknownImages(unknown)
        self.body_images = [{"media_id": found[image["slug"]].media_id, "alt": image["alt"]} for image in images]
        self.body_media = list({media.media_id: media for media in found.values()}.values())

    @property
    def visible_feature_image(self) -> Optional[Placement]:
        return placed(self.feature_image, self.feature_image_alt, public=True)

    @property
    def live_feature_image(self) -> Optional[Placement]:
        return placed(self.feature_image, self.feature_image_alt, public=False)

    def settle_excerpt(self, given: bool) -> None:
        """After a write: an excerpt the editor `given` stays theirs; one left null, or derived before and
        not given now, is made again from the body (which may have changed)."""
        if given and self.excerpt is not None:
            self.excerpt_derived = False
        elif self.excerpt is None or self.excerpt_derived:
            self.excerpt = derive_excerpt(self.body_text, self.toc)
            self.excerpt_derived = self.excerpt is not None

    @property
    def visible_topics(self) -> list[Topic]:
        return sorted((topic for topic in self.topics if topic.is_public), key=_by_name)

    @property
    def live_topics(self) -> list[Topic]:
        return sorted((topic for topic in self.topics if topic.is_live), key=_by_name)

    @property
    def visible_series(self) -> Optional[Series]:
        return self.series if self.series is not None and self.series.is_public else None

    @property
    def live_series(self) -> Optional[Series]:
        return self.series if self.series is not None and self.series.is_live else None

    @property
    def seo(self) -> dict:
        """The page-head title and description, falling back to the title and excerpt."""
        return {"title": self.seo_title or self.title, "description": self.seo_description or self.excerpt}

    @classmethod
    def newest_first(cls) -> tuple[Any, ...]:
        """The stable order of every article list."""
        return (cls.published_at.desc(), cls.article_id.desc())


def join_series(article: Article, series: Optional[Series]) -> None:
    """Put the article last in `series` (or in none), leaving the series it was in."""
    article.series = series
    if series is None:
        article.series_position = None
        return
    positions = [other.series_position or 0 for other in series.articles if other is not article]
    article.series_position = max(positions, default=0) + 1


def order_series(series: Series, articles: list[Article]) -> list[Article]:
    """Make `articles` the series' articles, in this order; those it had and are not named leave it.
    Returns the articles whose series or place changed."""
    moved = []
    for article in list(series.articles):
        if article not in articles:
            article.series, article.series_position = None, None
            moved.append(article)
    for position, article in enumerate(articles, start=1):
        if article.series is not series or article.series_position != position:
            article.series, article.series_position = series, position
            moved.append(article)
    return moved
