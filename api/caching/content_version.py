"""The content version a read answers from, and the Last-Modified header it gives.

The version itself (one row, bumped in the same transaction as every content
write) is `models.content_state`; this module reads it once per request.
"""

from flask import g, request
from werkzeug.http import http_date

from models.content_state import ContentVersion, content_version

# Where `api.web.replayed_reads` leaves the version it read before a read fell through to Flask.
VERSION_READ_BEFORE = "api.content_version"


def current_content_version() -> ContentVersion:
    """The content version a read answers from: read once per read, whatever asks for it (the cache,
    Last-Modified, a feed's updated time). A write reads it afresh, since it moves it."""
    if request.method not in ("GET", "HEAD"):
        return content_version()
    if "content_version" not in g:
        g.content_version = request.environ.get(VERSION_READ_BEFORE) or content_version()
    version: ContentVersion = g.content_version
    return version


def content_headers() -> dict[str, str]:
    """Last-Modified of anything served from content: the later of the last write and the last
    scheduled publication whose time has come (which changes what the public sees without a write)."""
    return {"Last-Modified": http_date(current_content_version().last_modified)}
