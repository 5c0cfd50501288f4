"""The API's index and its health checks."""

from flask import url_for
from flask_restx import Namespace, Resource
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.errors import ProblemError
from api.spec import model
from models import db

ns = Namespace("meta", description="The API's index and health checks", path="/")


# Named "root": Flask-RESTX builds the spec's basePath from the endpoint of that name.
@ns.route("/", endpoint="root")
class ApiIndex(Resource):
    @ns.response(200, "The API's name, version and where everything is.", model("IndexItem"))
    def get(self):
        """Show the API's name, version and links to its docs, spec and resources."""
        return {
            "data": {
                "name": "Corey Proffitt Studios Massage content API",
                "version": "1.0",
                "links": {
                    "docs": url_for("api_v1.doc", _external=True),
                    "spec": url_for("api_v1.specs", _external=True),
                    "articles": url_for("api_v1.articles_article_list", _external=True),
                    "topics": url_for("api_v1.topics_topic_list", _external=True),
                    "studio": url_for("api_v1.studio_studio_item", _external=True),
                    "hours": url_for("api_v1.studio_opening_hours", _external=True),
                    "health": url_for("api_v1.meta_liveness", _external=True),
                },
            }
        }


@ns.route("/health")
class Liveness(Resource):
    @ns.response(200, "The process is up.", model("HealthItem"))
    def get(self):
        """Check that the API process is up (it does not touch the database)."""
        return {"data": {"status": "ok"}}, 200, {"Cache-Control": "no-store"}


@ns.route("/health/ready")
class Readiness(Resource):
    @ns.response(200, "The database answers.", model("HealthItem"))
    @ns.response(503, "The database does not answer.", model("Problem"))
    def get(self):
        """Check that the API can reach its database."""
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            raise ProblemError(503, "The database is not reachable.") from None
        return {"data": {"status": "ok", "database": "ok"}}, 200, {"Cache-Control": "no-store"}
