"""Every route of a collection, made from its declaration: `collection_namespace(ARTICLES)`.

For a collection named `articles` of items called `article`:

    GET, POST           /articles                                list, create
    GET, PUT, PATCH,    /articles/{slug}                         read, replace, change, delete
    DELETE
    GET                 /articles/{slug}/structured-data         schema.org JSON-LD
    POST                /articles/{slug}/restore                 undo a delete (admin, or who deleted it)
    POST                /articles/{slug}/purge                   delete for good (admin)
    GET                 /articles/{slug}/revisions               the revision trail (editor)
    POST                /articles/{slug}/revisions/{n}/restore   go back to a revision (admin)

Each operation is documented here once, for every collection: its summary,
the statuses it can answer, its request and response models (generated from
the declaration's schemas), and the refusals a schema-valid body may still get.
"""

from collections.abc import Callable
from typing import Any

from flask import Response
from flask_restx import Namespace, Resource

from api.caching.response_cache import cached_read
from api.collection import operations
from api.collection.declaration import Collection
from api.collection.structured_data import JSON_LD_MEDIA_TYPE, json_ld_response
from api.spec import body, documented_write, problems, query, refuses_valid_input, schema_model, upload_body
from api.web.errors import PROBLEM_MEDIA_TYPE
from models.richtext import MAX_HEADINGS, MAX_HTML_DEPTH, MAX_HTML_LENGTH
from schemas.common import PageQuery
from schemas.content import RevisionListEnvelope

KEY = {"security": "bearer"}
_CHANGE_STATUSES = (400, 401, 403, 404, 409, 412, 413, 415, 422)
# What a schema-valid body may still be refused for: what the database holds, which no schema can say.
_WRITE_REFUSALS = {
    409: "The slug is taken by another item (deleted items keep theirs).",
    422: (
        "The body names a related item (by its slug) that does not exist, or no longer does. Or: an article's "
        f"Markdown would render to more than {MAX_HEADINGS:,} headings or {MAX_HTML_LENGTH:,} characters of HTML, "
        f"or nest HTML deeper than {MAX_HTML_DEPTH}."
    ),
}


# What a well-formed upload may still be refused for: what its bytes are, which no schema can say.
_UPLOAD_REFUSALS = {
    409: "The slug is taken by another image (deleted ones keep theirs).",
    413: "The upload is larger than MEDIA_MAX_BYTES.",
    415: "The file is not an image of an accepted format (read from its bytes, whatever its name), or is SVG.",
    422: "The image is truncated, corrupt or animated, or has more pixels than MEDIA_MAX_PIXELS.",
}


_RENAMED_READ = "Renamed: the item answers at its new slug, which Location names (old links keep working)."
_RENAMED_WRITE = "Renamed: send the same request to Location, the item's new URL (308 keeps the method and body)."


def _operation(function: Callable[..., Any], summary: str) -> Callable[..., Any]:
    function.__doc__ = summary  # Flask-RESTX takes an operation's summary from its docstring
    return function


def collection_namespace(collection: Collection[Any]) -> Namespace:
    """The collection's namespace, with every route of the collection on it."""
    ns = Namespace(collection.name, description=collection.docs.namespace)
    _add_list_routes(ns, collection)
    _add_item_routes(ns, collection)
    _add_lifecycle_routes(ns, collection)
    return ns


def _route(
    ns: Namespace,
    collection: Collection[Any],
    role: str,
    path: str,
    class_name: str,
    methods: dict[str, Callable[..., Any]],
    params: dict[str, tuple[str, Any]] | None = None,
) -> None:
    """Make a Resource class of these methods, document its path parameters (a description and an
    example each), and route it."""
    resource: type = type(class_name, (Resource,), methods)
    for name, (description, example) in (params or {}).items():
        resource = ns.param(name, description, example=example)(resource)
    collection.resources[role] = ns.route(path)(resource)


