"""schema.org JSON-LD, ready to paste into a page's head: the response, and what documents share.

Each resource builds its own document (an article's BlogPosting, a topic's
Muscle, the studio's LocalBusiness). Only what is known is stated: no property
is given a value the content does not have (nulls and empty values are left
out). Every type and property used exists in schema.org's vocabulary (a test
checks them against it).
"""

from typing import Any

from flask import Response, json

from api.caching.content_version import content_headers
from api.collection.declaration import site_home

JSON_LD_MEDIA_TYPE = "application/ld+json"
CONTEXT = "https://schema.org"
# A massage studio: schema.org has no massage type; this LocalBusiness subtype is the one that fits.
STUDIO_TYPE = "HealthAndBeautyBusiness"


def _without_nulls(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_nulls(value) for key, value in node.items() if value not in (None, [], "")}
    if isinstance(node, list):
        return [_without_nulls(value) for value in node]
    return node


def json_ld_response(document: dict[str, Any]) -> Response:
    body = json.dumps(_without_nulls({"@context": CONTEXT, **document}), ensure_ascii=False)
    return Response(body, mimetype=JSON_LD_MEDIA_TYPE, headers=content_headers())


def studio_reference(studio: Any) -> dict[str, Any]:
    """The studio named from another document (an article's author and publisher)."""
    return {"@type": STUDIO_TYPE, "name": studio.name, "url": site_home()}
