"""What articles and topics share: who sees what, saving safely, soft delete, restore, purge, revisions.

Each resource describes itself once as an `ItemKind`; the functions here do
the rest the same way for both, so the visibility rule, the conflict answers
(409 for a taken slug, 412 for a lost race) and the revision trail cannot
drift apart between resources.
"""

import html
import re
from dataclasses import dataclass, field
from typing import Callable

from flask import url_for
from marshmallow import Schema, fields
from sqlalchemy import func, inspect, literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from api.auth import current_key, key_name, require_role
from api.errors import ProblemError
from api.response_cache import remembered_total
from api.http import check_if_match, content_headers, item_response, load_body, load_query, page_links, paginate
from models import Revision, db
from models.revisions import purge_revisions, record_revision, revisions_of
from models.search import MARK_END, MARK_START, matching, search_snippets
from models.types import utcnow
from schemas.common import MAX_PAGE, SLUG_PATTERN, NoQuery
from schemas.content import RevisionOut


@dataclass(frozen=True)
class Include:
    """A relation a list can embed with `include=`: the field that shows it and how to load it for a page."""

    field: fields.Field
    load: Callable = lambda items: None  # one query for the whole page, never one per item


@dataclass(frozen=True)
class ItemKind:
    """How one resource's items are found, shown and changed."""

    item_type: str  # "article"
    model: type
    public_schema: Schema
    admin_schema: Schema
    # What a revision keeps of the item: the admin's view without what is derived.
    snapshot_schema: Schema = None
    load_options: tuple = ()
    # What a list leaves out of each row (the bodies: lists show no body).
    list_options: tuple = ()
    # apply(item, data, replace) copies validated input onto the item, resolving slugs.
    apply: Callable = None
    list_order: Callable = None
    # to_input(snapshot) turns a revision's snapshot back into input the item's schema accepts.
    to_input: Callable = None
    # Lists: the public's and a key holder's schema, the sorts allowed, the default, what can be embedded.
    list_public: type[Schema] = None
    list_admin: type[Schema] = None
    sorts: dict = field(default_factory=dict)
    default_sort: str = ""
    includes: dict = field(default_factory=dict)
    schema_cache: dict = field(default_factory=dict, compare=False)

    def find(self, slug: str, include_hidden: bool, include_deleted: bool = True):
        if not re.fullmatch(SLUG_PATTERN, slug):
            # Not a slug (it may hold characters no database should see, such as NUL): nothing has it.
            raise ProblemError(404, f"No {self.item_type} has that slug.")
        query = select(self.model).where(self.model.slug == slug).options(*self.load_options)
        if not include_hidden:
            query = query.where(self.model.public())
        elif not include_deleted:
            query = query.where(self.model.deleted_at.is_(None))
        item = db.session.scalar(query)
        if item is None:
            raise ProblemError(404, f"No {self.item_type} has the slug '{slug}'" + ("." if include_hidden else " (or it is not published)."))
        return item

    def find_for_write(self, slug: str):
        item = self.find(slug, include_hidden=True)
        if item.deleted_at is not None:
            raise ProblemError(404, f"The {self.item_type} '{slug}' is deleted; an admin can restore it.")
        return item

    def representation(self, item) -> dict:
        """What the caller's own GET of the item returns (key holders see more)."""
        schema = self.admin_schema if current_key() is not None else self.public_schema
        return schema.dump(item)


def read_item(kind: "ItemKind", slug: str):
    """One item as its caller may see it: the public sees what is published; a key holder also sees
    drafts and scheduled items. A deleted item is gone for every reader (404): key holders find it in
    the list with status=deleted, and its content in its revisions, until an admin restores it."""
    load_query(NoQuery)
    item = kind.find(slug, include_hidden=current_key() is not None, include_deleted=False)
    return item_response(kind.representation(item))


def _primary_key(item) -> int:
    return inspect(item).identity[0]


def _list_schema(kind: "ItemKind", admin: bool, include: tuple[str, ...]) -> type[Schema]:
    """The list schema for a caller and the relations they asked to embed (built once per combination)."""
    cache_key = (admin, include)
    if cache_key not in kind.schema_cache:
        base = kind.list_admin if admin else kind.list_public
        embedded = {name: kind.includes[name].field for name in include}
        kind.schema_cache[cache_key] = type(f"{base.__name__}With{''.join(include).title()}", (base,), embedded)
    return kind.schema_cache[cache_key]


