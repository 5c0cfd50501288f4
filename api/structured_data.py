"""schema.org JSON-LD for the studio, an article and a topic, ready to paste into a page's head.

Only what is known is stated: no property is given a value the content does
not have, and a day whose opening times are unpublished is listed without
times. Every type and property used here exists in schema.org's vocabulary (a
test checks them against it).
"""

from flask import Response, json

from api.http import content_headers
from api.public_urls import article_page, site_home, topic_page
from models.studio import WEEKDAYS

JSON_LD_MEDIA_TYPE = "application/ld+json"
CONTEXT = "https://schema.org"
# A massage studio: schema.org has no massage type; this LocalBusiness subtype is the one that fits.
STUDIO_TYPE = "HealthAndBeautyBusiness"


def _without_nulls(node):
    if isinstance(node, dict):
        return {key: _without_nulls(value) for key, value in node.items() if value not in (None, [], "")}
    if isinstance(node, list):
        return [_without_nulls(value) for value in node]
    return node


def json_ld_response(document: dict) -> Response:
    body = json.dumps(_without_nulls({"@context": CONTEXT, **document}), ensure_ascii=False)
    return Response(body, mimetype=JSON_LD_MEDIA_TYPE, headers=content_headers())


def _studio_reference(studio) -> dict:
    return {"@type": STUDIO_TYPE, "name": studio.name, "url": site_home()}


def _opening_hours(weekly: dict) -> list[dict]:
    specifications = []
    for weekday, day_name in enumerate(WEEKDAYS):
        day = f"https://schema.org/{day_name.capitalize()}"
        intervals = weekly[weekday]
        if not intervals:
            # schema.org's way of saying "closed all day".
            specifications.append({"@type": "OpeningHoursSpecification", "dayOfWeek": day, "opens": "00:00", "closes": "00:00"})
        for interval in intervals:
            specification = {"@type": "OpeningHoursSpecification", "dayOfWeek": day}
            if interval.times_known:
                specification |= {"opens": interval.opens.strftime("%H:%M"), "closes": interval.closes.strftime("%H:%M")}
            specifications.append(specification)
    return specifications


def studio_document(studio, weekly: dict) -> dict:
    return {
        **_studio_reference(studio),
        "slogan": studio.tagline,
        "description": studio.about,
        "telephone": studio.phone_e164,
        "email": studio.email,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": studio.street_address,
            "addressLocality": studio.locality,
            "addressRegion": studio.region,
            "postalCode": studio.postal_code,
            "addressCountry": studio.country,
        },
        "openingHoursSpecification": _opening_hours(weekly),
    }


def article_document(article, studio) -> dict:
    return {
        "@type": "BlogPosting",
        "@id": article_page(article.slug),
        "url": article_page(article.slug),
        "mainEntityOfPage": article_page(article.slug),
        "headline": article.title,
        "description": article.seo["description"],
        "articleBody": article.body_text,
        "wordCount": len(article.body_text.split()),
        "timeRequired": f"PT{article.reading_time_minutes}M",
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat(),
        "isPartOf": {"@type": "CreativeWorkSeries", "name": article.series.title} if article.series else None,
        "about": [{"@type": "Muscle", "name": topic.name, "url": topic_page(topic.slug)} for topic in article.visible_topics],
        "author": _studio_reference(studio) if studio else None,
        "publisher": _studio_reference(studio) if studio else None,
    }


def topic_document(topic) -> dict:
    return {
        "@type": "Muscle",
        "@id": topic_page(topic.slug),
        "url": topic_page(topic.slug),
        "name": topic.name,
        "alternateName": topic.aliases,
        "description": topic.summary,
        "bodyLocation": topic.body_region,
        "muscleAction": " ".join(topic.actions) or None,
        "associatedPathophysiology": " ".join(topic.stressors + topic.signs) or None,
        "subjectOf": [
            {"@type": "BlogPosting", "headline": article.title, "url": article_page(article.slug)}
            for article in topic.public_articles
        ],
    }
