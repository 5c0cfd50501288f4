"""`Collection`: everything the app needs to know about one collection resource, said once.

A resource module declares its collection with its model, input and output
schemas, how input is applied (relations named by slug), its list's filters,
sorts and embeddable relations, its structured data, and the words its
operations are documented with. The routes, the spec, the index links and the
public URLs are derived from it. Every declared collection is registered by
its model, so code that meets an item (a feed, a JSON-LD document) can ask
where it lives without naming its resource.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, TypeVar

from flask import current_app
from marshmallow import Schema, fields
from sqlalchemy import Select, select
from sqlalchemy.orm.interfaces import ORMOption

from api.web.auth import current_key
from api.web.errors import ProblemError
from api.web.routing import INDEX_ENDPOINT, endpoint_url, moved_to, url_of
from models import db
from models.editable import EditableItem
from models.slugs import renamed_to
from schemas.common import SLUG_PATTERN, PageQuery, item_envelope, list_envelope, write_envelope
from schemas.input import StrictSchema, patch_schema

Item = TypeVar("Item", bound=EditableItem)


def _nothing_to_load(items: Sequence[Any]) -> None:
    """The default loader: the rows hold everything."""


def copy_fields(item: Any, data: dict[str, Any]) -> None:
    """The default `apply`: every validated field onto the item's attribute of the same name."""
    for name, value in data.items():
        setattr(item, name, value)


@dataclass(frozen=True)
class Include:
    """A relation a list can embed with `include=`: the field that shows it and how to load it for a page."""

    field: fields.Field
    load: Callable[[Sequence[Any]], None] = _nothing_to_load  # one query for the whole page, never one per item


@dataclass(frozen=True)
class CollectionDocs:
    """What the spec says of a collection beyond what follows from its declaration."""

    namespace: str  # the namespace's (tag's) description
    slug_example: str
    list_summary: str
    list_response: str
    read_summary: str
    read_response: str
    # Request examples that are safe to send as they are to the example item: a PATCH of one field,
    # and a PUT that renames nothing and unpublishes nothing.
    patch_example: dict[str, Any] = field(default_factory=dict)
    put_example: dict[str, Any] = field(default_factory=dict)
    # Only for a collection that has structured data.
    structured_data_summary: str = ""
    structured_data_response: str = ""


