"""Articles: the public list (newest first, by topic) and one article by slug."""

from flask_restx import Namespace, Resource
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.http import load_query, not_found, paginate
from api.spec import model, query_params
from models import Article, Topic, db
from schemas.content import ArticleDetail, ArticleListQuery, ArticleSummary

ns = Namespace("articles", description="Articles about massage and the muscle groups it helps")

_with_relations = (selectinload(Article.topics), selectinload(Article.series))


@ns.route("")
class ArticleList(Resource):
    @ns.doc(params=query_params(ArticleListQuery))
    @ns.response(200, "A page of published articles, newest first.", model("ArticleList"))
    @ns.response(400, "A query parameter is unknown, repeated or out of range.", model("Problem"))
    def get(self):
        """List published articles, newest first."""
        args = load_query(ArticleListQuery)
        query = select(Article).where(Article.public()).options(*_with_relations).order_by(*Article.newest_first())
        if "topic" in args:
            query = query.where(Article.topics.any(Topic.slug == args["topic"]))
        articles, meta, links, headers = paginate(query, args["page"], args["per_page"])
        body = {"data": ArticleSummary(many=True).dump(articles), "meta": meta, "links": links}
        return body, 200, headers


@ns.route("/<string:slug>")
@ns.param("slug", "The article's slug, for example massage-for-quadratus-lumborum")
class ArticleItem(Resource):
    @ns.response(200, "The article, with its body as HTML and plain text.", model("ArticleItem"))
    @ns.response(404, "No published article has this slug.", model("Problem"))
    def get(self, slug: str):
        """Show one published article by its slug."""
        article = db.session.scalar(
            select(Article).where(Article.slug == slug, Article.public()).options(*_with_relations)
        )
        if article is None:
            raise not_found(f"No published article has the slug '{slug}'.")
        return {"data": ArticleDetail().dump(article)}
