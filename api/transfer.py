"""Export and import: all of the site's content as one versioned JSON document, and back again.

`export_document()` writes every article, topic and series (drafts, scheduled
and deleted ones too), the studio, its weekly hours and dated exceptions, the
media library (each image's text and its original's bytes, in base64: the
variants are made again from it), and optionally every revision. Each item is written as the body its API write
takes, plus what only the server sets (its times, its place in a series, the
slugs it was renamed from), so that an import makes every read answer the same.

`import_document()` loads such a document into an empty or an existing
database: an item whose slug is there is updated, one that is not is created,
one that is the same is left alone (importing a file twice changes nothing).
Every record is validated with the API's own input schemas, and every slug it
names must exist (in the file or the database); if anything is wrong nothing
is written, and `ImportRefused` lists every problem by its place in the file.
API keys are not exported: they are secrets of one installation, not content.
"""

import base64
import binascii
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from api.collection.declaration import Collection
from api.media import NEW_MEDIA_INFO, library
from api.resources.articles import ARTICLES
from api.resources.media import MEDIA
from api.resources.series import SERIES
from api.resources.studio import (
    EXCEPTIONS,
    HOURS,
    STUDIO,
    apply_exception,
    apply_studio_input,
    change_hours,
    studio_input,
)
from api.resources.topics import TOPICS
from api.web.errors import ProblemError
from api.web.requests import flatten_errors
from models import Article, HoursException, Media, MediaFile, OldSlug, Revision, Studio, Topic, db
from models.audit import LOGGED_ELSEWHERE_INFO, record_audit
from models.blobs import content_key
from models.images import ACCEPTED, RefusedImage, carries_metadata, encode, placeholder, read_upload
from models.revisions import record_revision
from models.studio import hours_snapshot
from schemas.common import SLUG_PATTERN, FullMatch, Instant
from schemas.input import HoursExceptionIn, HoursIn, StudioIn
from schemas.media import MEDIA_SNAPSHOT, MediaIn
from schemas.studio import STUDIO_SNAPSHOT

FORMAT = "corey-proffitt-studios-content"
VERSION = 1
# The collections in the order an import applies them: what an item names is there before it.
COLLECTIONS: tuple[Collection[Any], ...] = (SERIES, TOPICS, ARTICLES)
_SLUG = FullMatch(SLUG_PATTERN, error="Must be a slug.")


class ExportFailed(Exception):
    """The site cannot be exported whole (an image's bytes are missing): a partial file is not written."""


class ImportRefused(Exception):
    """The document cannot be imported; `problems` maps each place in it to what is wrong there."""

    def __init__(self, problems: dict[str, list[str]]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class _Record:
    """One valid item of the file: where it is in the file, its API body and its times."""

    place: str
    data: dict[str, Any]
    times: dict[str, Any]


# Items an import applied, each with its times from the file; and their snapshots before it, by slug.
_Applied = tuple[list[tuple[Any, dict[str, Any]]], dict[str, Any]]


class _ItemTimes(Schema):
    """What an exported item carries beyond its API body."""

    class Meta:
        unknown = RAISE

    created_at = Instant(required=True)
    updated_at = Instant(required=True)
    deleted_at = Instant(allow_none=True, load_default=None)
    renamed_from = fields.List(fields.String(validate=_SLUG), load_default=list)
    series_position = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=1))


class _RevisionRecord(Schema):
    class Meta:
        unknown = RAISE

    item_type = fields.String(
        required=True,
        validate=validate.OneOf(("article", "topic", "series", MEDIA.item_type, STUDIO, HOURS, EXCEPTIONS)),
    )
    item = fields.String(allow_none=True, load_default=None)
    number = fields.Integer(required=True, validate=validate.Range(min=1))
    action = fields.String(required=True, validate=validate.Length(min=1, max=32))
    key_name = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=80))
    created_at = Instant(required=True)
    changed_fields = fields.List(fields.String(), load_default=list)
    snapshot = fields.Dict(required=True)


class _OriginalRecord(Schema):
    """An image's original as the file carries it: its key (the SHA-256 of its bytes) and its bytes."""

    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=validate.Length(max=80))
    data = fields.String(required=True)


