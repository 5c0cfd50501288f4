"""The operations every collection offers, done the same way for each: read, list (filtered,
searched, sorted, sparse, with embedded relations), create, change, soft delete, restore, purge,
and the revision trail.

Each takes the collection's declaration (`declaration.Collection`); the
conflict answers (409 for a taken slug, 412 for a lost race) and the revisions
are written here once.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Response, request
from marshmallow import Schema
from sqlalchemy import ColumnElement, Select, func, literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.routing import RequestRedirect

from api.caching.content_version import content_headers
from api.caching.list_memo import remembered_order, remembered_total
from api.collection import stored
from api.collection.declaration import Collection
from api.collection.indexed_search import indexed_rows, indexed_search, stored_search_page
from api.web.auth import current_key, key_name, require_role
from api.web.errors import ProblemError
from api.web.requests import load_body, load_query
from api.web.responses import (
    ViewAnswer,
    check_if_match,
    etag_of,
    item_response,
    page_links,
    paginate,
    tag_response,
    written_response,
)
from api.web.routing import url_of
from models import Revision, db
from models.audit import record_audit
from models.editable import EditableItem, primary_key
from models.events import cache_keys, surrogate_key
from models.revisions import latest_revision, purge_revisions, record_revision, revisions_of
from models.richtext import slugify
from models.search import matching, search_snippets, words
from models.search_snippets import marked
from models.slugs import forget_item, forget_slug, record_rename
from models.types import utcnow
from schemas.common import MAX_PAGE, NoQuery, PageQuery
from schemas.content import RevisionOut

NoContent = tuple[str, int] | tuple[str, int, dict[str, str]]


def read_item(collection: Collection[Any], slug: str) -> ViewAnswer | Response:
    """One item as its caller may see it: the public sees what is published; a key holder also sees
    drafts and scheduled items. A deleted item is gone for every reader (404): key holders find it in
    the list with status=deleted, and its content in its revisions, until an admin restores it."""
    if "fields" in request.args:
        sparse_read = {"slug": slug[:120], "fields": f"slug,{collection.slug_from}"}
        raise ProblemError(
            400,
            f"An item read is always whole, so that typed clients can rely on every field. For some fields "
            f"of one {collection.item_type}, ask the list: "
            f"{collection.list_url()}?{urlencode(sparse_read, safe=',')}",
            errors={"fields": ["Use fields= on the list, with slug=."]},
        )
    load_query(NoQuery)
    if collection.stored and current_key() is None:
        return stored.public_detail(collection, slug)
    item = collection.find(slug, include_hidden=current_key() is not None, include_deleted=False)
    representation = collection.representation(item)
    tag_response(cache_keys(collection.item_type, representation))
    return item_response(representation)


def _list_schema(collection: Collection[Any], admin: bool, include: tuple[str, ...]) -> type[Schema]:
    """The list schema for a caller and the relations they asked to embed (built once per combination)."""
    cache_key = (admin, include)
    if cache_key not in collection.schema_cache:
        base = collection.list_admin if admin else collection.list_public
        embedded = {name: collection.includes[name].field for name in include}
        collection.schema_cache[cache_key] = type(f"{base.__name__}With{''.join(include).title()}", (base,), embedded)
    return collection.schema_cache[cache_key]


Order = Callable[[Any], tuple[ColumnElement[Any], ...]]


def _list_order(collection: Collection[Any], sort: str, id_column: Any) -> Order:
    """order(rank) gives a list's ORDER BY: by rank for a search, else the sort asked for; the id breaks ties."""

    def order(rank_column: Any) -> tuple[ColumnElement[Any], ...]:
        if sort == "relevance":
            return rank_column.desc(), id_column.desc()
        column = collection.sorts[sort.lstrip("-")]
        if sort.startswith("-"):
            return column.desc().nulls_last(), id_column.desc()
        return column.asc().nulls_last(), id_column.asc()

    return order


def _read_page(
    collection: Collection[Any], keys: Select, order: Order, page: int, per_page: int, ranked: bool
) -> list[Any]:
    """One page of the list's keys, read from the index, then only those rows: rows of (item,) or (item, rank)."""
    id_column = collection.model.id_column()
    page_keys = keys.order_by(*order(literal_column("rank"))).limit(per_page).offset((page - 1) * per_page).subquery()
    rows = (
        select(collection.model)
        .join(page_keys, page_keys.c.id == id_column)
        .options(*collection.load_options, *collection.list_options)
    )
    if ranked:
        rows = rows.add_columns(page_keys.c.rank)
    return list(db.session.execute(rows.order_by(*order(page_keys.c.rank if ranked else None))))


