"""A page's meta, links and Link header, from its number, size and the list's total: the same for Flask
(`api.web.responses.page_links`) and for a page answered before it (`api.web.stored_answers`)."""

import math
from collections.abc import Callable
from typing import Any


def page_meta_and_links(
    page: int, per_page: int, total: int, page_url: Callable[[int], str]
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(`meta`, `links` (self, first, prev, next, last), the Link header) of a page; `page_url(n)` is page n's URL."""
    pages = math.ceil(total / per_page)
    last = max(pages, 1)
    links = {
        "self": page_url(page),
        "first": page_url(1),
        "prev": page_url(min(page - 1, last)) if page > 1 else None,
        "next": page_url(page + 1) if page < pages else None,
        "last": page_url(last),
    }
    meta = {"page": page, "per_page": per_page, "total": total, "pages": pages}
    link_header = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)
    return meta, links, link_header
