"""What articles and topics share: who sees what, saving safely, soft delete, restore, purge, revisions.

Each resource describes itself once as an `ItemKind`; the functions here do
the rest the same way for both, so the visibility rule, the conflict answers
(409 for a taken slug, 412 for a lost race) and the revision trail cannot
drift apart between resources.
"""

import re
from dataclasses import dataclass
from typing import Callable

from flask import url_for
from marshmallow import Schema
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from api.auth import current_key, key_name, require_role
from api.errors import ProblemError
from api.http import check_if_match, item_response, load_body, load_query, paginate
from models import Revision, db
from models.revisions import purge_revisions, record_revision, revisions_of
from models.types import utcnow
from schemas.common import SLUG_PATTERN
from schemas.content import RevisionOut


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
    # apply(item, data, replace) copies validated input onto the item, resolving slugs.
    apply: Callable = None
    list_order: Callable = None
    # to_input(snapshot) turns a revision's snapshot back into input the item's schema accepts.
    to_input: Callable = None

    def find(self, slug: str, include_hidden: bool):
        if not re.fullmatch(SLUG_PATTERN, slug):
            # Not a slug (it may hold characters no database should see, such as NUL): nothing has it.
            raise ProblemError(404, f"No {self.item_type} has that slug.")
        query = select(self.model).where(self.model.slug == slug).options(*self.load_options)
        if not include_hidden:
            query = query.where(self.model.public())
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


def _primary_key(item) -> int:
    return inspect(item).identity[0]


def list_items(kind: ItemKind, query_schema, filters: Callable = None):
    """A page of items: the public's view, or with a key any `status=`."""
    args = load_query(query_schema)
    key = current_key()
    state = args.get("status", "published")
    if state != "published" and key is None:
        raise ProblemError(
            401, f"Only published items are public; status={state} needs an API key.",
            headers={"WWW-Authenticate": 'Bearer realm="content-api"'},
        )
    query = select(kind.model).where(kind.model.in_state(state)).options(*kind.load_options).order_by(*kind.list_order())
    if filters:
        query = filters(query, args)
    items, meta, links, headers = paginate(query, args["page"], args["per_page"])
    schema = kind.admin_schema if key is not None else kind.public_schema
    return {"data": schema.dump(items, many=True), "meta": meta, "links": links}, 200, headers


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
    revision = db.session.scalar(revisions_of(kind.item_type, _primary_key(item)).where(Revision.number == number))
    if revision is None:
        raise ProblemError(404, f"The {kind.item_type} '{slug}' has no revision {number}.")
    kind.apply(item, input_schema.load(kind.to_input(revision.snapshot)), replace=True)
    _save(kind, item, f"restored revision {number}")
    return item_response(kind.representation(item))

