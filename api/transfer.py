"""Export and import: all of the site's content as one versioned JSON document, and back again.

`export_document()` writes every article, topic and series (drafts, scheduled
and deleted ones too), the studio, its weekly hours and dated exceptions, and
optionally every revision. Each item is written as the body its API write
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
from api.resources.articles import ARTICLES
from api.resources.series import SERIES
from api.resources.studio import EXCEPTIONS, HOURS, STUDIO, apply_exception, apply_studio_input, change_hours
from api.resources.topics import TOPICS
from api.web.errors import ProblemError
from api.web.requests import flatten_errors
from models import Article, HoursException, OldSlug, Revision, Studio, Topic, db
from models.audit import LOGGED_ELSEWHERE_INFO, record_audit
from models.revisions import record_revision
from models.studio import hours_snapshot
from schemas.common import SLUG_PATTERN, FullMatch, Instant
from schemas.input import HoursExceptionIn, HoursIn, StudioIn
from schemas.studio import StudioOut

FORMAT = "corey-proffitt-studios-content"
VERSION = 1
# The collections in the order an import applies them: what an item names is there before it.
COLLECTIONS: tuple[Collection[Any], ...] = (SERIES, TOPICS, ARTICLES)
_SLUG = FullMatch(SLUG_PATTERN, error="Must be a slug.")


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
        required=True, validate=validate.OneOf(("article", "topic", "series", STUDIO, HOURS, EXCEPTIONS))
    )
    item = fields.String(allow_none=True, load_default=None)
    number = fields.Integer(required=True, validate=validate.Range(min=1))
    action = fields.String(required=True, validate=validate.Length(min=1, max=32))
    key_name = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=80))
    created_at = Instant(required=True)
    changed_fields = fields.List(fields.String(), load_default=list)
    snapshot = fields.Dict(required=True)


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
        dumped = StudioOut().dump(studio)
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
    # The media library is not carried yet: `flask export` refuses a site that has images (api.cli).
    document["media"] = []
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

    def problem(self, place: str, message: str) -> None:
        self.problems.setdefault(place, []).append(message)

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
            loaded["studio"] = self._load(_with_updated_at(StudioIn)(), document["studio"], "studio")
        if document.get("hours") is not None:
            loaded["hours"] = self._load(HoursIn(), document["hours"], "hours")
        exceptions = self._records(document.get("hours_exceptions", []), "hours_exceptions")
        loaded["hours_exceptions"] = [
            self._load(_with_updated_at(HoursExceptionIn)(), record, f"hours_exceptions[{index}]")
            for index, record in enumerate(exceptions)
        ]
        if document.get("media") not in (None, []):
            self.problem("media", "This server has no media library yet: media cannot be imported.")
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

    def _load_items(self, collection: Collection[Any], section: Any) -> list[_Record]:
        loaded = []
        seen: set[str] = set()
        times_fields = set(_ItemTimes().fields)
        for index, record in enumerate(self._records(section, collection.name)):
            place = f"{collection.name}[{index}]"
            body = {name: value for name, value in record.items() if name not in times_fields}
            if not isinstance(body.get("slug"), str):
                self.problem(f"{place}.slug", "Every imported item names its slug.")
            elif body["slug"] in seen:
                self.problem(f"{place}.slug", f"'{body['slug']}' is in the file twice.")
            seen.add(str(body.get("slug")))
            times = self._load(_ItemTimes(), {name: record[name] for name in times_fields if name in record}, place)
            data = self._load(collection.input_schema(), body, place)
            if times is not None and data is not None:
                loaded.append(_Record(place, data, times))
        return loaded

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

    # Applying: one transaction, all or nothing.

    def apply(self, loaded: dict[str, Any]) -> None:
        for revision in loaded["revisions"]:
            self.trails.setdefault((revision["item_type"], revision["item"]), []).append(revision)
        # The import writes the revisions it copies itself, and logs one entry per item it changes instead.
        db.session.info[LOGGED_ELSEWHERE_INFO] = True
        try:
            for collection in COLLECTIONS:
                self._apply_collection(collection, loaded[collection.name])
            self._apply_studio(loaded)
            if self.problems:
                raise ImportRefused(self.problems)
            db.session.commit()
        except ImportRefused:
            db.session.rollback()
            raise
        except IntegrityError as error:
            db.session.rollback()
            raise ImportRefused({"(database)": [f"The database refused the import: {error.orig}"]}) from None
        finally:
            db.session.info.pop(LOGGED_ELSEWHERE_INFO, None)

    def _apply_collection(
        self,
        collection: Collection[Any],
        records: list[_Record],
    ) -> None:
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
            self.problem(place, str(refusal.description))
            for field, messages in (refusal.errors or {}).items():
                self.problems.setdefault(f"{place}.{field}", []).extend(messages)

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
        trail_key = (item_type, label if item_type in {collection.item_type for collection in COLLECTIONS} else None)
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
            before = None if studio is None else StudioOut().dump(studio)
            if studio is None:
                studio = Studio(hours_display=[])
                db.session.add(studio)
            apply_studio_input(studio, data)
            db.session.flush()
            _keep_time(studio, updated_at)
            self._record(STUDIO, STUDIO, studio.studio_id, before, StudioOut().dump(studio))
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
