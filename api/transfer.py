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
from collections.abc import Iterable
from datetime import UTC, datetime
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
    # Media live in the media library once there is one (issue 15); until then there are none to name.
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


def _messages(error: ValidationError, place: str) -> dict[str, list[str]]:
    """A schema's errors keyed by their place in the document: "articles[2].title"."""
    found: dict[str, list[str]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if not str(key).isdigit() else f"{path}[{key}]")
        elif isinstance(node, list) and all(isinstance(message, str) for message in node):
            found.setdefault(path, []).extend(node)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")
        else:
            found.setdefault(path, []).append(str(node))

    walk(error.messages, place)
    return found


class _Importer:
    """One import: validates the whole document, then applies it in one transaction."""

    def __init__(self, document: Any):
        self.document = document
        self.problems: dict[str, list[str]] = {}
        # (item type, "created" | "updated" | "unchanged") -> how many
        self.counts: Counter[tuple[str, str]] = Counter()

    def problem(self, place: str, message: str) -> None:
        self.problems.setdefault(place, []).append(message)

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
            loaded["studio"] = self._load_one(StudioIn(), dict(document["studio"]), "studio", ("updated_at",))
        if document.get("hours") is not None:
            loaded["hours"] = self._load_one(HoursIn(), document["hours"], "hours")
        loaded["hours_exceptions"] = [
            self._load_one(HoursExceptionIn(), record, f"hours_exceptions[{index}]", ("updated_at",))
            for index, record in enumerate(self._records(document.get("hours_exceptions", []), "hours_exceptions"))
        ]
        if document.get("media") not in (None, []):
            self.problem("media", "This server has no media library yet: media cannot be imported.")
        revisions = []
        for index, record in enumerate(self._records(document.get("revisions", []), "revisions")):
            try:
                revisions.append(_RevisionRecord().load(record))
            except ValidationError as error:
                for place, messages in _messages(error, f"revisions[{index}]").items():
                    self.problems.setdefault(place, []).extend(messages)
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

    def _load_one(self, schema: Schema, record: Any, place: str, extras: Iterable[str] = ()) -> dict[str, Any]:
        if not isinstance(record, dict):
            self.problem(place, "Must be an object.")
            return {}
        record = dict(record)
        kept = {name: record.pop(name) for name in extras if name in record}
        try:
            data: dict[str, Any] = schema.load(record)
        except ValidationError as error:
            for where, messages in _messages(error, place).items():
                self.problems.setdefault(where, []).extend(messages)
            return {}
        if "updated_at" in kept:
            try:
                data["updated_at"] = Instant().deserialize(kept["updated_at"])
            except ValidationError as error:
                self.problem(f"{place}.updated_at", str(error.messages[0] if error.messages else error))
        return data

    def _load_items(self, collection: Collection[Any], section: Any) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        loaded = []
        seen: set[str] = set()
        times_fields = set(_ItemTimes().fields)
        for index, record in enumerate(self._records(section, collection.name)):
            place = f"{collection.name}[{index}]"
            times_part = {name: record[name] for name in times_fields if name in record}
            body = {name: value for name, value in record.items() if name not in times_fields}
            if not isinstance(body.get("slug"), str):
                self.problem(f"{place}.slug", "Every imported item names its slug.")
            elif body["slug"] in seen:
                self.problem(f"{place}.slug", f"'{body['slug']}' is in the file twice.")
            seen.add(str(body.get("slug")))
            try:
                times = _ItemTimes().load(times_part)
                data = collection.input_schema().load(body)
            except ValidationError as error:
                for where, messages in _messages(error, place).items():
                    self.problems.setdefault(where, []).extend(messages)
                continue
            loaded.append((data, times))
        return loaded

    def _check_references(self, loaded: dict[str, Any]) -> None:
        """Every slug an item names is in the file or in the database."""

        def known(collection: Collection[Any]) -> set[str]:
            in_file = {data["slug"] for data, _times in loaded[collection.name]}
            return in_file | set(db.session.scalars(select(collection.model.slug)))

        topics, series = known(TOPICS), known(SERIES)
        for index, (data, _times) in enumerate(loaded["articles"]):
            for slug in data.get("topics", []):
                if slug not in topics:
                    self.problem(f"articles[{index}].topics", f"No topic has the slug '{slug}'.")
            if data.get("series") and data["series"] not in series:
                self.problem(f"articles[{index}].series", f"No series has the slug '{data['series']}'.")
        for index, (data, _times) in enumerate(loaded["topics"]):
            for slug in data.get("related", []):
                if slug not in topics:
                    self.problem(f"topics[{index}].related", f"No topic has the slug '{slug}'.")

    # Applying: one transaction, all or nothing.

    def apply(self, loaded: dict[str, Any]) -> None:
        revisions_by_item: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        for revision in loaded["revisions"]:
            revisions_by_item.setdefault((revision["item_type"], revision["item"]), []).append(revision)
        # The import writes the revisions it copies itself, and logs one entry per item it changes instead.
        db.session.info[LOGGED_ELSEWHERE_INFO] = True
        try:
            for collection in COLLECTIONS:
                self._apply_collection(collection, loaded[collection.name], revisions_by_item)
            self._apply_studio(loaded, revisions_by_item)
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
        records: list[tuple[dict[str, Any], dict[str, Any]]],
        revisions_by_item: dict[tuple[str, str | None], list[dict[str, Any]]],
    ) -> None:
        model = collection.model
        existing = {item.slug: item for item in db.session.scalars(select(model).options(*collection.load_options))}
        before = {slug: collection.snapshot_schema.dump(item) for slug, item in existing.items()}
        applied = []
        # Links to items of the same kind (related topics) are set once every item of the kind exists.
        later: list[tuple[Any, dict[str, Any]]] = []
        for index, (data, times) in enumerate(records):
            item = existing.get(data["slug"]) or model()
            if item.slug is None:
                db.session.add(item)
            data = dict(data)
            if "related" in data:
                later.append((item, {"related": data.pop("related")}))
            self._apply_item(collection, item, data, f"{collection.name}[{index}]")
            applied.append((item, times))
        db.session.flush()
        for item, data in later:
            self._apply_item(collection, item, data, f"{collection.name}[{item.slug}].related")
        db.session.flush()
        for item, times in applied:
            item.created_at, item.deleted_at = times["created_at"], times["deleted_at"]
            if isinstance(item, Article):
                item.series_position = times["series_position"]
            item.updated_at = times["updated_at"]
            if db.session.is_modified(item):
                flag_modified(item, "updated_at")  # the file's time, not the time of the import
        db.session.flush()
        for item, times in applied:
            item_id = _id_of(item)
            for old_slug in times["renamed_from"]:
                known = select(OldSlug).where(OldSlug.item_type == collection.item_type, OldSlug.slug == old_slug)
                if db.session.scalar(known) is None:
                    db.session.add(OldSlug(item_type=collection.item_type, slug=old_slug, item_id=item_id))
            after = collection.snapshot_schema.dump(item)
            self._record(collection.item_type, item.slug, item_id, before.get(item.slug), after, revisions_by_item)

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
        revisions_by_item: dict[tuple[str, str | None], list[dict[str, Any]]],
    ) -> None:
        """Count the item, give it its history (the file's, for an item new here; else an "imported"
        revision), and log what the import did to it."""
        if before == after:
            self.counts[(item_type, "unchanged")] += 1
            return
        trail_key = (item_type, label if item_type in {collection.item_type for collection in COLLECTIONS} else None)
        copied = revisions_by_item.get(trail_key)
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

    def _apply_studio(
        self, loaded: dict[str, Any], revisions_by_item: dict[tuple[str, str | None], list[dict[str, Any]]]
    ) -> None:
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
            self._keep_time(studio, updated_at)
            self._record(STUDIO, STUDIO, studio.studio_id, before, StudioOut().dump(studio), revisions_by_item)
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
            self._keep_time(studio, updated_at)
            self._record(HOURS, HOURS, studio.studio_id, before_hours, hours_snapshot(studio), revisions_by_item)
        copied = revisions_by_item.get((EXCEPTIONS, None))
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
        self._keep_time(exception, updated_at)
        if changed:
            action = "imported (created)" if is_new else "imported (updated)"
            record_audit(action, EXCEPTIONS, exception.starts_on.isoformat(), None)
        self.counts[(EXCEPTIONS, "created" if is_new else "updated" if changed else "unchanged")] += 1

    @staticmethod
    def _keep_time(item: Any, updated_at: datetime | None) -> None:
        """Give a changed item the file's updated_at rather than the time of the import."""
        if updated_at is None:
            return
        item.updated_at = updated_at
        if db.session.is_modified(item):
            flag_modified(item, "updated_at")
        db.session.flush()


def import_document(document: Any) -> Counter[tuple[str, str]]:
    """Import an exported document (see the module's docstring): how many items of each kind were
    created, updated or left unchanged; ImportRefused, with nothing written, when anything is wrong."""
    importer = _Importer(document)
    importer.apply(importer.validated())
    return importer.counts
