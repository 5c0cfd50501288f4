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
from models.media import Placement
from schemas.media import image_src

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


# Characters that could end the <script> a page pastes JSON-LD into, open a comment or an entity in it, or
# end a line in older JavaScript parsers, written as JSON escapes (as Django's json_script does). They can
# only occur inside JSON strings, where the escape means the same character, so the document is unchanged.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def script_safe_json(document: Any) -> str:
    """JSON that is safe to paste between <script> tags, whatever the content's text says."""
    return json.dumps(document, ensure_ascii=False).translate(_SCRIPT_SAFE)


def json_ld_response(document: dict[str, Any]) -> Response:
    body = script_safe_json(_without_nulls({"@context": CONTEXT, **document}))
    return Response(body, mimetype=JSON_LD_MEDIA_TYPE, headers=content_headers())


def studio_reference(studio: Any) -> dict[str, Any]:
    """The studio named from another document (an article's author and publisher), with its logo."""
    return {"@type": STUDIO_TYPE, "name": studio.name, "url": site_home(), "logo": image_object(studio.visible_logo)}


def image_object(image: Placement | None) -> dict[str, Any] | None:
    """A placed library image as a schema.org ImageObject (None for no image)."""
    if image is None:
        return None
    return {
        "@type": "ImageObject",
        "url": image_src(image),
        "contentUrl": image_src(image),
        "width": image.width,
        "height": image.height,
        "caption": image.caption,
        "description": None if image.decorative else image.alt,
    }
