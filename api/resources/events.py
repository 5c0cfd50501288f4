"""The event log (admin): `GET /api/v1/events` lists every event, newest first, with the body its webhook
deliveries send; an event's id is what `POST /webhooks/{id}/deliveries` sends again."""

from flask_restx import Namespace, Resource
from sqlalchemy import select

from api.jobs.payloads import payload
from api.spec import problems, query, schema_model
from api.web.auth import require_role
from api.web.requests import load_query
from api.web.responses import PRIVATE_CACHE_CONTROL, ViewAnswer, paginate
from models import Event
from schemas.webhooks import EventListEnvelope, EventOut, EventQuery

ns = Namespace("events", description="The events webhooks carry, newest first (admin)")


@ns.route("")
class EventList(Resource):
    @ns.doc(security="bearer")
    @query(ns, EventQuery)
    @ns.response(200, "A page of events, newest first, each with its body.", schema_model(EventListEnvelope))
    @problems(ns, 400, 401, 403)
    def get(self) -> ViewAnswer:
        """List the events, newest first, with the body their deliveries send (admin)."""
        require_role("admin")
        args = load_query(EventQuery)
        events = select(Event).order_by(Event.sequence.desc())
        if "type" in args:
            events = events.where(Event.type == args["type"])
        page, meta, links, headers = paginate(events, args["page"], args["per_page"])
        body = [{**EventOut().dump(event), "payload": payload(event)} for event in page]
        return {"data": body, "meta": meta, "links": links}, 200, {**headers, "Cache-Control": PRIVATE_CACHE_CONTROL}
