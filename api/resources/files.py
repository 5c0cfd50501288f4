"""The media library's files: `GET /files/{key}`, the bytes of an original or a variant, for anyone.

A key is the SHA-256 of the file's bytes and its extension, so the bytes at a
URL never change: answers are cacheable for a year (`immutable`), their ETag
is the hash itself, and HEAD and Range requests work (Werkzeug's conditional
responses). A file is served while its image is in the library; once the image
is deleted, its files are 404 (copies in caches and CDNs live on until they
expire or are purged by its `media:<slug>` key).
"""

import re
from typing import Any

from flask import Response, request
from flask_restx import Namespace, Resource

from api.media import FILE_ENDPOINT, library
from api.spec import problems
from api.web.errors import ProblemError
from models.images import ACCEPTED
from models.media import served_file

ns = Namespace("files", description="The media library's files: originals and variants, at URLs that never change")

_KEY = re.compile(r"[0-9a-f]{64}\.(?:jpg|png|webp|avif)")
_EXAMPLE_KEY = "3f9c0a7d1e2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5.webp"
IMMUTABLE = "public, max-age=31536000, immutable"
_MEDIA_TYPES = [media_type for media_type, _ext, _name in ACCEPTED.values()]


@ns.route("/<string:key>", endpoint=FILE_ENDPOINT)
@ns.param("key", "The file's name: the SHA-256 of its bytes and its extension, as an image's URLs give it.",
          example=_EXAMPLE_KEY)  # fmt: skip
class MediaFileContent(Resource):
    rate_limited = "files"  # a budget of their own (see api.web.limits): a page shows many images

    @ns.produces([*_MEDIA_TYPES, "application/problem+json"])
    @ns.response(200, "The file's bytes (a Range request gets 206 with the part asked for).")
    @ns.response(206, "The part of the file a Range header asked for.")
    @problems(ns, 404)
    def get(self, key: str) -> Any:
        """Fetch one file of an image (no key needed): its bytes, cacheable for good."""
        found = served_file(key) if _KEY.fullmatch(key) else None
        if found is None:
            raise ProblemError(404, "No image in the library has this file.")
        file, media = found
        data = library().store.get(file.key)
        if data is None:
            raise ProblemError(404, "The file's bytes are missing from the store.")
        response = Response(data, mimetype=file.media_type)
        response.headers["Cache-Control"] = IMMUTABLE
        response.headers["Content-Disposition"] = (
            f'inline; filename="{media.slug}-{file.width}w.{key.rsplit(".", 1)[1]}"'
        )
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"  # other sites' pages show it
        response.headers["Surrogate-Key"] = f"media:{media.slug}"
        response.headers["Cache-Tag"] = f"media:{media.slug}"
        response.set_etag(key.split(".", 1)[0])
        return response.make_conditional(request, accept_ranges=True, complete_length=len(data))
