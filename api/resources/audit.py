"""The audit log: `GET /api/v1/audit` lists every change to the site, newest first (admin)."""

from flask_restx import Namespace, Resource
from sqlalchemy import select

from api.spec import problems, query, schema_model
from api.web.auth import require_role
from api.web.requests import load_query
from api.web.responses import ViewAnswer, paginate
from models import AuditEntry
from schemas.audit import AuditEntryOut, AuditListEnvelope, AuditQuery

ns = Namespace("audit", description="Every change to the site: who, when, what, from which request")


@ns.route("")
class AuditLog(Resource):
    @ns.doc(security="bearer")
    @query(ns, AuditQuery)
    @ns.response(200, "A page of changes, newest first.", schema_model(AuditListEnvelope))
    @problems(ns, 400, 401, 403)
    def get(self) -> ViewAnswer:
        """List every change to content, the studio, its hours and the keys, newest first (admin)."""
        require_role("admin")
        args = load_query(AuditQuery)
        entries = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.entry_id.desc())
        for column, name in (
            (AuditEntry.item_type, "item_type"),
            (AuditEntry.item, "item"),
            (AuditEntry.key_name, "key"),
        ):
            if name in args:
                entries = entries.where(column == args[name])
        page, meta, links, headers = paginate(entries, args["page"], args["per_page"])
        body = {"data": AuditEntryOut(many=True).dump(page), "meta": meta, "links": links}
        return body, 200, {**headers, "Cache-Control": "private, no-store"}
