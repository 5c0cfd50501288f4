"""The admin's routes every editable resource has alike: restore, purge, revisions.

`add_lifecycle_routes(ns, kind, ...)` adds them to a resource's namespace, so
articles and topics offer the same operations, documented the same way.
"""

from flask_restx import Namespace, Resource
from marshmallow import Schema

from api import items
from api.spec import model, problems, query_params
from schemas.common import PageQuery


def _operation(function, summary: str):
    function.__doc__ = summary  # Flask-RESTX takes an operation's summary from its docstring
    return function


def add_lifecycle_routes(ns: Namespace, kind: items.ItemKind, input_schema: type[Schema], item_model: str) -> None:
    """Add restore, purge, the revision list and revision restore under /<slug>/ of `ns`."""
    noun, label = kind.item_type, kind.item_type.capitalize()
    a_noun = ("an " if noun[0] in "aeiou" else "a ") + noun

    def restore(self, slug: str):
        return items.restore_item(kind, slug)

    def purge(self, slug: str):
        return items.purge_item(kind, slug)

    def revisions(self, slug: str):
        return items.list_revisions(kind, slug, PageQuery)

    def restore_revision(self, slug: str, number: int):
        return items.restore_revision(kind, slug, number, input_schema())

    restore = ns.doc(security="bearer")(ns.response(200, "Restored.", model(item_model))(
        problems(ns, 401, 403, 404, 409, 412)(_operation(restore, f"Restore a deleted {noun} (admin)."))))
    purge = ns.doc(security="bearer")(ns.response(204, "Gone for good, with its revisions.")(
        problems(ns, 401, 403, 404, 409, 412)(_operation(purge, f"Purge a deleted {noun} for good, with its revisions (admin)."))))
    revisions = ns.doc(security="bearer", params=query_params(PageQuery))(
        ns.response(200, f"The {noun}'s revisions, newest first.", model("RevisionList"))(
            problems(ns, 400, 401, 403, 404)(_operation(revisions, f"List {a_noun}'s revisions, newest first (admin)."))))
    restore_revision = ns.doc(security="bearer")(
        ns.response(200, f"The {noun} is as it was in that revision again.", model(item_model))(
            problems(ns, 401, 403, 404, 409, 412, 422)(
                _operation(restore_revision, f"Restore {a_noun} to one of its revisions, as a new change (admin)."))))

    slug_doc = f"The {noun}'s slug"
    routes = [
        ("/<string:slug>/restore", f"{label}Restore", {"post": restore}),
        ("/<string:slug>/purge", f"{label}Purge", {"post": purge}),
        ("/<string:slug>/revisions", f"{label}Revisions", {"get": revisions}),
        ("/<string:slug>/revisions/<int:number>/restore", f"{label}RevisionRestore", {"post": restore_revision}),
    ]
    for path, class_name, methods in routes:
        resource = ns.param("slug", slug_doc)(type(class_name, (Resource,), methods))
        if "<int:number>" in path:
            resource = ns.param("number", "The revision's number")(resource)
        ns.route(path)(resource)