def _stored_page(
    collection: Collection[Any], keys: Select, order: Order, args: dict[str, Any], total: int
) -> Response | None:
    """The page made of its items' stored summaries (`stored.stored_page`), or None: its ids (a slice of the
    whole list's, remembered per membership version, or from the index), then their summaries."""
    page, per_page = args["page"], args["per_page"]
    start = (page - 1) * per_page
    every_id = remembered_order(total, lambda: list(db.session.scalars(keys.order_by(*order(None)))))
    if every_id is not None:
        page_ids = list(every_id[start : start + per_page])
    else:
        page_ids = list(db.session.scalars(keys.order_by(*order(None)).limit(per_page).offset(start)))
    meta, links, headers = page_links(page, per_page, total)
    answer = stored.stored_page(collection, page_ids, {"meta": meta, "links": links})
    if answer is not None:
        answer.headers.update({**headers, **content_headers()})
    return answer


def list_items(collection: Collection[Any]) -> ViewAnswer | Response:
    """A page of items: filtered, searched, sorted, with only the fields and embedded relations asked for."""
    args = load_query(collection.list_query)
    key = current_key()
    public_state = collection.model.STATES[0]  # published, or for images available
    state = args.get("status", public_state)
    if state != public_state and key is None:
        raise ProblemError(
            401,
            f"Only {public_state} items are public; status={state} needs an API key.",
            headers={"WWW-Authenticate": 'Bearer realm="content-api"'},
        )
    schema_class = _list_schema(collection, key is not None, tuple(args.get("include", ())))
    only = args.get("only_fields")
    if only:
        unknown = [name for name in only if name not in schema_class().fields]
        if unknown:
            raise ProblemError(
                400,
                "The query string asks for fields the list does not have, or not for you.",
                errors={"fields": [f"Unknown field: {name}." for name in unknown]},
            )

    if "q" in args and not words(args["q"]):
        meta, links, headers = page_links(args["page"], args["per_page"], 0)  # no word: nothing matches
        return {"data": [], "meta": meta, "links": links}, 200, {**headers, **content_headers()}
    indexed = indexed_search(collection, args) if "q" in args and key is None else None
    if indexed is not None and collection.stored and not only and not args.get("include"):
        answer = stored_search_page(collection, indexed, args)
        if answer is not None:
            return answer
    if indexed is not None:
        found, total = indexed_rows(collection, indexed), indexed.hits.total
    else:
        found, total = _database_rows(collection, args, state)
        if isinstance(found, Response):
            return found
    items = [row[0] for row in found]
    tag_response([surrogate_key(collection.item_type), *(surrogate_key(collection.item_type, i.slug) for i in items)])
    meta, links, headers = page_links(args["page"], args["per_page"], total)
    if "q" in args:
        for item, item_rank, snippet in found:
            item.search_hit = {"rank": float(item_rank), "snippet": snippet}
    for name in args.get("include", ()):
        collection.includes[name].load(items)
    schema = schema_class(many=True, only=only) if only else schema_class(many=True)
    return {"data": schema.dump(items), "meta": meta, "links": links}, 200, {**headers, **content_headers()}


def _database_rows(collection: Collection[Any], args: dict[str, Any], state: str) -> tuple[Any, int]:
    """A page of the list from the database: (rows, total) with rows of (item,) or, for a search,
    (item, rank, snippet); or (the answer made of stored summaries, total)."""
    model = collection.model
    id_column = model.id_column()
    # The page is found from keys alone (the list order and the public rule are in an index), then
    # only its rows are read: a deep page or a search matching thousands costs what page 1 does.
    keys = select(id_column.label("id")).where(model.in_state(state))
    if "slug" in args:
        keys = keys.where(model.slug.in_(args["slug"]))
    if collection.filters:
        keys = collection.filters(keys, args)
    search = None
    sort = args.get("sort") or ("relevance" if "q" in args else collection.default_sort)
    if "q" in args:
        search = matching(model, args["q"], db.engine.dialect.name)
        search_condition, rank, _snippet, search_from = search
        if search_from is not None:
            keys = keys.select_from(search_from)
        keys = keys.where(search_condition).add_columns(rank.label("rank"))
    elif sort == "relevance":
        raise ProblemError(400, "sort=relevance needs a search (q).", errors={"sort": ["relevance needs q."]})
    order = _list_order(collection, sort, id_column)
    # Counted once per membership of the lists and filters (a search's, once per content version).
    total = remembered_total(lambda: db.session.scalar(select(func.count()).select_from(keys.subquery())) or 0)
    plain = search is None and not args.get("only_fields") and not args.get("include")
    if collection.stored and current_key() is None and plain:
        answer = _stored_page(collection, keys, order, args, total)
        if answer is not None:
            return answer, total
    rows = _read_page(collection, keys, order, args["page"], args["per_page"], ranked=search is not None)
    if search is None:
        return rows, total
    snippets = search_snippets(model, search, [primary_key(row[0]) for row in rows])
    return [(item, item_rank, marked(snippets.get(primary_key(item)))) for item, item_rank in rows], total