@dataclass(frozen=True, kw_only=True)
class Collection(Generic[Item]):
    """One collection resource: items with slugs, listed, shown, edited, soft-deleted, restored, purged."""

    name: str  # "articles": the URL path under /api/v1, the namespace, the index link
    item_type: str  # "article": how messages, revisions and config names call one item
    model: type[Item]
    # Input: POST and PUT validate with it (fields left out take their load_default); PATCH with
    # a copy of it in which nothing is required and nothing has a default.
    input_schema: type[StrictSchema]
    # Output: what the public and key holders are served, for an item and in lists.
    public_schema: type[Schema]
    admin_schema: type[Schema]
    list_public: type[Schema]
    list_admin: type[Schema]
    # What a revision keeps of an item: the admin's view without what is derived.
    snapshot_schema: Schema
    list_query: type[PageQuery]
    # The field a slug is made from when the input gives none.
    slug_from: str
    docs: CollectionDocs
    sorts: dict[str, Any]
    default_sort: str
    # apply(item, data) copies validated input onto the item, resolving the slugs it names.
    apply: Callable[[Item, dict[str, Any]], None] = copy_fields
    # to_input(snapshot) turns a revision's snapshot back into input `input_schema` accepts; by default
    # the snapshot's fields that the input schema has.
    to_input: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # filters(query, args) narrows a list's query by the list's own query parameters.
    filters: Callable[[Select, dict[str, Any]], Select] | None = None
    # The item as schema.org JSON-LD, served at /<slug>/structured-data; None for no such route.
    structured_data: Callable[[Item], dict[str, Any]] | None = None
    includes: dict[str, Include] = field(default_factory=dict)
    load_options: tuple[ORMOption, ...] = ()
    # What a list leaves out of each row (the bodies: lists show no body).
    list_options: tuple[ORMOption, ...] = ()
    # Loads what an item's representation shows beyond its row, for several items in one query.
    complete: Callable[[Sequence[Item]], None] = _nothing_to_load
    # in_use_by(item) names what still refers to the item (as "article 'slug'"): a purge is refused while
    # anything does, since the purge would silently unlink it and leave its revisions unrestorable.
    in_use_by: Callable[[Item], list[str]] | None = None
    # after_save(item) runs once a write's own revision is recorded, before the commit: for what the write
    # changed in other items (a series' reordered articles record revisions of their own).
    after_save: Callable[[Item], None] | None = None
    # read_new() reads a create request that is not a JSON body (the media library's uploads): the new,
    # unsaved item and the validated input to apply to it. None: the JSON body, by `input_schema`.
    read_new: Callable[[], tuple[Item, dict[str, Any]]] | None = None
    # With `read_new`: the multipart/form-data body the create operation documents instead of JSON.
    upload_schema: type[Schema] | None = None
    # Whether its public detail is stored ready to send when an item is written (`api.collection.stored`).
    stored: bool = False
    # Whether the public's searches are answered by the instance's search index (`models.search_index`).
    indexed_search: bool = False
    schema_cache: dict[Any, type[Schema]] = field(default_factory=dict, compare=False)
    # The Resource classes made from this declaration, by role ("list", "item", ...), once routed.
    resources: dict[str, type] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        _DECLARED[self.model] = self

    def revision_as_input(self, snapshot: dict[str, Any]) -> dict[str, Any]:
        """A revision's snapshot as input that recreates it."""
        if self.to_input is not None:
            return self.to_input(snapshot)
        return {name: snapshot[name] for name in self.input_schema().fields if name in snapshot}

    @property
    def label(self) -> str:
        """ "Article": how model names in the spec start."""
        return self.item_type.capitalize()

    @property
    def a_noun(self) -> str:
        """ "an article", "a topic"."""
        return ("an " if self.item_type[0] in "aeiou" else "a ") + self.item_type

    @cached_property
    def patch_schema(self) -> type[StrictSchema]:
        return patch_schema(self.input_schema)

    @cached_property
    def public_envelope(self) -> type[Schema]:
        return item_envelope(f"{self.label}Item", self.public_schema)

    @cached_property
    def admin_envelope(self) -> type[Schema]:
        return item_envelope(f"{self.label}AdminItem", self.admin_schema)

    @cached_property
    def write_envelope(self) -> type[Schema]:
        return write_envelope(f"{self.label}Written", self.admin_schema)

    @cached_property
    def list_envelope(self) -> type[Schema]:
        return list_envelope(f"{self.label}List", self.list_public)

    @cached_property
    def _public_out(self) -> Schema:
        return self.public_schema()

    @cached_property
    def _admin_out(self) -> Schema:
        return self.admin_schema()

    def find(self, slug: str, include_hidden: bool, include_deleted: bool = True) -> Item:
        """The item with this slug: only a public one unless `include_hidden`; 404 when there is none."""
        if not re.fullmatch(SLUG_PATTERN, slug):
            # Not a slug (it may hold characters no database should see, such as NUL): nothing has it.
            raise ProblemError(404, f"No {self.item_type} has that slug.")
        visible: list[Any] = []
        if not include_hidden:
            visible.append(self.model.public())
        elif not include_deleted:
            visible.append(self.model.deleted_at.is_(None))
        query = select(self.model).where(self.model.slug == slug, *visible).options(*self.load_options)
        item = db.session.scalar(query)
        if item is None:
            self._redirect_if_renamed(slug, visible)
            hidden = "." if include_hidden else " (or it is not published)."
            raise ProblemError(404, f"No {self.item_type} has the slug '{slug}'" + hidden)
        return item

    def _redirect_if_renamed(self, slug: str, visible: list[Any]) -> None:
        """An item renamed from this slug answers at its new one: 301 for reads, 308 for writes (which keeps
        the method and the body). Only an item the caller could read at its new slug is pointed to."""
        item_id = renamed_to(self.item_type, slug)
        if item_id is None:
            return
        new_slug = db.session.scalar(select(self.model.slug).where(self.model.id_column() == item_id, *visible))
        if new_slug is not None:
            raise moved_to(slug=new_slug)

    def find_for_write(self, slug: str) -> Item:
        item = self.find(slug, include_hidden=True)
        if item.deleted_at is not None:
            raise ProblemError(404, f"The {self.item_type} '{slug}' is deleted; an admin can restore it.")
        return item

    def representation(self, item: Item, public: bool | None = None) -> dict[str, Any]:
        """What the caller's own GET of the item returns (key holders see more); with `public`, what the
        public's GET returns (or will, once the item is published: a preview)."""
        self.complete([item])
        if public is None:
            public = current_key() is None
        representation: dict[str, Any] = (self._public_out if public else self._admin_out).dump(item)
        return representation

    def item_url(self, slug: str) -> str:
        """The API's URL of the item."""
        return url_of(self.resources["item"], slug=slug)

    def list_url(self) -> str:
        """The API's URL of the collection."""
        return url_of(self.resources["list"])

    def public_page(self, slug: str) -> str:
        """Where the website shows the item: the pattern PUBLIC_<ITEM_TYPE>_URL with {slug} (for example
        PUBLIC_ARTICLE_URL), or, until that is configured, the item's API URL, which is at least real."""
        pattern = current_app.config.get(f"PUBLIC_{self.item_type.upper()}_URL")
        return pattern.format(slug=slug) if pattern else self.item_url(slug)


_DECLARED: dict[type, Collection[Any]] = {}


def declared_collections() -> list[Collection[Any]]:
    """Every declared collection, in the order their modules declared them."""
    return list(_DECLARED.values())


def collection_of(model: type) -> Collection[Any]:
    """The collection whose items are of this model."""
    return _DECLARED[model]


def public_page(item: EditableItem) -> str:
    """Where the website shows this item (see `Collection.public_page`)."""
    return collection_of(type(item)).public_page(item.slug)


def site_home() -> str:
    """The website's home page: PUBLIC_SITE_URL, or until it is configured the API's index."""
    configured: str | None = current_app.config.get("PUBLIC_SITE_URL")
    return configured or endpoint_url(INDEX_ENDPOINT)
