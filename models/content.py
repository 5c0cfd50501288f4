"""Articles, the series they belong to, and topics (muscle groups).

The rule for what the public may see lives here, once (`Article.public`), so
the item, the list, its total and every later read path apply the same rule.
"""

from datetime import datetime
from typing import Optional

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, JSON, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from models import db
from models.richtext import render_markdown
from models.types import UTCDateTime, utcnow

ARTICLE_STATUSES = ("draft", "published")

article_topics = Table(
    "article_topics",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# Stored once per pair, in both directions, so "related to" reads as one join.
related_topics = Table(
    "related_topics",
    db.metadata,
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("related_topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
)


class Series(db.Model):
    """A run of articles on one theme ("In this series we will consider ...")."""

    __tablename__ = "series"

    series_id: Mapped[int] = mapped_column("id", primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[Optional[str]] = mapped_column(Text)

    articles: Mapped[list["Article"]] = relationship(back_populates="series")


class Topic(db.Model):
    """A muscle group, with only the anatomy and care content its source gives."""

    __tablename__ = "topics"

    topic_id: Mapped[int] = mapped_column("id", primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    related: Mapped[list["Topic"]] = relationship(
        secondary=related_topics,
        primaryjoin=lambda: Topic.topic_id == related_topics.c.topic_id,
        secondaryjoin=lambda: Topic.topic_id == related_topics.c.related_topic_id,
        order_by=lambda: Topic.name,
    )
    articles: Mapped[list["Article"]] = relationship(secondary=article_topics, back_populates="topics")

    def relate_to(self, other: "Topic") -> None:
        """Relate two topics both ways."""
        if other not in self.related:
            self.related.append(other)
        if self not in other.related:
            other.related.append(self)


class Article(db.Model):
    """A blog article: Markdown source plus what readers are served from it."""

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_public_order", "status", "published_at", "id"),)

    article_id: Mapped[int] = mapped_column("id", primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

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
    def effective_status(self) -> str:
        """draft, published, or scheduled (published with a publication time still to come)."""
        if self.status == "published" and self.published_at is not None and self.published_at > utcnow():
            return "scheduled"
        return self.status

    @property
    def seo(self) -> dict:
        """The page-head title and description, falling back to the title and excerpt."""
        return {"title": self.seo_title or self.title, "description": self.seo_description or self.excerpt}

    @classmethod
    def public(cls):
        """The SQL condition for an article the public may see: published, and its time has come."""
        return and_(cls.status == "published", cls.published_at.is_not(None), cls.published_at <= utcnow())

    @classmethod
    def newest_first(cls):
        """The stable order of every article list."""
        return (cls.published_at.desc(), cls.article_id.desc())