def _apply(collection: Collection[Any], item: EditableItem, data: dict[str, Any]) -> None:
    """Copy validated input onto the item (the collection resolves the slugs it names); an item
    without a slug gets one made from its `slug_from` field."""
    with db.session.no_autoflush:  # resolving slugs must not flush a half-applied change
        if data.get("slug") is None and item.slug is None:
            source = data.get(collection.slug_from) or getattr(item, collection.slug_from)
            data = {**data, "slug": slugify(source, max_length=120)}
            if not data["slug"]:
                raise ProblemError(
                    422, f"No slug can be made from this {collection.slug_from}.", errors={"slug": ["Give a slug."]}
                )
        collection.apply(item, data)


def _save(collection: Collection[Any], item: EditableItem, action: str, previous_slug: str | None = None) -> None:
    """Flush the item, record its revision (and, when it was renamed from `previous_slug`, its old slug),
    commit: 409 for a taken slug, 412 for a lost race."""
    lost_race = f"The {collection.item_type} was changed by someone else meanwhile. Fetch it and retry."
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ProblemError(409, f"The slug '{item.slug}' is already taken (deleted items keep theirs).") from None
    except StaleDataError:
        db.session.rollback()
        raise ProblemError(412, lost_race) from None
    snapshot = collection.snapshot_schema.dump(item)
    record_revision(collection.item_type, primary_key(item), snapshot, action, key_name())
    if collection.after_save is not None:
        collection.after_save(item)
    if previous_slug is None:
        forget_slug(collection.item_type, item.slug)  # a new item takes a slug nobody may be redirected from
    elif previous_slug != item.slug:
        record_rename(collection.item_type, primary_key(item), previous_slug, item.slug)
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise ProblemError(412, lost_race) from None


def create_item(collection: Collection[Any]) -> ViewAnswer:
    require_role("editor")
    if collection.read_new is not None:
        item, data = collection.read_new()
    else:
        item, data = collection.model(), load_body(collection.input_schema())
    _apply(collection, item, data)
    db.session.add(item)
    _save(collection, item, "created")
    location = url_of(collection.resources["item"], slug=item.slug)
    return written_response(collection.representation(item), _warnings(item), 201, {"Location": location})


def change_item(collection: Collection[Any], slug: str, partial: bool) -> ViewAnswer:
    require_role("editor")
    schema = collection.patch_schema() if partial else collection.input_schema()
    try:
        item = collection.find_for_write(slug)
    except RequestRedirect:
        # A renamed item's old slug: a body its new URL would refuse is refused here, rather than sent on.
        load_body(schema, partial=partial)
        raise
    check_if_match(collection.representation(item))
    _apply(collection, item, load_body(schema, partial=partial))
    _save(collection, item, "updated", previous_slug=slug)
    return _changed(collection, item, slug)


def _warnings(item: EditableItem) -> list[str]:
    """What applying the write took out of what was sent (an article body's removed markup)."""
    return list(getattr(item, "write_warnings", []))


def _changed(collection: Collection[Any], item: EditableItem, slug: str) -> ViewAnswer:
    """The item after a change; when the change renamed it, Location names its new URL."""
    moved = {"Location": url_of(collection.resources["item"], slug=item.slug)} if item.slug != slug else None
    return written_response(collection.representation(item), _warnings(item), headers=moved)


def delete_item(collection: Collection[Any], slug: str) -> NoContent:
    require_role("editor")
    item = collection.find_for_write(slug)
    check_if_match(collection.representation(item))
    item.deleted_at = utcnow()
    _save(collection, item, "deleted", previous_slug=slug)
    # A deleted item cannot be read, so the ETag its restore needs in If-Match comes with the deletion.
    return "", 204, {"ETag": etag_of(collection.representation(item))}


