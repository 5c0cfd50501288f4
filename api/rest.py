"""The Flask-RESTX Api on its blueprint, with every namespace added.

The `Api` sits on a module-level blueprint, so `create_app` can register it
once per app (one per test). It is named `rest_api` so that `from api import api`
never appears.
"""

from flask import Blueprint
from flask_restx import Api

from api.articles import ns as articles_ns
from api.errors import problem_response
from api.feeds import ns as feeds_ns
from api.meta import ns as meta_ns
from api.spec import MODELS
from api.studio import ns as studio_ns
from api.topics import ns as topics_ns

API_PREFIX = "/api/v1"


class ContentApi(Api):
    """Flask-RESTX's Api, answering every error as a problem and serving the index at its root."""

    def handle_error(self, e):
        # Flask-RESTX's own handler answers {"message": ...}, adds route hints to 404s
        # and re-raises in testing; every error here is a problem document instead.
        return problem_response(e)

    def _register_doc(self, app_or_blueprint):
        # Flask-RESTX claims the API's root for a 404 of its own; the index resource serves it instead.
        if self._add_specs and self._doc:
            app_or_blueprint.add_url_rule(self._doc, "doc", self.render_doc)


blueprint = Blueprint("api_v1", __name__, url_prefix=API_PREFIX)
rest_api = ContentApi(
    blueprint,
    version="1.0",
    title="Corey Proffitt Studios Massage content API",
    description=(
        "The studio's articles, muscle-group topics, contact details and opening hours as JSON, "
        "for any website or app. Reads are public and cacheable; every error is an RFC 9457 "
        "problem (application/problem+json)."
    ),
    doc="/docs",
    authorizations={
        "bearer": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An API key from `flask --app wsgi api-keys create`. Type: Bearer <key>",
        }
    },
)
rest_api.models.update(MODELS)
for namespace in (meta_ns, articles_ns, topics_ns, studio_ns, feeds_ns):
    rest_api.add_namespace(namespace)
