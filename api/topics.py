"""Topics (muscle groups): the list, and one topic with its related topics and articles."""

from flask_restx import Namespace, Resource
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.http import load_query, not_found, paginate
from api.spec import model, query_params
from models import Article, Topic, db
from schemas.common import PageQuery
from schemas.content import TopicDetail, TopicSummary

ns = Namespace("topics", description="Muscle groups: anatomy, what stresses them, what helps")


@ns.route("")
class TopicList(Resource):
    @ns.doc(params=query_params(PageQuery))
    @ns.response(200, "A page of topics, by name.", model("TopicList"))
    @ns.response(400, "A query parameter is unknown, repeated or out of range.", model("Problem"))
    def get(self):
        """List muscle-group topics by name."""
        args = load_query(PageQuery)
        query = select(Topic).order_by(Topic.name, Topic.topic_id)
        topics, meta, links, headers = paginate(query, args["page"], args["per_page"])
        return {"data": TopicSummary(many=True).dump(topics), "meta": meta, "links": links}, 200, headers


@ns.route("/<string:slug>")
@ns.param("slug", "The topic's slug, for example quadratus-lumborum")
class TopicItem(Resource):
    @ns.response(200, "The topic with its anatomy, care, related topics and articles.", model("TopicItem"))
    @ns.response(404, "No topic has this slug.", model("Problem"))
    def get(self, slug: str):
        """Show one topic with its related topics and published articles."""
        topic = db.session.scalar(select(Topic).where(Topic.slug == slug).options(selectinload(Topic.related)))
        if topic is None:
            raise not_found(f"No topic has the slug '{slug}'.")
        topic.public_articles = db.session.scalars(
            select(Article)
            .where(Article.public(), Article.topics.any(Topic.topic_id == topic.topic_id))
            .order_by(*Article.newest_first())
        ).all()
        return {"data": TopicDetail().dump(topic)}