def _add_list_routes(ns: Namespace, collection: Collection[Any]) -> None:
    docs, label, noun = collection.docs, collection.label, collection.item_type

    @query(ns, collection.list_query)
    @ns.response(200, docs.list_response, schema_model(collection.list_envelope))
    @problems(ns, 400, 401)
    @refuses_valid_input(
        ns, {400: "sort=relevance without q (relevance ranks a search, so it needs one), or q holds a NUL character."}
    )
    @cached_read
    def get(self: Resource) -> Any:
        return operations.list_items(collection)

    if collection.upload_schema is not None:
        new_body = upload_body(ns, collection.upload_schema, f"The new {noun} as multipart/form-data parts.")
    else:
        new_body = ns.expect(
            body(collection.input_schema, "The new item as JSON. Unknown and server-owned fields are refused.")
        )

    @ns.doc(**KEY)
    @new_body
    @ns.response(
        201,
        "Created; Location names it. meta.warnings says what was taken out of the body (removed markup).",
        schema_model(collection.write_envelope),
    )
    @problems(ns, 400, 401, 403, 409, 413, 415, 422)
    @refuses_valid_input(ns, _UPLOAD_REFUSALS if collection.upload_schema is not None else _WRITE_REFUSALS)
    def post(self: Resource) -> Any:
        return operations.create_item(collection)

    methods = {
        "get": _operation(get, docs.list_summary),
        "post": _operation(post, f"Create {collection.a_noun} (editor)."),
    }
    _route(ns, collection, "list", "", f"{label}List", methods)


def _add_item_routes(ns: Namespace, collection: Collection[Any]) -> None:
    docs, label, noun = collection.docs, collection.label, collection.item_type
    item_out = schema_model(collection.write_envelope)

    @ns.response(200, docs.read_response, schema_model(collection.public_envelope))
    @ns.response(301, _RENAMED_READ)
    @problems(ns, 400, 401, 404)
    @cached_read
    def get(self: Resource, slug: str) -> Any:
        return operations.read_item(collection, slug)

    whole, only = "The whole item as JSON; fields left out take their defaults.", "Only the fields to change, as JSON."

    @documented_write(
        ns,
        collection.input_schema,
        whole,
        "Replaced.",
        item_out,
        _CHANGE_STATUSES,
        _WRITE_REFUSALS,
        docs.put_example or None,
    )
    @ns.response(308, _RENAMED_WRITE)
    def put(self: Resource, slug: str) -> Any:
        return operations.change_item(collection, slug, partial=False)

    @documented_write(
        ns,
        collection.patch_schema,
        only,
        "Updated.",
        item_out,
        _CHANGE_STATUSES,
        _WRITE_REFUSALS,
        docs.patch_example or None,
    )
    @ns.response(308, _RENAMED_WRITE)
    def patch(self: Resource, slug: str) -> Any:
        return operations.change_item(collection, slug, partial=True)

    @ns.doc(**KEY)
    @ns.response(204, "Deleted (softly: an admin can restore it).")
    @ns.response(308, _RENAMED_WRITE)
    @problems(ns, 401, 403, 404, 412)
    def delete(self: Resource, slug: str) -> Any:
        return operations.delete_item(collection, slug)

    slug_param = {"slug": (f"The {noun}'s slug, for example {docs.slug_example}", docs.slug_example)}
    item_methods = {
        "get": _operation(
            get,
            f"{docs.read_summary}\nAlways whole, so that typed clients can rely on every field: for some fields of "
            f"one {noun}, ask the list with `slug=` and `fields=`.",
        ),
        "put": _operation(put, f"Replace {collection.a_noun} (editor); fields left out take their defaults."),
        "patch": _operation(patch, f"Change some of {collection.a_noun}'s fields (editor)."),
        "delete": _operation(delete, f"Delete {collection.a_noun} (editor); an admin can restore it or purge it."),
    }
    _route(ns, collection, "item", "/<string:slug>", f"{label}Item", item_methods, slug_param)
    if collection.structured_data is not None:
        _add_structured_data_route(ns, collection, slug_param)


