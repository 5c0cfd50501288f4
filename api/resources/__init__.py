"""The resources: the Flask-RESTX Api on its blueprint, with every resource module's namespace.

Each module of this package is one resource (or a family of endpoints: the
index and health checks, the feeds) and defines its Namespace as `ns`; they are
all added here, found rather than listed, so a new resource is one new module.
The `Api` sits on a module-level blueprint, so `create_app` can register it
once per app (one per test). It is named `rest_api` so that `from api import api`
never appears.
"""

import importlib
import pkgutil
from typing import Any

from flask import Blueprint, Response
from flask_restx import Api, Namespace

from api.docs import register_docs
from api.web.errors import problem_response
from api.web.routing import API_PREFIX, BLUEPRINT_NAME


class ContentApi(Api):
    """Flask-RESTX's Api, answering every error as a problem and serving the index at its root."""

    def handle_error(self, e: Exception) -> Response:
        # Flask-RESTX's own handler answers {"message": ...}, adds route hints to 404s
        # and re-raises in testing; every error here is a problem document instead.
        return problem_response(e)

    def _register_doc(self, app_or_blueprint: Any) -> None:
        # Flask-RESTX claims the API's root for a 404 of its own; the index resource serves it instead,
        # and `api.docs` serves the documentation.
        pass

    def _register_specs(self, app_or_blueprint: Any) -> None:
        # Flask-RESTX's Swagger 2.0 document is not served: `api.docs` serves the OpenAPI 3.1 one.
        pass

    def _register_apidoc(self, app: Any) -> None:
        # Flask-RESTX's own Swagger UI (3.x, at /swaggerui) is not served: `api.docs` serves Swagger UI 5.
        pass


def resource_namespaces() -> list[Namespace]:
    """The namespace (`ns`) of every module in this package, by module name."""
    namespaces = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda found: found.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        if isinstance(getattr(module, "ns", None), Namespace):
            namespaces.append(module.ns)
    return namespaces


blueprint = Blueprint(BLUEPRINT_NAME, __name__, url_prefix=API_PREFIX)
rest_api = ContentApi(
    blueprint,
    version="1.0",
    title="Corey Proffitt Studios Massage content API",
    description=(
        "The studio's articles, muscle-group topics, contact details and opening hours as JSON, "
        "for any website or app. Reads are public and cacheable; every error is an RFC 9457 "
        "problem (application/problem+json)."
    ),
    doc=False,
)
for namespace in resource_namespaces():
    rest_api.add_namespace(namespace)
register_docs(blueprint, rest_api)
