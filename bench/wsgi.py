"""The app as the benchmark serves it, plus its ceiling: a bare Flask-RESTX endpoint answering
precomputed bytes of a requested size, through the same app (its request hooks, headers and
access log), so that every case can be reported as a ratio to what the stack itself can do.

Only the benchmark serves this module; the product's `wsgi.py` has no ceiling.
"""

import hashlib
from functools import lru_cache

from flask import Blueprint, Response
from flask_restx import Api, Resource

from api import create_app

# Under /api/, so that the same app-level hooks apply to it as to /api/v1 (CORS among them).
ceiling_blueprint = Blueprint("bench_ceiling", __name__, url_prefix="/api/bench")
ceiling_api = Api(ceiling_blueprint, doc=False)


@lru_cache(maxsize=64)
def precomputed(size: int) -> tuple[bytes, str]:
    """A JSON document of exactly `size` bytes (at least 12) and its ETag, made once per size."""
    body = b'{"data":"' + b"x" * max(size - 11, 1) + b'"}'
    return body, '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


@ceiling_api.route("/ceiling/<int:size>")
class Ceiling(Resource):
    def get(self, size: int):
        body, etag = precomputed(size)
        return Response(body, mimetype="application/json", headers={"ETag": etag})


app = create_app()
app.register_blueprint(ceiling_blueprint)
