"""Where content places a library image: what a purge of the image must not break, and what a change to
it changes for readers (the CDN keys its event names to purge)."""

from sqlalchemy import select

from models import db
from models.content import Article, Topic
from models.media import Media
from models.studio import Studio

# The studio is one item without a slug; its CDN key is `studio`.
STUDIO_PLACE = ("studio", None)


def places_of(media_id: int) -> list[tuple[str, str | None]]:
    """The items placing the image, as (item type, slug), in any state: a draft's or a deleted item's use
    counts too, since a restore would bring it back without its image."""
    articles = select(Article.slug).where(
        (Article.feature_image_id == media_id) | Article.body_media.any(Media.media_id == media_id)
    )
    topics = select(Topic.slug).where(Topic.image_id == media_id)
    places: list[tuple[str, str | None]] = [
        ("article", slug) for slug in db.session.scalars(articles.order_by(Article.slug))
    ]
    places += [("topic", slug) for slug in db.session.scalars(topics.order_by(Topic.slug))]
    studio = db.session.scalar(select(Studio).limit(1))
    if studio is not None and studio.places_media(media_id):
        places.append(STUDIO_PLACE)
    return places


def describe_place(place: tuple[str, str | None]) -> str:
    """A place as a 409 names it: "article 'slug'", or "the studio (its logo or a hero slide)"."""
    item_type, slug = place
    return "the studio (its logo or a hero slide)" if place == STUDIO_PLACE else f"{item_type} '{slug}'"
