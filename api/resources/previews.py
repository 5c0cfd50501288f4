"""Draft previews: an editor makes a link (`POST /api/v1/articles/{slug}/preview-links`) that lets anyone
holding it read that one article, draft or scheduled, as the public will see it once it is published
(`GET /api/v1/previews/{token}`), until it expires or is revoked. The website's page for it is
PUBLIC_ARTICLE_URL with `preview=<token>` added, which the demo frontend renders.
"""

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask_restx import Namespace, Resource
from sqlalchemy import select

from api.collection.declaration import Collection, declared_collections
from api.spec import REQUEST_EXAMPLE, body, problems, schema_model
from api.web.auth import key_name, require_role
from api.web.errors import ProblemError
from api.web.requests import load_body, load_query
from api.web.responses import PRIVATE_CACHE_CONTROL, ViewAnswer, etag_of, paginate
from api.web.routing import url_of
from models import PreviewLink, db
from models.audit import record_audit
from models.editable import primary_key
from models.previews import active_link, create_preview_link
from models.types import utcnow
from schemas.common import NoQuery, PageQuery
from schemas.previews import (
    PreviewLinkEnvelope,
    PreviewLinkIn,
    PreviewLinkListEnvelope,
    PreviewLinkMade,
    PreviewLinkOut,
)

ns = Namespace("previews", description="Links that show a draft to whoever holds them, for a while", path="/")

# What a preview answers with: nobody caches it, no search engine indexes it.
PREVIEW_HEADERS = {"Cache-Control": PRIVATE_CACHE_CONTROL, "X-Robots-Tag": "noindex, nofollow"}
_EXAMPLE_SLUG = "massage-for-quadratus-lumborum"


def _articles() -> Collection[Any]:
    return next(collection for collection in declared_collections() if collection.item_type == "article")


def _links_of(item: Any) -> Any:
    return select(PreviewLink).where(PreviewLink.item_type == "article", PreviewLink.item_id == primary_key(item))


def _with_preview(url: str, token: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'preview': token})}"


@ns.route("/articles/<string:slug>/preview-links")
@ns.param("slug", "The article's slug.", example=_EXAMPLE_SLUG)
class PreviewLinks(Resource):
    @ns.doc(security="bearer", **{REQUEST_EXAMPLE: {"expires_in_hours": 24}})
    @ns.expect(body(PreviewLinkIn, "How long the link works."))
    @ns.response(201, "Made: the token, its API URL and the website's URL, shown only now.", schema_model(PreviewLinkEnvelope))  # fmt: skip
    @problems(ns, 400, 401, 403, 404, 413, 415, 422)
    def post(self, slug: str) -> ViewAnswer:
        """Make a preview link for a draft or scheduled article: whoever holds it may read it (editor)."""
        require_role("editor")
        articles = _articles()
        article = articles.find(slug, include_hidden=True, include_deleted=False)
        lifetime = timedelta(hours=load_body(PreviewLinkIn())["expires_in_hours"])
        link, token = create_preview_link("article", primary_key(article), lifetime, key_name())
        db.session.flush()
        record_audit("made a preview link", "article", article.slug, key_name())
        db.session.commit()
        api_url = url_of(Preview, token=token)
        page = articles.public_page(article.slug)
        fields = ("link_id", "created_by", "created_at", "expires_at", "revoked_at")
        made = {**{name: getattr(link, name) for name in fields}, "token": token, "api_url": api_url}
        made["url"] = _with_preview(page, token) if page != articles.item_url(article.slug) else api_url
        headers = {"Location": url_of(PreviewLinkItem, slug=article.slug, link_id=link.link_id), **PREVIEW_HEADERS}
        return {"data": PreviewLinkMade().dump(made)}, 201, headers

    @ns.doc(security="bearer")
    @ns.response(200, "Its links that still work, newest first (never their tokens).", schema_model(PreviewLinkListEnvelope))  # fmt: skip
    @problems(ns, 400, 401, 403, 404)
    def get(self, slug: str) -> ViewAnswer:
        """List an article's preview links that still work (editor)."""
        require_role("editor")
        args = load_query(PageQuery)
        article = _articles().find(slug, include_hidden=True, include_deleted=False)
        links = _links_of(article).where(PreviewLink.revoked_at.is_(None), PreviewLink.expires_at > utcnow())
        page, meta, links_out, headers = paginate(
            links.order_by(PreviewLink.link_id.desc()), args["page"], args["per_page"]
        )
        body_out = {"data": PreviewLinkOut(many=True).dump(page), "meta": meta, "links": links_out}
        return body_out, 200, {**headers, "Cache-Control": PRIVATE_CACHE_CONTROL}


@ns.route("/articles/<string:slug>/preview-links/<int:link_id>")
@ns.param("slug", "The article's slug.", example=_EXAMPLE_SLUG)
@ns.param("link_id", "The link's id.", example=1)
class PreviewLinkItem(Resource):
    @ns.doc(security="bearer")
    @ns.response(204, "Revoked: the token reads nothing any more.")
    @problems(ns, 401, 403, 404)
    def delete(self, slug: str, link_id: int) -> tuple[str, int]:
        """Revoke a preview link at once (editor)."""
        require_role("editor")
        article = _articles().find(slug, include_hidden=True)
        link = db.session.scalar(_links_of(article).where(PreviewLink.link_id == link_id)) if link_id < 2**31 else None
        if link is None or link.revoked_at is not None:
            raise ProblemError(404, f"The article '{slug}' has no working preview link {link_id}.")
        link.revoked_at = utcnow()
        record_audit("revoked a preview link", "article", article.slug, key_name())
        db.session.commit()
        return "", 204


@ns.route("/previews/<string:token>")
@ns.param("token", "The token of a preview link (prv_...).", example="prv_unknown")
class Preview(Resource):
    @ns.response(200, "The article as the public will see it once published; never cached nor indexed.",
                 schema_model(_articles().public_envelope))  # fmt: skip
    @problems(ns, 400, 404)
    def get(self, token: str) -> ViewAnswer:
        """Read the one article a preview link shows, draft or scheduled, as the public will see it (no key:
        the token is the permission)."""
        load_query(NoQuery)
        link = active_link(token)
        articles = _articles()
        article = db.session.get(articles.model, link.item_id) if link is not None else None
        if link is None or article is None or article.deleted_at is not None:
            raise ProblemError(404, "This preview link is unknown, expired or revoked (or its article was deleted).")
        representation = articles.representation(article, public=True)
        return {"data": representation}, 200, {"ETag": etag_of(representation), **PREVIEW_HEADERS}
