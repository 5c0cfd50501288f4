"""The editorial workflow articles, topics and series share, applied to their input once.

`status: scheduled` is published at a future time, which the body must give.
An item keeps its first publication time through a PUT, and through being
unpublished and published again; one published without a time is published
now. A revision brings back the workflow state it had, and never publishes
what may not have been public.
"""

from collections.abc import Callable
from typing import Any

from api.collection.declaration import copy_fields
from api.web.errors import ProblemError
from models.editable import PublishableItem
from models.types import utcnow


def apply_publishing(
    item: PublishableItem,
    data: dict[str, Any],
    noun: str,
    copy: Callable[[Any, dict[str, Any]], None] = copy_fields,
) -> None:
    """Copy validated input onto a publishable item with `copy`, settling its status and publication time."""
    if data.get("status") == "scheduled":
        if data.get("published_at") is None or data["published_at"] <= utcnow():
            errors = {"published_at": ["Give the future time it goes live; scheduled needs one."]}
            raise ProblemError(422, f"A scheduled {noun} needs a future published_at.", errors=errors)
        data = {**data, "status": "published"}
    first_publication = item.published_at
    copy(item, data)
    if item.published_at is None:
        item.published_at = first_publication
    if item.status == "published" and item.published_at is None:
        item.published_at = utcnow()


def restored_status(snapshot: dict[str, Any]) -> str:
    """The workflow state a revision brings back: a draft's "deleted" revision comes back a draft.
    Revisions made before stored_status was kept say only what readers saw; a deleted one of those
    comes back a draft too, since a restore must never publish what may not have been public."""
    stored = snapshot.get("stored_status") or snapshot.get("status")
    return "published" if stored in ("published", "scheduled") else "draft"
