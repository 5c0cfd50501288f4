"""Who a key holder is: `GET /api/v1/whoami` tells a key its name, role and rate-limit budget."""

from typing import Any

from flask import current_app
from flask_restx import Namespace, Resource

from api.spec import problems, schema_model
from api.web.auth import require_role
from schemas.keys import WhoAmI as WhoAmISchema
from schemas.keys import WhoAmIEnvelope

ns = Namespace("keys", description="What a key holder may ask about its own key", path="/")


@ns.route("/whoami")
class WhoAmI(Resource):
    @ns.doc(security="bearer")
    @ns.response(
        200,
        "The key's name, role, dates and the budget this request was counted against.",
        schema_model(WhoAmIEnvelope),
    )
    @problems(ns, 401)
    def get(self) -> Any:
        """Show the calling key's name, role, last use and rate-limit budget (any key)."""
        key = require_role("viewer")
        limit = current_app.extensions["rate_limiter"].current_limit
        budget = (
            {"limit": limit.limit.amount, "remaining": limit.remaining, "reset": int(limit.reset_at)}
            if limit is not None
            else None
        )
        body = {
            "name": key.name,
            "role": key.role,
            "created_at": key.created_at,
            "last_used_at": key.last_used_at,
            "expires_at": key.expires_at,
            "previous_valid_until": key.previous_valid_until,
            "budget": budget,
        }
        return {"data": WhoAmISchema().dump(body)}, 200, {"Cache-Control": "private, no-store"}
