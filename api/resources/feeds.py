"""An Atom feed of published articles and a sitemap of article and topic pages.

Both link to the public website (see `api.collection.declaration.public_page`), and both apply the
same visibility rule as every other read: drafts, scheduled and deleted items
never appear.
"""

import re
from datetime import datetime
from xml.etree import ElementTree

from flask import Response
from flask_restx import Namespace, Resource
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.caching.content_version import content_headers, current_content_version
from api.caching.response_cache import cached_read
from api.collection.declaration import collection_of, public_page, site_home
from api.spec import problems
from api.web.errors import PROBLEM_MEDIA_TYPE
from api.web.responses import tag_response
from api.web.routing import url_of
from models import Article, Media, Studio, Topic, db
from models.events import surrogate_key
from schemas.media import body_html_with_images, image_src, widest_own_file

ns = Namespace("feeds", description="An Atom feed of articles and a sitemap, for readers and search engines", path="/")
FEED_LENGTH = 50
ATOM_MEDIA_TYPE = "application/atom+xml"
ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
IMAGE_SITEMAP_NAMESPACE = "http://www.google.com/schemas/sitemap-image/1.1"
# What XML 1.0 cannot carry at all. Writes refuse these now, but text stored before that rule (or typed
# into the database by hand) must not make the public feed a 500 for every reader.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _with_enclosures(atom: bytes, enclosures: dict[str, dict[str, str]]) -> bytes:
    """The feed with each entry's feature image as `<link rel="enclosure">`: feedgen 1.0.0 drops the rel,
    type and length of every link it writes, so these are added to what it made."""
    if not enclosures:
        return atom
    ElementTree.register_namespace("", ATOM_NAMESPACE)
    root = ElementTree.fromstring(atom)
    for entry in root.iter(f"{{{ATOM_NAMESPACE}}}entry"):
        entry_id = entry.findtext(f"{{{ATOM_NAMESPACE}}}id")
        if entry_id in enclosures:
            ElementTree.SubElement(entry, f"{{{ATOM_NAMESPACE}}}link", enclosures[entry_id])
    ElementTree.indent(root)
    written: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return written


def xml_text(text: str) -> str:
    """The text without the characters XML cannot carry."""
    return _NOT_XML.sub("", text)


@ns.route("/feeds/articles.atom")
class ArticleFeed(Resource):
    @ns.produces([ATOM_MEDIA_TYPE, PROBLEM_MEDIA_TYPE])
    @ns.response(200, f"An Atom feed of the {FEED_LENGTH} newest published articles.")
    @problems(ns, 404)
    @cached_read
    def get(self) -> Response:
        """Show an Atom feed of the newest published articles."""
        tag_response([surrogate_key("article"), surrogate_key("studio")])
        studio = db.session.scalar(select(Studio).limit(1))
        articles = db.session.scalars(
            select(Article)
            .where(Article.public())
            .options(
                selectinload(Article.topics),
                selectinload(Article.feature_image).selectinload(Media.files),
                selectinload(Article.body_media).selectinload(Media.files),
            )
            .order_by(*Article.newest_first())
            .limit(FEED_LENGTH)
        ).all()
        # Imported here: feedgen loads lxml, 5 MB more in a worker that never serves the feed.
        from feedgen.feed import FeedGenerator

        feed = FeedGenerator()
        feed_url = url_of(ArticleFeed)
        feed.id(feed_url)
        studio_name = xml_text(studio.name) if studio else "The studio"
        feed.title(f"{studio_name}: articles")
        feed.author({"name": studio_name})
        feed.link(href=feed_url, rel="self", type=ATOM_MEDIA_TYPE)
        feed.link(href=site_home(), rel="alternate")
        feed.updated(current_content_version().last_modified)
        enclosures: dict[str, dict[str, str]] = {}  # entry id -> its feature image's <link>
        for article in reversed(articles):  # feedgen puts each new entry first
            entry = feed.add_entry()
            entry.id(public_page(article))
            entry.title(xml_text(article.title))
            entry.link(href=public_page(article), rel="alternate")
            entry.published(article.published_at)
            entry.updated(article.updated_at)
            if article.excerpt:
                entry.summary(xml_text(article.excerpt))
            entry.content(xml_text(body_html_with_images(article)), type="html")
            image = article.visible_feature_image
            if image is not None:
                widest = widest_own_file(image)
                enclosures[public_page(article)] = {
                    "rel": "enclosure", "href": image_src(image), "type": widest.media_type, "length": str(widest.bytes)
                }  # fmt: skip
            for topic in article.visible_topics:
                entry.category(term=topic.slug, label=xml_text(topic.name))
        body = _with_enclosures(feed.atom_str(pretty=True), enclosures)
        return Response(body, mimetype=ATOM_MEDIA_TYPE, headers=content_headers())


@ns.route("/sitemap.xml")
class Sitemap(Resource):
    @ns.produces(["application/xml", PROBLEM_MEDIA_TYPE])
    @ns.response(200, "A sitemap (sitemaps.org) of the published article and topic pages.")
    @cached_read
    def get(self) -> Response:
        """Show a sitemap of the website's article and topic pages."""
        tag_response([surrogate_key("article"), surrogate_key("topic")])
        ElementTree.register_namespace("", SITEMAP_NAMESPACE)
        urlset = ElementTree.Element(f"{{{SITEMAP_NAMESPACE}}}urlset")

        ElementTree.register_namespace("image", IMAGE_SITEMAP_NAMESPACE)
        # Feature images, read apart: one query for the articles that have one (not a row per article).
        featured = dict(
            db.session.execute(
                select(Article.slug, Media.media_id)
                .join(Media, Media.media_id == Article.feature_image_id)
                .where(Article.public(), Media.public())
            ).all()
        )
        images = {
            media.media_id: media
            for media in db.session.scalars(
                select(Media).where(Media.media_id.in_(set(featured.values()))).options(selectinload(Media.files))
            )
        }

        def add(location: str, modified: datetime, image: Media | None = None) -> None:
            url = ElementTree.SubElement(urlset, f"{{{SITEMAP_NAMESPACE}}}url")
            ElementTree.SubElement(url, f"{{{SITEMAP_NAMESPACE}}}loc").text = location
            ElementTree.SubElement(url, f"{{{SITEMAP_NAMESPACE}}}lastmod").text = modified.date().isoformat()
            if image is not None:
                entry = ElementTree.SubElement(url, f"{{{IMAGE_SITEMAP_NAMESPACE}}}image")
                ElementTree.SubElement(entry, f"{{{IMAGE_SITEMAP_NAMESPACE}}}loc").text = image_src(image)

        for slug, updated in db.session.execute(
            select(Article.slug, Article.updated_at).where(Article.public()).order_by(*Article.newest_first())
        ):
            add(collection_of(Article).public_page(slug), updated, images.get(featured.get(slug, -1)))
        for slug, updated in db.session.execute(
            select(Topic.slug, Topic.updated_at).where(Topic.public()).order_by(Topic.name)
        ):
            add(collection_of(Topic).public_page(slug), updated)
        body = ElementTree.tostring(urlset, encoding="utf-8", xml_declaration=True)
        return Response(body, mimetype="application/xml", headers=content_headers())
