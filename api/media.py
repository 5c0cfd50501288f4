"""The media library's work beside its routes: where files are kept and served from, what an upload
becomes, and the variants the worker makes afterwards.

`init_media(app)` gives the app its `MediaLibrary`: the blob store
(MEDIA_STORAGE: `folder`, the instance's MEDIA_FOLDER, or `database`, which
every instance on one PostgreSQL shares; left empty, the database on
PostgreSQL and the folder otherwise) and the URL of a file. `new_media(...)`
turns an upload that `models.images` accepted into an unsaved `Media` with its
original stored; `make_variants(media_id)` (the worker's `process_media` job)
makes and stores every variant, then marks the item ready.
"""

import io
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from PIL import Image
from sqlalchemy import and_, delete, event, exists, select, update
from sqlalchemy.orm import Session

from api.web.routing import endpoint_url
from models import Media, MediaFile, db
from models.blobs import Blob, BlobStore, DatabaseStore, FolderStore, content_key
from models.images import ACCEPTED, FORMAT_BY_NAME, VARIANT_FORMATS, Upload, encode, placeholder, resized, variant_sizes
from models.types import utcnow

FILE_ENDPOINT = "media_file"
# Session.info: the media items this session made, whose variants the worker makes once they are committed;
# and the keys of files it removed (a purge), whose bytes go once that is committed, unless still used.
NEW_MEDIA_INFO = "new_media"
_REMOVED_KEYS = "removed_media_keys"


@dataclass(frozen=True)
class MediaLibrary:
    store: BlobStore
    max_bytes: int
    max_pixels: int

    def file_url(self, key: str) -> str:
        return endpoint_url(FILE_ENDPOINT, key=key)


def _store(app: Flask) -> BlobStore:
    choice = app.config["MEDIA_STORAGE"] or (
        "database" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "folder"
    )
    if choice == "database":
        return DatabaseStore()
    if choice != "folder":
        raise ValueError(f"MEDIA_STORAGE must be folder or database, not {choice!r}")
    folder = Path(app.config["MEDIA_FOLDER"])
    return FolderStore(folder if folder.is_absolute() else Path(app.instance_path) / folder)


def init_media(app: Flask) -> None:
    app.extensions["media"] = MediaLibrary(
        store=_store(app), max_bytes=int(app.config["MEDIA_MAX_BYTES"]), max_pixels=int(app.config["MEDIA_MAX_PIXELS"])
    )


def library() -> MediaLibrary:
    found: MediaLibrary = current_app.extensions["media"]
    return found


def safe_filename(name: str | None, extension: str) -> str:
    """The uploaded file's name, kept only as letters, digits, dots, hyphens and underscores, with the
    extension of what it really is (a `photo.png` that is a JPEG becomes `photo.jpg`)."""
    stem = Path(name or "").stem
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_")[:80] or "image"
    return f"{stem}.{extension}"


def _file(role: str, data: bytes, pillow_format: str, width: int, height: int) -> tuple[MediaFile, bytes]:
    media_type, extension, name = ACCEPTED[pillow_format]
    key = content_key(data, extension)
    file = MediaFile(
        role=role, key=key, format=name, media_type=media_type, width=width, height=height, bytes=len(data)
    )
    return file, data


def new_media(upload: Upload, filename: str | None) -> Media:
    """An unsaved media item for an accepted upload, its original (upright, stripped) already stored."""
    original, data = _file("original", encode(upload.image, upload.format, original=True), upload.format,
                           upload.width, upload.height)  # fmt: skip
    color, data_uri = placeholder(upload.image)
    media = Media(
        filename=safe_filename(filename, ACCEPTED[upload.format][1]),
        format=ACCEPTED[upload.format][2],
        width=upload.width,
        height=upload.height,
        placeholder_color=color,
        placeholder_data_uri=data_uri,
        processing="processing",
    )
    media.files.append(original)
    library().store.put(original.key, data)
    db.session.info.setdefault(NEW_MEDIA_INFO, []).append(media)
    return media


def unprocessed_media(waiting_longer_than: timedelta) -> list[int]:
    """Images still waiting for their variants long after their upload: their job was lost (or failed)."""
    before = utcnow() - waiting_longer_than
    query = select(Media.media_id).where(Media.processing == "processing", Media.created_at < before)
    return list(db.session.scalars(query.order_by(Media.media_id).limit(100)))


def make_variants(media_id: int) -> str:
    """Make and store every variant of a media item, then mark it ready; what happened, for the log.

    The item's row is changed without its version (a Core UPDATE): an editor's write of its text at the
    same moment is no conflict, and never a 412 for work nobody asked for."""
    media = db.session.get(Media, media_id)
    if media is None or media.processing == "ready":
        return "nothing to do"
    started = time.perf_counter()
    store = library().store
    data = store.get(media.original.key)
    if data is None:
        _mark(media_id, "failed")
        return "failed: the original's bytes are missing from the store"
    opened: Image.Image = Image.open(io.BytesIO(data))
    opened.load()
    own_format = FORMAT_BY_NAME[media.format]
    formats = VARIANT_FORMATS if own_format in VARIANT_FORMATS else (*VARIANT_FORMATS, own_format)
    known = {(file.format, file.width) for file in media.variants}
    made = 0
    source = opened
    # Widest first, each made from the one before: a 24-megapixel photo is resized in full only once.
    for width, height in reversed(variant_sizes(media.width, media.height)):
        source = resized(source, width, height)
        for pillow_format in formats:
            file, encoded = _file("variant", encode(source, pillow_format), pillow_format, width, height)
            if (file.format, width) in known:
                continue
            store.put(file.key, encoded)
            file.media_id = media_id
            db.session.add(file)
            made += 1
    _mark(media_id, "ready")
    return f"made {made} variants in {time.perf_counter() - started:.2f} s"


def _mark(media_id: int, processing: str) -> None:
    db.session.execute(
        update(Media).where(Media.media_id == media_id).values(processing=processing, processed_at=utcnow())
    )
    db.session.commit()


def _unused(keys: set[str]) -> Any:
    """The condition for those of `keys` no file row names any more (identical bytes uploaded twice stay)."""
    return and_(Blob.key.in_(keys), ~exists().where(MediaFile.key == Blob.key))


@event.listens_for(Session, "after_flush")
def _note_removed_files(session: Session, _context: object) -> None:
    keys = {removed.key for removed in session.deleted if isinstance(removed, MediaFile)}
    if not keys or not has_app_context() or "media" not in current_app.extensions:
        return
    if isinstance(library().store, DatabaseStore):
        session.connection().execute(delete(Blob).where(_unused(keys)))  # in the purge's own transaction
    else:
        session.info.setdefault(_REMOVED_KEYS, set()).update(keys)


@event.listens_for(Session, "after_commit")
def _drop_unused_files(session: Session) -> None:
    # Files go after the commit, so that a purge that rolls back has lost nothing.
    keys = session.info.pop(_REMOVED_KEYS, set())
    if not keys:
        return
    with db.engine.connect() as connection:
        used = set(connection.scalars(select(MediaFile.key).where(MediaFile.key.in_(keys))))
    for key in sorted(keys - used):
        library().store.delete(key)


@event.listens_for(Session, "after_rollback")
def _forget_removed_files(session: Session) -> None:
    session.info.pop(_REMOVED_KEYS, None)
