"""Articles, the series they belong to, and topics (muscle groups).

The rule for what the public may see lives here, once per model (`Article.public`,
`Topic.public`), so the item, the list, its total and every later read path
(the content version included) apply the same rule.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import JSON, Column, ColumnElement, ForeignKey, Index, String, Table, Text, and_, true
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from models import Model
from models.editable import EditableItem
from models.richtext import render_markdown
from models.types import UTCDateTime, utcnow

ARTICLE_STATUSES = ("draft", "published")
# What a key holder may ask a list for with `status=`.
ARTICLE_STATES = ("published", "draft", "scheduled", "deleted", "all")
TOPIC_STATES = ("published", "deleted", "all")

article_topics = Table(
    "article_topics",
    Model.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# Stored once per pair, in both directions, so "related to" reads as one join.
related_topics = Table(
    "related_topics",
    Model.metadata,
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("related_topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
)


class Series(Model):
    """A run of articles on one theme ("In this series we will consider ...")."""

    __tablename__ = "series"

    series_id: Mapped[int] = mapped_column("id", primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[Optional[str]] = mapped_column(Text)

    articles: Mapped[list["Article"]] = relationship(back_populates="series")


class Topic(EditableItem, Model):
    """A muscle group, with only the anatomy and care content its source gives."""

    __tablename__ = "topics"
    STATES = TOPIC_STATES

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

    @property
    def status(self) -> str:
        return "deleted" if self.deleted_at is not None else "published"

    @property
    def visible_related(self) -> list["Topic"]:
        return [topic for topic in self.related if topic.deleted_at is None]

    @classmethod
    def public(cls, at: Any = None) -> ColumnElement[bool]:
        """The SQL condition for a topic the public may see: not deleted."""
        return cls.deleted_at.is_(None)

    @classmethod
    def in_state(cls, state: str) -> ColumnElement[bool]:
        """The SQL condition for `status=` on a key holder's list."""
        conditions = {"published": cls.public(), "deleted": cls.deleted_at.is_not(None), "all": true()}
        return conditions[state]

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


class Article(EditableItem, Model):
    """A blog article: Markdown source plus what readers are served from it."""

    __tablename__ = "articles"
    __table_args__ = (
        # Both hold every column of the public rule (`Article.public`), so lists, totals, deep pages and
        # search check visibility from an index alone: on SQLite a row's status and times sit behind its
        # bodies' overflow pages, and reading them row by row made a 100,000-article total take 0.26 s.
        # In list order: the public list, its total and any page of it, however deep.
        Index("ix_articles_public_order", "status", "deleted_at", "published_at", "id"),
        # By id: whether the articles a search matched are public, without reading them.
        Index("ix_articles_visibility", "id", "status", "deleted_at", "published_at"),
    )

    STATES = ARTICLE_STATES

    article_id: Mapped[int] = mapped_column("id", primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    excerpt: Mapped[Optional[str]] = mapped_column(Text)
    body_markdown: Mapped[str] = mapped_column(Text)
    # Rendered from body_markdown whenever it is set (see `_render_body`).
    body_html: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    toc: Mapped[list[dict]] = mapped_column(JSON)
    reading_time_minutes: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    seo_title: Mapped[Optional[str]] = mapped_column(String(200))
    seo_description: Mapped[Optional[str]] = mapped_column(String(320))
    series_id: Mapped[Optional[int]] = mapped_column(ForeignKey("series.id"))

    series: Mapped[Optional[Series]] = relationship(back_populates="articles")
    topics: Mapped[list[Topic]] = relationship(
        secondary=article_topics, back_populates="articles", order_by=lambda: Topic.name
    )

    @validates("body_markdown")
    def _render_body(self, _key: str, source: str) -> str:
        rendered = render_markdown(source)
        self.body_html = rendered.html
        self.body_text = rendered.text
        self.toc = rendered.toc
        self.reading_time_minutes = rendered.reading_time_minutes
        return source

    @property
    def visible_topics(self) -> list[Topic]:
        return [topic for topic in self.topics if topic.deleted_at is None]

    @property
    def effective_status(self) -> str:
        """draft, published, scheduled (published with a publication time still to come), or deleted."""
        if self.deleted_at is not None:
            return "deleted"
        if self.status == "published" and self.published_at is not None and self.published_at > utcnow():
            return "scheduled"
        return self.status

    @property
    def seo(self) -> dict:
        """The page-head title and description, falling back to the title and excerpt."""
        return {"title": self.seo_title or self.title, "description": self.seo_description or self.excerpt}

    @classmethod
    def public(cls, at: Any = None) -> ColumnElement[bool]:
        """The SQL condition for an article the public may see at `at` (now when None): published,
        and its time has come."""
        return and_(
            cls.deleted_at.is_(None),
            cls.status == "published",
            cls.published_at.is_not(None),
            cls.published_at <= (utcnow() if at is None else at),
        )

    @classmethod
    def in_state(cls, state: str) -> ColumnElement[bool]:
        """The SQL condition for `status=` on a key holder's list."""
        live = cls.deleted_at.is_(None)
        if state == "published":
            return cls.public()
        if state == "draft":
            return and_(live, cls.status == "draft")
        if state == "scheduled":
            return and_(live, cls.status == "published", cls.published_at > utcnow())
        if state == "deleted":
            return cls.deleted_at.is_not(None)
        return true()

    @classmethod
    def newest_first(cls) -> tuple[Any, ...]:
        """The stable order of every article list."""
        return (cls.published_at.desc(), cls.article_id.desc())
