"""The app as the benchmark serves it, plus its own ceiling: a Flask-RESTX endpoint answering
precomputed bytes of a requested size through the product's app (its request hooks, headers and
access log), so that every case can also be reported as a ratio to what the product's stack does
before any case's work (the bare Flask ceiling is bench/ceiling.py).

Only the benchmark serves this module; the product's `wsgi.py` has no ceiling.
"""

from flask import Blueprint, Response
from flask_restx import Api, Resource

from api import create_app
from bench.ceiling import precomputed

# Under /api/, so that the same app-level hooks apply to it as to /api/v1 (CORS among them).
ceiling_blueprint = Blueprint("bench_ceiling", __name__, url_prefix="/api/bench")
ceiling_api = Api(ceiling_blueprint, doc=False)


@ceiling_api.route("/ceiling/<int:size>")
class Ceiling(Resource):
    def get(self, size: int):
        body, etag = precomputed(size)
        return Response(body, mimetype="application/json", headers={"ETag": etag})


app = create_app()
app.register_blueprint(ceiling_blueprint)
