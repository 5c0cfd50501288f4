"""The benchmark's ceiling: a bare Flask app (no extensions, no hooks, no access log) answering
precomputed bytes of a requested size, with an ETag and its 304. Every case is reported as a ratio
to what this app does in the same run on the same gunicorn, so the figures say what the product
costs over Flask itself, whatever the machine. `bench/wsgi.py` has the product's own ceiling."""

import hashlib
from functools import lru_cache

from flask import Flask, Response, request

app = Flask(__name__)


@lru_cache(maxsize=64)
def precomputed(size: int) -> tuple[bytes, str]:
    """A JSON document of exactly `size` bytes (at least 12) and its ETag, made once per size."""
    body = b'{"data":"' + b"x" * max(size - 11, 1) + b'"}'
    return body, '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


@app.get("/ceiling/<int:size>")
def ceiling(size: int) -> Response:
    body, etag = precomputed(size)
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers={"ETag": etag})
    return Response(body, mimetype="application/json", headers={"ETag": etag})