def _add_structured_data_route(
    ns: Namespace, collection: Collection[Any], slug_param: dict[str, tuple[str, Any]]
) -> None:
    docs = collection.docs

    @ns.produces([JSON_LD_MEDIA_TYPE, PROBLEM_MEDIA_TYPE])
    @ns.response(200, docs.structured_data_response)
    @ns.response(301, _RENAMED_READ)
    @problems(ns, 404)
    @cached_read
    def get(self: Resource, slug: str) -> Response:
        return json_ld_response(operations.structured_data(collection, slug))

    methods = {"get": _operation(get, docs.structured_data_summary)}
    path = "/<string:slug>/structured-data"
    _route(ns, collection, "structured_data", path, f"{collection.label}StructuredData", methods, slug_param)


def _add_lifecycle_routes(ns: Namespace, collection: Collection[Any]) -> None:
    """Restore, purge, the revision list and revision restore: the routes under /<slug>/ for an item's
    history (restore and the list are an editor's too; purge and revision restore an admin's)."""
    noun, label, a_noun = collection.item_type, collection.label, collection.a_noun
    item_out = schema_model(collection.write_envelope)

    @ns.doc(**KEY)
    @ns.response(200, "Restored.", item_out)
    @ns.response(308, _RENAMED_WRITE)
    @problems(ns, 401, 403, 404, 409, 412)
    @refuses_valid_input(ns, {409: "The item is not deleted."})
    def restore(self: Resource, slug: str) -> Any:
        return operations.restore_item(collection, slug)

    @ns.doc(**KEY)
    @ns.response(204, "Gone for good, with its revisions.")
    @ns.response(308, _RENAMED_WRITE)
    @problems(ns, 401, 403, 404, 409, 412)
    @refuses_valid_input(ns, {409: "The item is not deleted (delete it first), or other content still uses it."})
    def purge(self: Resource, slug: str) -> Any:
        return operations.purge_item(collection, slug)

    @ns.doc(**KEY)
    @query(ns, PageQuery)
    @ns.response(200, f"The {noun}'s revisions, newest first.", schema_model(RevisionListEnvelope))
    @ns.response(301, _RENAMED_READ)
    @problems(ns, 400, 401, 403, 404)
    def revisions(self: Resource, slug: str) -> Any:
        return operations.list_revisions(collection, slug)

    @ns.doc(**KEY)
    @ns.response(200, f"The {noun} is as it was in that revision again.", item_out)
    @ns.response(308, _RENAMED_WRITE)
    @problems(ns, 401, 403, 404, 409, 412, 422)
    @refuses_valid_input(
        ns,
        {
            409: "The revision's slug is taken by another item now.",
            422: "The revision names a related item that has been purged since.",
        },
    )
    def restore_revision(self: Resource, slug: str, number: int) -> Any:
        return operations.restore_revision(collection, slug, number)

    slug = {"slug": (f"The {noun}'s slug", collection.docs.slug_example)}
    restore_summary = f"Restore a deleted {noun} (admin, or the editor whose key deleted it)."
    purge_summary = f"Purge a deleted {noun} for good, with its revisions (admin)."
    revisions_summary = f"List {a_noun}'s revisions, newest first (editor)."
    revision_restore_summary = f"Restore {a_noun} to one of its revisions, as a new change (admin)."
    _route(
        ns,
        collection,
        "restore",
        "/<string:slug>/restore",
        f"{label}Restore",
        {"post": _operation(restore, restore_summary)},
        slug,
    )
    _route(
        ns,
        collection,
        "purge",
        "/<string:slug>/purge",
        f"{label}Purge",
        {"post": _operation(purge, purge_summary)},
        slug,
    )
    _route(
        ns,
        collection,
        "revisions",
        "/<string:slug>/revisions",
        f"{label}Revisions",
        {"get": _operation(revisions, revisions_summary)},
        slug,
    )
    _route(
        ns,
        collection,
        "revision_restore",
        "/<string:slug>/revisions/<int:number>/restore",
        f"{label}RevisionRestore",
        {"post": _operation(restore_revision, revision_restore_summary)},
        {**slug, "number": ("The revision's number", 1)},
    )
