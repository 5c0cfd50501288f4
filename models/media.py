"""The media library: images with their alt text, and the files (the original and its variants) made of them.

A `Media` item is an `EditableItem` like an article (a slug, soft delete,
restore, purge, revisions, optimistic locking) whose public may read it as
long as it is not deleted: an image has no draft state, since it is seen only
where published content places it. Its files are content-addressed
(`MediaFile.key` is the SHA-256 of the bytes and their extension), so a file's
URL never changes and can be cached for a year; the bytes live in a
`models.blobs` store. The variants are made after the upload, by the worker
(`processing` says how far that got), so an upload's answer never waits for them.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Optional

from sqlalchemy import ColumnElement, ForeignKey, Index, String, Text, and_, select, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import Model, db
from models.editable import EditableItem
from models.slugs import renamed_to
from models.types import UTCDateTime

# What a key holder may ask the media list for with `status=`; the first is the public's.
MEDIA_STATES = ("available", "deleted", "all")
# Where a media item is in the making of its variants.
PROCESSING_STATES = ("processing", "ready", "failed")


class Media(EditableItem, Model):
    """An image in the library: what it shows (alt text) and what it is (format, size, files)."""

    __tablename__ = "media"

    STATES: ClassVar[tuple[str, ...]] = MEDIA_STATES

    media_id: Mapped[int] = mapped_column("id", primary_key=True)
    # What a reader who cannot see the image is told; null only for an image marked decorative.
    alt: Mapped[Optional[str]] = mapped_column(Text)
    decorative: Mapped[bool] = mapped_column(default=False)
    caption: Mapped[Optional[str]] = mapped_column(Text)
    credit: Mapped[Optional[str]] = mapped_column(String(300))
    # The name it was uploaded under (made safe), for downloads and for the editor's own reference.
    filename: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(8))  # jpeg, png, webp or avif: read from the bytes
    width: Mapped[int]
    height: Mapped[int]
    # The average colour and a tiny preview (a data: URI) to show while the image loads.
    placeholder_color: Mapped[str] = mapped_column(String(7))
    placeholder_data_uri: Mapped[str] = mapped_column(Text)
    processing: Mapped[str] = mapped_column(String(16), default="processing")
    processed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    files: Mapped[list["MediaFile"]] = relationship(
        back_populates="media",
        cascade="all, delete-orphan",
        order_by=lambda: (MediaFile.role.desc(), MediaFile.format, MediaFile.width),
    )

    @property
    def original(self) -> "MediaFile":
        return next(file for file in self.files if file.role == "original")

    @property
    def variants(self) -> list["MediaFile"]:
        return [file for file in self.files if file.role == "variant"]

    @property
    def is_public(self) -> bool:
        return self.deleted_at is None

    @property
    def is_live(self) -> bool:
        return self.deleted_at is None

    @property
    def status(self) -> str:
        """available, or deleted (readers get neither it nor its files)."""
        return "available" if self.deleted_at is None else "deleted"

    @classmethod
    def public(cls, at: Any = None) -> ColumnElement[bool]:
        """Anyone may read a media item that is not deleted."""
        return cls.deleted_at.is_(None)

    @classmethod
    def in_state(cls, state: str) -> ColumnElement[bool]:
        if state == "available":
            return cls.deleted_at.is_(None)
        if state == "deleted":
            return cls.deleted_at.is_not(None)
        return true()

    @classmethod
    def newest_first(cls) -> tuple[Any, ...]:
        return (cls.created_at.desc(), cls.media_id.desc())


class MediaFile(Model):
    """One file of a media item: its original, or a variant (a width, in a format)."""

    __tablename__ = "media_files"
    __table_args__ = (Index("ix_media_files_key", "key"), Index("ix_media_files_media", "media_id"))

    file_id: Mapped[int] = mapped_column("id", primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(8))  # original or variant
    # "<sha256 of the bytes>.<extension>": the file's name in its URL and in the blob store.
    key: Mapped[str] = mapped_column(String(80))
    format: Mapped[str] = mapped_column(String(8))
    media_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    bytes: Mapped[int]

    media: Mapped[Media] = relationship(back_populates="files")


def served_file(key: str) -> Optional[tuple[MediaFile, Media]]:
    """The file with this key, with its media item, if readers may fetch it (its item is not deleted)."""
    query = select(MediaFile, Media).join(Media).where(and_(MediaFile.key == key, Media.public())).limit(1)
    row = db.session.execute(query).first()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class Placement:
    """An image where content places it: the image, and the alt text this use gives (None: its own)."""

    media: Media
    alt_override: Optional[str] = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.media, name)

    @property
    def alt(self) -> Optional[str]:
        return self.alt_override if self.alt_override is not None else self.media.alt

    @property
    def decorative(self) -> bool:
        return self.media.decorative and self.alt_override is None


def placed(media: Optional[Media], alt_override: Optional[str], public: bool) -> Optional[Placement]:
    """An item's image as a reader sees it: none once the image is deleted (for key holders, still there
    with its status, so that the reference is not lost from what they read and write back)."""
    if media is None or (public and media.deleted_at is not None):
        return None
    return Placement(media, alt_override)


def find_media(slugs: list[str]) -> dict[str, Media]:
    """The images (not deleted) with these slugs, also under slugs they were renamed from."""
    wanted = sorted(set(slugs))
    found = {
        media.slug: media for media in db.session.scalars(select(Media).where(Media.slug.in_(wanted), Media.public()))
    }
    for slug in set(wanted) - set(found):
        media_id = renamed_to("media", slug)
        media = db.session.get(Media, media_id) if media_id is not None else None
        if media is not None and media.deleted_at is None:
            found[slug] = media
    return found