class _MediaFileFields(Schema):
    """What an exported image carries beyond its text."""

    class Meta:
        unknown = RAISE

    filename = fields.String(required=True, validate=validate.Length(min=1, max=200))
    original = fields.Nested(_OriginalRecord, required=True)


@dataclass(frozen=True)
class _Picture:
    """What an accepted original is (read once, at validation: the decoded pixels are not kept)."""

    format: str  # Pillow's name
    width: int
    height: int
    placeholder_color: str
    placeholder_data_uri: str


@dataclass(frozen=True)
class _MediaRecord:
    """One valid image of the file: its text, times and filename, and its original (bytes, accepted)."""

    place: str
    data: dict[str, Any]
    times: dict[str, Any]
    filename: str
    key: str
    original: bytes
    picture: _Picture


def _id_of(item: Any) -> int:
    identity = inspect(item).identity
    assert identity is not None, "only a stored item has an id"
    return int(identity[0])


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# Export ------------------------------------------------------------------------------------------------------


def _item_record(collection: Collection[Any], item: Any, renamed_from: list[str]) -> dict[str, Any]:
    """One item as its API body (with its stored status and every link, deleted items' too) and its times."""
    record = collection.revision_as_input(collection.snapshot_schema.dump(item))
    record["status"] = item.status
    record["published_at"] = _when(item.published_at)  # to the microsecond, as stored (the API shows seconds)
    if isinstance(item, Article):
        record["topics"] = [topic.slug for topic in item.topics]
        record["series"] = item.series.slug if item.series else None
        record["series_position"] = item.series_position
    if isinstance(item, Topic):
        record["related"] = [topic.slug for topic in item.related]
    return record | {
        "created_at": _when(item.created_at),
        "updated_at": _when(item.updated_at),
        "deleted_at": _when(item.deleted_at),
        "renamed_from": renamed_from,
    }


def _media_record(image: Media, renamed_from: list[str]) -> dict[str, Any]:
    """One image: its text as its PATCH takes it, its times, and its original's bytes (its variants are
    made again from them)."""
    data = library().store.get(image.original.key)
    if data is None:
        raise ExportFailed(f"The bytes of image '{image.slug}' ({image.original.key}) are missing from the store.")
    record = {name: value for name, value in MEDIA_SNAPSHOT.dump(image).items() if name in MediaIn().fields}
    return record | {
        "filename": image.filename,
        "created_at": _when(image.created_at),
        "updated_at": _when(image.updated_at),
        "deleted_at": _when(image.deleted_at),
        "renamed_from": renamed_from,
        "original": {"key": image.original.key, "data": base64.b64encode(data).decode("ascii")},
    }


def _revision_record(revision: Revision, item: str | None) -> dict[str, Any]:
    return {
        "item_type": revision.item_type,
        "item": item,
        "number": revision.number,
        "action": revision.action,
        "key_name": revision.key_name,
        "created_at": _when(revision.created_at),
        "changed_fields": revision.changed_fields,
        "snapshot": revision.snapshot,
    }


def export_document(with_revisions: bool = False) -> dict[str, Any]:
    """All of the site's content as one document (see the module's docstring)."""
    old_slugs: dict[tuple[str, int], list[str]] = {}
    for old in db.session.scalars(select(OldSlug).order_by(OldSlug.old_slug_id)):
        old_slugs.setdefault((old.item_type, old.item_id), []).append(old.slug)
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "exported_at": _when(datetime.now(UTC))}
    slugs_by_id: dict[tuple[str, int], str] = {}
    for collection in COLLECTIONS:
        model = collection.model
        items = list(db.session.scalars(select(model).order_by(model.id_column()).options(*collection.load_options)))
        for item in items:
            slugs_by_id[(collection.item_type, _id_of(item))] = item.slug
        document[collection.name] = [
            _item_record(collection, item, old_slugs.get((collection.item_type, _id_of(item)), [])) for item in items
        ]
    studio = db.session.scalar(select(Studio).limit(1))
    if studio is not None:
        dumped = STUDIO_SNAPSHOT.dump(studio)
        document["studio"] = {name: dumped[name] for name in StudioIn().fields} | {"updated_at": dumped["updated_at"]}
        document["hours"] = hours_snapshot(studio)
    exceptions = db.session.scalars(select(HoursException).order_by(HoursException.starts_on))
    document["hours_exceptions"] = [
        {
            **_exception_body(exception),
            "starts_on": exception.starts_on.isoformat(),
            "ends_on": exception.ends_on.isoformat(),
            "updated_at": _when(exception.updated_at),
        }
        for exception in exceptions
    ]
    images = list(db.session.scalars(select(Media).order_by(Media.media_id).options(*MEDIA.load_options)))
    for image in images:
        slugs_by_id[(MEDIA.item_type, image.media_id)] = image.slug
    document["media"] = [_media_record(image, old_slugs.get((MEDIA.item_type, image.media_id), [])) for image in images]
    if with_revisions:
        revisions = db.session.scalars(select(Revision).order_by(Revision.item_type, Revision.item_id, Revision.number))
        document["revisions"] = [
            _revision_record(revision, slugs_by_id.get((revision.item_type, revision.item_id)))
            for revision in revisions
        ]
    return document


