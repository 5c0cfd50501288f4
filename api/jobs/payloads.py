"""What a webhook's body says about an event, and where the change feed's entries point: the same URLs.

The body is Standard Webhooks' shape, `{"type", "timestamp", "data"}`; `data`
names the item (its type, slug, API URL and the website's URL for it), its
state before and after the change, the fields it changed and the CDN keys to
purge. It is made from the event alone, so every attempt of a delivery sends
the same bytes.
"""

import json
from typing import Any

from api.collection.declaration import declared_collections, site_home
from api.web.routing import INDEX_ENDPOINT, endpoint_url
from models.events import Event

# Where the studio's own resources are, under the API's root.
_SITE_PATHS = {"studio": "studio", "hours": "studio/hours", "hours exception": "studio/hours/exceptions"}


def item_urls(item_type: str, slug: str | None) -> tuple[str, str]:
    """(API URL, website URL) of an item; for the studio and its hours, their resources and the home page."""
    if item_type in _SITE_PATHS:
        return endpoint_url(INDEX_ENDPOINT) + _SITE_PATHS[item_type], site_home()
    collection = next(found for found in declared_collections() if found.item_type == item_type)
    assert slug is not None, "a collection's item has a slug"
    return collection.item_url(slug), collection.public_page(slug)


def _moment(event: Event) -> str:
    return event.occurred_at.isoformat(timespec="seconds").replace("+00:00", "Z")


def payload(event: Event) -> dict[str, Any]:
    api_url, url = item_urls(event.item_type, event.slug)
    item_type = "hours" if event.item_type == "hours exception" else event.item_type
    return {
        "type": event.type,
        "timestamp": _moment(event),
        "data": {
            "event_id": event.event_id,
            "item_type": item_type,
            "slug": event.slug,
            "api_url": api_url,
            "url": url,
            **event.data,
        },
    }


def payload_body(event: Event) -> bytes:
    return json.dumps(payload(event), ensure_ascii=False, separators=(",", ":")).encode()