def _deleted_item(collection: Collection[Any], slug: str, not_deleted: str, own_deletion: bool = False) -> Any:
    """The deleted item an admin restores or purges: 409 with `not_deleted` when it is not deleted. With
    `own_deletion`, an editor may have it too, when the deletion was made with the editor's own key."""
    key = require_role("editor" if own_deletion else "admin")
    item = collection.find(slug, include_hidden=True)
    if item.deleted_at is None:
        raise ProblemError(409, not_deleted)
    if not key.allows("admin"):
        deletion = latest_revision(collection.item_type, primary_key(item))
        if deletion is None or deletion.action != "deleted" or deletion.key_name != key.name:
            raise ProblemError(
                403, f"An editor restores only what its own key deleted; the {collection.item_type} needs an admin."
            )
    check_if_match(collection.representation(item))
    return item


def restore_item(collection: Collection[Any], slug: str) -> ViewAnswer:
    item = _deleted_item(collection, slug, f"The {collection.item_type} '{slug}' is not deleted.", own_deletion=True)
    item.deleted_at = None
    _save(collection, item, "restored", previous_slug=slug)
    return written_response(collection.representation(item), [])


def purge_item(collection: Collection[Any], slug: str) -> NoContent:
    item = _deleted_item(collection, slug, f"Delete the {collection.item_type} '{slug}' before purging it.")
    users = collection.in_use_by(item) if collection.in_use_by else []
    if users:
        shown = ", ".join(users[:20]) + (f" and {len(users) - 20} more" if len(users) > 20 else "")
        raise ProblemError(
            409,
            f"The {collection.item_type} '{slug}' is still used by {shown}: take it out of them (and out of "
            "their drafts and deleted items) first, so that no content loses it silently.",
            errors={"slug": [f"Used by {len(users)} item(s)."]},
        )
    purge_revisions(collection.item_type, primary_key(item))
    forget_item(collection.item_type, primary_key(item))
    record_audit("purged", collection.item_type, item.slug, key_name())  # its revisions are gone
    db.session.delete(item)
    db.session.commit()
    return "", 204


def revision_page(item_type: str, item_id: int) -> ViewAnswer:
    """A page of an item's revisions, newest first, as the query string asks (any item with a trail:
    a collection's, the studio's, its hours')."""
    args = load_query(PageQuery)
    revisions, meta, links, headers = paginate(revisions_of(item_type, item_id), args["page"], args["per_page"])
    return {"data": RevisionOut(many=True).dump(revisions), "meta": meta, "links": links}, 200, headers


def find_revision(item_type: str, item_id: int, number: int, missing: str) -> Revision:
    """Revision `number` of the item; a 404 saying `missing` when it has none."""
    revision = None
    if 1 <= number <= MAX_PAGE:  # past the database's integer range no revision can exist
        revision = db.session.scalar(revisions_of(item_type, item_id).where(Revision.number == number))
    if revision is None:
        raise ProblemError(404, missing)
    return revision


def list_revisions(collection: Collection[Any], slug: str) -> ViewAnswer:
    require_role("editor")  # an editor sees the history of what it can edit
    item = collection.find(slug, include_hidden=True)
    return revision_page(collection.item_type, primary_key(item))


def restore_revision(collection: Collection[Any], slug: str, number: int) -> ViewAnswer:
    """Make the item equal to one of its revisions again, as a new change."""
    require_role("admin")
    item = collection.find_for_write(slug)
    check_if_match(collection.representation(item))
    missing = f"The {collection.item_type} '{slug}' has no revision {number}."
    revision = find_revision(collection.item_type, primary_key(item), number, missing)
    previous_slug = item.slug
    _apply(collection, item, collection.input_schema().load(collection.revision_as_input(revision.snapshot)))
    _save(collection, item, f"restored revision {number}", previous_slug=previous_slug)
    return _changed(collection, item, previous_slug)


def structured_data(collection: Collection[Any], slug: str) -> dict[str, Any]:
    """The item's JSON-LD document (key holders may ask for drafts and scheduled items too)."""
    assert collection.structured_data is not None, "only a collection with structured data routes here"
    item = collection.find(slug, include_hidden=current_key() is not None, include_deleted=False)
    tag_response(cache_keys(collection.item_type, collection.representation(item)))
    return collection.structured_data(item)
