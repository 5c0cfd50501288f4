"""The change feed: `GET /api/v1/changes?since=<cursor>` lists what changed since a cursor, oldest first,
for builds that fetch only what changed (as Contentful's Sync API does).

Each entry is one change as the caller could see it: the public sees an item
appear (`created`, a draft published or a scheduled one gone live), change,
and go (`unpublished`, `deleted`: tombstones), and nothing of drafts; a key
holder sees every change. `meta.next_cursor` is where to go on from next time.
The cursor is the event's number, so entries come in the order they committed
and none is skipped (see models.events).
"""

from flask_restx import Namespace, Resource
from sqlalchemy import func, select

from api.jobs.payloads import item_urls
from api.spec import problems, query, schema_model
from api.web.auth import current_key
from api.web.requests import load_query
from api.web.responses import ViewAnswer
from api.web.routing import url_of
from models import Event, db
from models.events import announce_due_publications
from schemas.common import MAX_PAGE
from schemas.webhooks import ChangeOut, ChangesEnvelope, ChangesQuery

ns = Namespace("changes", description="What changed since a cursor, for incremental builds")


def _entry(event: Event, public: bool) -> dict[str, object]:
    api_url, url = item_urls(event.item_type, event.slug)
    return {
        "cursor": str(event.sequence),
        "change": event.public_change if public else event.change,
        "item_type": "hours" if event.item_type == "hours exception" else event.item_type,
        "slug": event.slug,
        "previous_slug": event.data.get("previous_slug"),
        "changed_at": event.occurred_at,
        "api_url": api_url,
        "url": url,
        "purge_keys": event.data.get("purge_keys", []),
    }


@ns.route("")
class Changes(Resource):
    @query(ns, ChangesQuery)
    @ns.response(200, "The changes after the cursor, oldest first, and the cursor to ask with next.", schema_model(ChangesEnvelope))  # fmt: skip
    @problems(ns, 400, 401)
    def get(self) -> ViewAnswer:
        """List what changed after a cursor, oldest first: created, updated, unpublished, deleted (tombstones).
        Keep meta.next_cursor and ask with since= next time."""
        args = load_query(ChangesQuery)
        public = current_key() is None
        # A scheduled item whose time has come is a change, whether or not a worker announced it yet.
        announce_due_publications(db.session())
        since = min(int(args.get("since", "0")), MAX_PAGE)  # past any event there will be
        changes = select(Event).where(Event.in_feed.is_(True), Event.sequence > since)
        if public:
            changes = changes.where(Event.public_change.is_not(None))
        page = list(db.session.scalars(changes.order_by(Event.sequence).limit(args["per_page"] + 1)))
        has_more = len(page) > args["per_page"]
        page = page[: args["per_page"]]
        if has_more:
            next_cursor = str(page[-1].sequence)
        else:
            # Past everything there is (a draft's edits the public does not see too): the next ask starts there.
            latest = db.session.scalar(select(func.max(Event.sequence))) or 0
            next_cursor = str(max(latest, since))
        body = {
            "data": ChangeOut(many=True).dump([_entry(event, public) for event in page]),
            "meta": {"next_cursor": next_cursor, "has_more": has_more},
            "links": {"next": url_of(Changes, since=next_cursor, per_page=args["per_page"])},
        }
        # Asked again for what is new: a shared cache may keep the public feed, but must revalidate it (ETag).
        return body, 200, {"Cache-Control": "public, no-cache"} if public else {}
