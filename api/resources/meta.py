"""The API's index and its health checks."""

from typing import Any

from flask import current_app
from flask_restx import Namespace, Resource
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.caching.content_version import content_headers
from api.collection.declaration import declared_collections
from api.resources.feeds import ArticleFeed, Sitemap
from api.resources.studio import OpeningHours, StudioItem, StudioStructuredData
from api.spec import schema_model
from api.web.errors import ProblemError
from api.web.limits import shared_counters_state
from api.web.routing import DOCS_ENDPOINT, INDEX_ENDPOINT, SPEC_ENDPOINT, endpoint_url, url_of
from models import db
from schemas.common import Problem
from schemas.meta import HealthEnvelope, IndexEnvelope

ns = Namespace("meta", description="The API's index and health checks", path="/")


# Flask-RESTX builds the spec's basePath from the endpoint named INDEX_ENDPOINT.
@ns.route("/", endpoint=INDEX_ENDPOINT)
class ApiIndex(Resource):
    @ns.response(200, "The API's name, version and where everything is.", schema_model(IndexEnvelope))
    def get(self) -> Any:
        """Show the API's name, version and links to its docs, spec and resources."""
        links = {"docs": endpoint_url(DOCS_ENDPOINT), "spec": endpoint_url(SPEC_ENDPOINT)}
        links |= {collection.name: collection.list_url() for collection in declared_collections()}
        links |= {
            "studio": url_of(StudioItem),
            "hours": url_of(OpeningHours),
            "structured_data": url_of(StudioStructuredData),
            "feed": url_of(ArticleFeed),
            "sitemap": url_of(Sitemap),
            "health": url_of(Liveness),
        }
        index = {"name": "Corey Proffitt Studios Massage content API", "version": "1.0", "links": links}
        return {"data": index}, 200, content_headers()


@ns.route("/health")
class Liveness(Resource):
    rate_limited = False  # a load balancer must always be able to ask

    @ns.response(200, "The process is up.", schema_model(HealthEnvelope))
    def get(self) -> Any:
        """Check that the API process is up (it does not touch the database)."""
        return {"data": {"status": "ok"}}, 200, {"Cache-Control": "no-store"}


@ns.route("/health/ready")
class Readiness(Resource):
    rate_limited = False

    @ns.response(200, "The database answers (and how Redis does, when there is one).", schema_model(HealthEnvelope))
    @ns.response(503, "The database does not answer.", schema_model(Problem))
    def get(self) -> Any:
        """Check that the API can reach its database, and say whether its Redis answers.
        Without the database nothing can be served: 503. Without Redis the API serves on (each process
        counts rate limits in its own memory until Redis answers again): 200, status degraded."""
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            raise ProblemError(503, "The database is not reachable.") from None
        report = {"status": "ok", "database": "ok"}
        redis = shared_counters_state(current_app)
        if redis is not None:
            report["redis"] = redis
            if redis != "ok":
                report["status"] = "degraded"
        return {"data": report}, 200, {"Cache-Control": "no-store"}