def _clock(moment: Any) -> str | None:
    return None if moment is None else moment.strftime("%H:%M")


def _exception_body(exception: HoursException) -> dict[str, Any]:
    """An exception as HoursExceptionIn loads it (its days as dates)."""
    return {
        "starts_on": exception.starts_on,
        "ends_on": exception.ends_on,
        "note": exception.note,
        "intervals": [{"opens": _clock(i.opens), "closes": _clock(i.closes)} for i in exception.intervals],
    }


# Import ------------------------------------------------------------------------------------------------------


@cache
def _with_updated_at(schema: type[Schema]) -> type[Schema]:
    """An input schema that also takes the record's `updated_at` (the studio's, an exception's)."""
    return type(f"{schema.__name__}Record", (schema,), {"updated_at": Instant(load_default=None)})


class _Importer:
    """One import: validates the whole document, then applies it in one transaction."""

    def __init__(self, document: Any):
        self.document = document
        self.problems: dict[str, list[str]] = {}
        # (item type, "created" | "updated" | "unchanged") -> how many
        self.counts: Counter[tuple[str, str]] = Counter()
        # The file's revisions by (item type, item slug; None for the studio's, the hours', the exceptions')
        self.trails: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        # The keys of the originals this import put in the store (removed again if it is refused).
        self.stored_keys: set[str] = set()

    def problem(self, place: str, message: str) -> None:
        self.problems.setdefault(place, []).append(message)

    def refused(self, place: str, refusal: ProblemError) -> None:
        """Note what the API's own write refused of the record at `place`, field by field."""
        self.problem(place, str(refusal.description))
        for field, messages in (refusal.errors or {}).items():
            self.problems.setdefault(f"{place}.{field}", []).extend(messages)

    def _load(self, schema: Schema, record: Any, place: str) -> dict[str, Any] | None:
        """The record loaded by `schema`, or None with its problems noted under their places in the file."""
        if not isinstance(record, dict):
            self.problem(place, "Must be an object.")
            return None
        try:
            data: dict[str, Any] = schema.load(record)
        except ValidationError as error:
            for where, messages in flatten_errors(error.messages, place).items():
                self.problems.setdefault(where, []).extend(messages)
            return None
        return data

    # Validation: every record, before anything is written.

    def validated(self) -> dict[str, Any]:
        document = self.document
        if not isinstance(document, dict):
            raise ImportRefused({"(document)": ["Must be a JSON object, as `flask --app wsgi export` writes."]})
        if document.get("format") != FORMAT or document.get("version") != VERSION:
            raise ImportRefused(
                {
                    "(document)": [
                        f"Must be format {FORMAT!r} version {VERSION} (it says {document.get('format')!r} "
                        f"version {document.get('version')!r})."
                    ]
                }
            )
        known = {"format", "version", "exported_at", "studio", "hours", "hours_exceptions", "media", "revisions"}
        for unknown in sorted(set(document) - known - {collection.name for collection in COLLECTIONS}):
            self.problem(unknown, "Unknown section.")
        loaded: dict[str, Any] = {}
        for collection in COLLECTIONS:
            loaded[collection.name] = self._load_items(collection, document.get(collection.name, []))
        if document.get("studio") is not None:
            record = document["studio"]
            if isinstance(record, dict):  # a file written before the studio had images names none
                record = {**record, **studio_input(record)}
            loaded["studio"] = self._load(_with_updated_at(StudioIn)(), record, "studio")
        if document.get("hours") is not None:
            loaded["hours"] = self._load(HoursIn(), document["hours"], "hours")
        exceptions = self._records(document.get("hours_exceptions", []), "hours_exceptions")
        loaded["hours_exceptions"] = [
            self._load(_with_updated_at(HoursExceptionIn)(), record, f"hours_exceptions[{index}]")
            for index, record in enumerate(exceptions)
        ]
        loaded["media"] = self._load_media(document.get("media", []))
        records = enumerate(self._records(document.get("revisions", []), "revisions"))
        revisions = [self._load(_RevisionRecord(), record, f"revisions[{index}]") for index, record in records]
        loaded["revisions"] = revisions
        self._check_references(loaded)
        if self.problems:
            raise ImportRefused(self.problems)
        return loaded

    def _records(self, section: Any, name: str) -> list[dict[str, Any]]:
        if not isinstance(section, list) or not all(isinstance(record, dict) for record in section):
            self.problem(name, "Must be a list of objects.")
            return []
        return section

    def _check_slug(self, body: dict[str, Any], seen: set[str], place: str) -> None:
        if not isinstance(body.get("slug"), str):
            self.problem(f"{place}.slug", "Every imported item names its slug.")
        elif body["slug"] in seen:
            self.problem(f"{place}.slug", f"'{body['slug']}' is in the file twice.")
        seen.add(str(body.get("slug")))

    def _load_items(self, collection: Collection[Any], section: Any) -> list[_Record]:
        loaded = []
        seen: set[str] = set()
        times_fields = set(_ItemTimes().fields)
        for index, record in enumerate(self._records(section, collection.name)):
            place = f"{collection.name}[{index}]"
            body = {name: value for name, value in record.items() if name not in times_fields}
            self._check_slug(body, seen, place)
            times = self._load(_ItemTimes(), {name: record[name] for name in times_fields if name in record}, place)
            data = self._load(collection.input_schema(), body, place)
            if times is not None and data is not None:
                loaded.append(_Record(place, data, times))
        return loaded

    def _load_media(self, section: Any) -> list[_MediaRecord]:
        """The file's images: each one's text, times and original, whose bytes are checked as an upload's are."""
        loaded = []
        seen: set[str] = set()
        times_fields, file_fields = set(_ItemTimes().fields), set(_MediaFileFields().fields)
        for index, record in enumerate(self._records(section, "media")):
            place = f"media[{index}]"
            body = {name: value for name, value in record.items() if name not in times_fields | file_fields}
            self._check_slug(body, seen, place)
            times = self._load(_ItemTimes(), {name: record[name] for name in times_fields if name in record}, place)
            files = self._load(
                _MediaFileFields(), {name: record[name] for name in file_fields if name in record}, place
            )
            data = self._load(MediaIn(), body, place)
            accepted = self._accepted_original(files["original"], place) if files else None
            if times is not None and data is not None and files is not None and accepted is not None:
                loaded.append(_MediaRecord(place, data, times, files["filename"], *accepted))
        return loaded

    def _accepted_original(self, original: dict[str, Any], place: str) -> tuple[str, bytes, _Picture] | None:
        """An image's original (its key, bytes and what it is), if the file's bytes are an image this server
        would accept as an upload, and have their key; else None with the problem noted."""
        where = f"{place}.original"
        try:
            data = base64.b64decode(original["data"], validate=True)
        except (binascii.Error, ValueError):
            self.problem(f"{where}.data", "Must be the file's bytes in base64.")
            return None
        if len(data) > library().max_bytes:
            self.problem(
                f"{where}.data", f"The file has {len(data)} bytes; this server takes at most {library().max_bytes}."
            )
            return None
        try:
            upload = read_upload(data, library().max_pixels)
        except RefusedImage as refusal:
            self.problem(f"{where}.data", str(refusal))
            return None
        extension = ACCEPTED[upload.format][1]
        if content_key(data, extension) != original["key"]:
            self.problem(f"{where}.key", "Does not match the bytes (their SHA-256 and format): the file was changed.")
            return None
        if carries_metadata(data):  # not as this server stores an original (a file made by hand): cleaned
            data = encode(upload.image, upload.format, original=True)
        color, data_uri = placeholder(upload.image)
        picture = _Picture(upload.format, upload.width, upload.height, color, data_uri)
        return content_key(data, extension), data, picture

    def _check_references(self, loaded: dict[str, Any]) -> None:
        """Every slug an item names is in the file or in the database."""

        def known(collection: Collection[Any]) -> set[str]:
            in_file = {record.data["slug"] for record in loaded[collection.name]}
            return in_file | set(db.session.scalars(select(collection.model.slug)))

        topics, series = known(TOPICS), known(SERIES)
        for article in loaded["articles"]:
            for slug in article.data.get("topics", []):
                if slug not in topics:
                    self.problem(f"{article.place}.topics", f"No topic has the slug '{slug}'.")
            if article.data.get("series") and article.data["series"] not in series:
                self.problem(f"{article.place}.series", f"No series has the slug '{article.data['series']}'.")
        for topic in loaded["topics"]:
            for slug in topic.data.get("related", []):
                if slug not in topics:
                    self.problem(f"{topic.place}.related", f"No topic has the slug '{slug}'.")
        images = {record.data["slug"] for record in loaded["media"]} | set(db.session.scalars(select(Media.slug)))
        uses = [(f"{article.place}.feature_image", article.data.get("feature_image")) for article in loaded["articles"]]
        uses += [(f"{topic.place}.image", topic.data.get("image")) for topic in loaded["topics"]]
        studio = loaded.get("studio") or {}
        uses.append(("studio.logo", studio.get("logo")))
        uses += [
            (f"studio.hero_slides[{n}].image", slide["image"]) for n, slide in enumerate(studio.get("hero_slides", []))
        ]
        for place, use in uses:
            if use and use.get("media") not in images:
                self.problem(f"{place}.media", f"No image has the slug '{use.get('media')}'.")

    # Applying: one transaction, all or nothing.

    def apply(self, loaded: dict[str, Any]) -> None:
        for revision in loaded["revisions"]:
            self.trails.setdefault((revision["item_type"], revision["item"]), []).append(revision)
        # The import writes the revisions it copies itself, and logs one entry per item it changes instead.
        db.session.info[LOGGED_ELSEWHERE_INFO] = True
        try:
            # Images first, for the content placing them, and deleted (those that are) last: content placing
            # a deleted image keeps it, but no write can newly place one.
            images = self._apply_media(loaded["media"])
            for collection in COLLECTIONS:
                self._finish_items(collection, *self._apply_collection(collection, loaded[collection.name]))
            self._apply_studio(loaded)
            self._finish_items(MEDIA, *images)
            if self.problems:
                raise ImportRefused(self.problems)
            db.session.commit()
        except ImportRefused:
            self._roll_back()
            raise
        except IntegrityError as error:
            self._roll_back()
            raise ImportRefused({"(database)": [f"The database refused the import: {error.orig}"]}) from None
        finally:
            db.session.info.pop(LOGGED_ELSEWHERE_INFO, None)

    def _roll_back(self) -> None:
        """Undo everything, also the files put in a folder store for images that are now in no row."""
        db.session.rollback()
        db.session.info.pop(NEW_MEDIA_INFO, None)
        if self.stored_keys:
            used = set(db.session.scalars(select(MediaFile.key).where(MediaFile.key.in_(self.stored_keys))))
            for key in sorted(self.stored_keys - used):
                library().store.delete(key)
            db.session.commit()

    def _apply_media(self, records: list[_MediaRecord]) -> _Applied:
        """Create the file's new images (their originals stored, their variants left to the worker) and
        give every one its text; an image whose slug names another file here is refused, never replaced."""
        existing = {item.slug: item for item in db.session.scalars(select(Media).options(*MEDIA.load_options))}
        before = {slug: MEDIA_SNAPSHOT.dump(item) for slug, item in existing.items()}
        applied = []
        for record in records:
            image = existing.get(record.data["slug"])
            if image is not None and image.original.key != record.key:
                self.problem(
                    f"{record.place}.original",
                    f"The image '{image.slug}' here is another file: import this one under another slug, or "
                    "purge that one first.",
                )
                continue
            if image is None:
                image = self._new_image(record)
            image.deleted_at = None  # until the content placing it is applied (see _finish_items)
            self._apply_item(MEDIA, image, dict(record.data), record.place)
            applied.append((image, record.times))
        db.session.flush()
        return applied, before

    def _new_image(self, record: _MediaRecord) -> Media:
        picture = record.picture
        media_type, _extension, name = ACCEPTED[picture.format]
        image = Media(
            filename=record.filename,
            format=name,
            width=picture.width,
            height=picture.height,
            placeholder_color=picture.placeholder_color,
            placeholder_data_uri=picture.placeholder_data_uri,
            processing="processing",
        )
        original = MediaFile(role="original", key=record.key, format=name, media_type=media_type,
                             width=picture.width, height=picture.height, bytes=len(record.original))  # fmt: skip
        image.files.append(original)
        library().store.put(record.key, record.original)
        self.stored_keys.add(record.key)
        db.session.add(image)
        db.session.info.setdefault(NEW_MEDIA_INFO, []).append(image)  # the worker makes its variants
        return image

    def _apply_collection(self, collection: Collection[Any], records: list[_Record]) -> _Applied:
        model = collection.model
        existing = {item.slug: item for item in db.session.scalars(select(model).options(*collection.load_options))}
        before = {slug: collection.snapshot_schema.dump(item) for slug, item in existing.items()}
        applied = []
        # Links to items of the same kind (related topics) are set once every item of the kind exists.
        later: list[tuple[Any, dict[str, Any], str]] = []
        for record in records:
            item = existing.get(record.data["slug"]) or model()
            if item.slug is None:
                db.session.add(item)
            data = dict(record.data)
            if "related" in data:
                later.append((item, {"related": data.pop("related")}, record.place))
            self._apply_item(collection, item, data, record.place)
            applied.append((item, record.times))
        db.session.flush()
        for item, data, place in later:
            self._apply_item(collection, item, data, place)
        db.session.flush()
        return applied, before

    def _finish_items(
        self, collection: Collection[Any], applied: list[tuple[Any, dict[str, Any]]], before: dict[str, Any]
    ) -> None:
        """Give the applied items the file's times and old slugs, and record what the import did to each."""
        for item, times in applied:
            item.created_at, item.deleted_at = times["created_at"], times["deleted_at"]
            if isinstance(item, Article):
                item.series_position = times["series_position"]
            _keep_time(item, times["updated_at"])
        db.session.flush()
        for item, times in applied:
            item_id = _id_of(item)
            for old_slug in times["renamed_from"]:
                known = select(OldSlug).where(OldSlug.item_type == collection.item_type, OldSlug.slug == old_slug)
                if db.session.scalar(known) is None:
                    db.session.add(OldSlug(item_type=collection.item_type, slug=old_slug, item_id=item_id))
            after = collection.snapshot_schema.dump(item)
            self._record(collection.item_type, item.slug, item_id, before.get(item.slug), after)

    def _apply_item(self, collection: Collection[Any], item: Any, data: dict[str, Any], place: str) -> None:
        try:
            with db.session.no_autoflush:
                collection.apply(item, data)
        except ProblemError as refusal:
            self.refused(place, refusal)

    def _record(
        self,
        item_type: str,
        label: str,
        item_id: int,
        before: dict[str, Any] | None,
        after: dict[str, Any],
    ) -> None:
        """Count the item, give it its history (the file's, for an item new here; else an "imported"
        revision), and log what the import did to it."""
        if before == after:
            self.counts[(item_type, "unchanged")] += 1
            return
        items_with_slugs = {collection.item_type for collection in (*COLLECTIONS, MEDIA)}
        trail_key = (item_type, label if item_type in items_with_slugs else None)
        copied = self.trails.get(trail_key)
        if before is None and copied and not self._has_history(item_type, item_id):
            self._copy_trail(item_type, item_id, copied)
        else:
            record_revision(item_type, item_id, after, "imported", None)
        earlier = before or {}
        changed = sorted(name for name in set(after) | set(earlier) if earlier.get(name) != after.get(name))
        record_audit("imported (created)" if before is None else "imported (updated)", item_type, label, None, changed)
        self.counts[(item_type, "created" if before is None else "updated")] += 1

    @staticmethod
    def _has_history(item_type: str, item_id: int) -> bool:
        query = select(Revision.revision_id).where(Revision.item_type == item_type, Revision.item_id == item_id)
        return db.session.scalar(query.limit(1)) is not None

    @staticmethod
    def _copy_trail(item_type: str, item_id: int, revisions: list[dict[str, Any]]) -> None:
        for revision in revisions:
            db.session.add(
                Revision(
                    item_type=item_type,
                    item_id=item_id,
                    number=revision["number"],
                    action=revision["action"],
                    key_name=revision["key_name"],
                    created_at=revision["created_at"],
                    changed_fields=revision["changed_fields"],
                    snapshot=revision["snapshot"],
                )
            )

    def _apply_studio(self, loaded: dict[str, Any]) -> None:
        """The studio's details, its weekly hours and their dated exceptions."""
        studio = db.session.scalar(select(Studio).limit(1))
        studio_is_new = studio is None
        if loaded.get("studio"):
            data = dict(loaded["studio"])
            updated_at = data.pop("updated_at", None)
            before = None if studio is None else STUDIO_SNAPSHOT.dump(studio)
            if studio is None:
                studio = Studio(hours_display=[])
            try:
                with db.session.no_autoflush:  # its images are looked up before it has every field
                    apply_studio_input(studio, data)
            except ProblemError as refusal:
                self.refused("studio", refusal)
                return
            db.session.add(studio)
            db.session.flush()
            _keep_time(studio, updated_at)
            self._record(STUDIO, STUDIO, studio.studio_id, before, STUDIO_SNAPSHOT.dump(studio))
        if studio is None:
            if loaded.get("hours") or loaded["hours_exceptions"]:
                self.problem("studio", "Hours need the studio's details: the file has none, nor has the database.")
            return
        if loaded.get("hours") and not studio_is_new and hours_snapshot(studio) == loaded["hours"]:
            self.counts[(HOURS, "unchanged")] += 1
        elif loaded.get("hours"):
            before_hours = None if studio_is_new else hours_snapshot(studio)
            updated_at = studio.updated_at
            change_hours(studio, loaded["hours"])
            _keep_time(studio, updated_at)
            self._record(HOURS, HOURS, studio.studio_id, before_hours, hours_snapshot(studio))
        copied = self.trails.get((EXCEPTIONS, None))
        if copied and not self._has_history(EXCEPTIONS, studio.studio_id):
            self._copy_trail(EXCEPTIONS, studio.studio_id, copied)
        for index, data in enumerate(loaded["hours_exceptions"]):
            self._apply_exception(index, dict(data))

    def _apply_exception(self, index: int, data: dict[str, Any]) -> None:
        updated_at = data.pop("updated_at", None)
        exception = db.session.scalar(select(HoursException).where(HoursException.starts_on == data["starts_on"]))
        is_new = exception is None
        if exception is not None and _exception_body(exception) == data:
            self.counts[(EXCEPTIONS, "unchanged")] += 1
            return
        if exception is None:
            exception = HoursException()
            db.session.add(exception)
        try:
            with db.session.no_autoflush:
                apply_exception(exception, data)
        except ProblemError as refusal:
            self.problem(f"hours_exceptions[{index}]", str(refusal.description))
            return
        changed = is_new or db.session.is_modified(exception)
        db.session.flush()
        _keep_time(exception, updated_at)
        if changed:
            action = "imported (created)" if is_new else "imported (updated)"
            record_audit(action, EXCEPTIONS, exception.starts_on.isoformat(), None)
        self.counts[(EXCEPTIONS, "created" if is_new else "updated" if changed else "unchanged")] += 1


def _keep_time(item: Any, updated_at: datetime | None) -> None:
    """Give a changed item the file's updated_at rather than the time of the import."""
    if updated_at is None:
        return
    item.updated_at = updated_at
    if db.session.is_modified(item):
        flag_modified(item, "updated_at")  # else the column's onupdate would set the time of the import


def import_document(document: Any) -> Counter[tuple[str, str]]:
    """Import an exported document (see the module's docstring): how many items of each kind were
    created, updated or left unchanged; ImportRefused, with nothing written, when anything is wrong."""
    importer = _Importer(document)
    importer.apply(importer.validated())
    return importer.counts