def _marked(snippet: str | None) -> str | None:
    """A search snippet with its matches in <mark> and everything else HTML-escaped."""
    if snippet is None:
        return None
    # Topics' passages are stored as JSON lists: show their text, not the list's brackets and quotes.
    snippet = snippet.replace('", "', " … ").replace('["', "").replace('"]', "")
    return html.escape(snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _list_order(kind: "ItemKind", sort: str, primary_key) -> Callable:
    """order(rank) gives a list's ORDER BY: by rank for a search, else the sort asked for; the id breaks ties."""

    def order(rank_column) -> tuple:
        if sort == "relevance":
            return rank_column.desc(), primary_key.desc()
        column = kind.sorts[sort.lstrip("-")]
        if sort.startswith("-"):
            return column.desc().nulls_last(), primary_key.desc()
        return column.asc().nulls_last(), primary_key.asc()

    return order


def _read_page(kind: "ItemKind", keys, order: Callable, page: int, per_page: int, ranked: bool) -> tuple[int, list]:
    """A list's total (remembered per content version), then one page of its keys, read from the
    index, then only those rows: (total, rows of (item,) or (item, rank))."""
    primary_key = kind.model.__table__.c.id
    total = remembered_total(lambda: db.session.scalar(select(func.count()).select_from(keys.subquery())))
    page_keys = keys.order_by(*order(literal_column("rank"))).limit(per_page).offset((page - 1) * per_page).subquery()
    rows = select(kind.model).join(page_keys, page_keys.c.id == primary_key).options(*kind.load_options, *kind.list_options)
    if ranked:
        rows = rows.add_columns(page_keys.c.rank)
    return total, list(db.session.execute(rows.order_by(*order(page_keys.c.rank if ranked else None))))


def list_items(kind: "ItemKind", query_schema, filters: Callable = None):
    """A page of items: filtered, searched, sorted, with only the fields and embedded relations asked for."""
    args = load_query(query_schema)
    key = current_key()
    state = args.get("status", "published")
    if state != "published" and key is None:
        raise ProblemError(
            401, f"Only published items are public; status={state} needs an API key.",
            headers={"WWW-Authenticate": 'Bearer realm="content-api"'},
        )
    schema_class = _list_schema(kind, key is not None, tuple(args.get("include", ())))
    only = args.get("only_fields")
    if only:
        unknown = [name for name in only if name not in schema_class().fields]
        if unknown:
            raise ProblemError(400, "The query string asks for fields the list does not have, or not for you.",
                               errors={"fields": [f"Unknown field: {name}." for name in unknown]})

    model = kind.model
    primary_key = model.__table__.c.id
    # The page is found from keys alone (the list order and the public rule are in an index), then
    # only its rows are read: a deep page or a search matching thousands costs what page 1 does.
    keys = select(primary_key.label("id")).where(model.in_state(state))
    if filters:
        keys = filters(keys, args)
    search = None
    sort = args.get("sort") or ("relevance" if "q" in args else kind.default_sort)
    if "q" in args:
        search = matching(model, args["q"], db.engine.dialect.name)
        search_condition, rank, _snippet, search_from = search
        if search_from is not None:
            keys = keys.select_from(search_from)
        keys = keys.where(search_condition).add_columns(rank.label("rank"))
    elif sort == "relevance":
        raise ProblemError(400, "sort=relevance needs a search (q).", errors={"sort": ["relevance needs q."]})
    order = _list_order(kind, sort, primary_key)
    total, rows = _read_page(kind, keys, order, args["page"], args["per_page"], ranked=search is not None)
    items = [row[0] for row in rows]
    meta, links, headers = page_links(args["page"], args["per_page"], total)
    if search is not None:
        snippets = search_snippets(model, search, [_primary_key(item) for item in items])
        for item, item_rank in rows:
            item.search_hit = {"rank": float(item_rank), "snippet": _marked(snippets.get(_primary_key(item)))}
    for name in args.get("include", ()):
        kind.includes[name].load(items)
    schema = schema_class(many=True, only=only) if only else schema_class(many=True)
    return {"data": schema.dump(items), "meta": meta, "links": links}, 200, {**headers, **content_headers()}


def _save(kind: ItemKind, item, action: str):
    """Flush the item, record its revision, commit: 409 for a taken slug, 412 for a lost race."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ProblemError(409, f"The slug '{item.slug}' is already taken (deleted items keep theirs).") from None
    except StaleDataError:
        db.session.rollback()
        raise ProblemError(412, f"The {kind.item_type} was changed by someone else meanwhile. Fetch it and retry.") from None
    record_revision(kind.item_type, _primary_key(item), kind.snapshot_schema.dump(item), action, key_name())
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise ProblemError(412, f"The {kind.item_type} was changed by someone else meanwhile. Fetch it and retry.") from None


def create_item(kind: ItemKind, input_schema: Schema, location_endpoint: str):
    require_role("editor")
    data = load_body(input_schema)
    item = kind.model()
    with db.session.no_autoflush:  # resolving slugs must not flush a half-applied change
        kind.apply(item, data, replace=True)
    db.session.add(item)
    _save(kind, item, "created")
    location = url_for(location_endpoint, slug=item.slug, _external=True)
    return item_response(kind.representation(item), 201, {"Location": location})


def change_item(kind: ItemKind, slug: str, input_schema: Schema, partial: bool):
    require_role("editor")
    item = kind.find_for_write(slug)
    check_if_match(kind.representation(item))
    data = load_body(input_schema, partial=partial)
    with db.session.no_autoflush:  # resolving slugs must not flush a half-applied change
        kind.apply(item, data, replace=not partial)
    _save(kind, item, "updated")
    return item_response(kind.representation(item))


def delete_item(kind: ItemKind, slug: str):
    require_role("editor")
    item = kind.find_for_write(slug)
    check_if_match(kind.representation(item))
    item.deleted_at = utcnow()
    _save(kind, item, "deleted")
    return "", 204


def restore_item(kind: ItemKind, slug: str):
    require_role("admin")
    item = kind.find(slug, include_hidden=True)
    if item.deleted_at is None:
        raise ProblemError(409, f"The {kind.item_type} '{slug}' is not deleted.")
    check_if_match(kind.representation(item))
    item.deleted_at = None
    _save(kind, item, "restored")
    return item_response(kind.representation(item))


def purge_item(kind: ItemKind, slug: str):
    require_role("admin")
    item = kind.find(slug, include_hidden=True)
    if item.deleted_at is None:
        raise ProblemError(409, f"Delete the {kind.item_type} '{slug}' before purging it.")
    check_if_match(kind.representation(item))
    purge_revisions(kind.item_type, _primary_key(item))
    db.session.delete(item)
    db.session.commit()
    return "", 204


def list_revisions(kind: ItemKind, slug: str, query_schema):
    require_role("admin")
    args = load_query(query_schema)
    item = kind.find(slug, include_hidden=True)
    revisions, meta, links, headers = paginate(revisions_of(kind.item_type, _primary_key(item)), args["page"], args["per_page"])
    return {"data": RevisionOut(many=True).dump(revisions), "meta": meta, "links": links}, 200, headers


def restore_revision(kind: ItemKind, slug: str, number: int, input_schema: Schema):
    """Make the item equal to one of its revisions again, as a new change."""
    require_role("admin")
    item = kind.find_for_write(slug)
    check_if_match(kind.representation(item))
    if not 1 <= number <= MAX_PAGE:  # past the database's integer range no revision can exist
        raise ProblemError(404, f"The {kind.item_type} '{slug}' has no revision {number}.")
    revision = db.session.scalar(revisions_of(kind.item_type, _primary_key(item)).where(Revision.number == number))
    if revision is None:
        raise ProblemError(404, f"The {kind.item_type} '{slug}' has no revision {number}.")
    with db.session.no_autoflush:
        kind.apply(item, input_schema.load(kind.to_input(revision.snapshot)), replace=True)
    _save(kind, item, f"restored revision {number}")
    return item_response(kind.representation(item))

