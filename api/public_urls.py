"""Where the studio's public website shows each thing, from configured URL patterns.

Feeds, the sitemap and structured data point readers at the website, not at
the API. PUBLIC_SITE_URL is the home page; PUBLIC_ARTICLE_URL and
PUBLIC_TOPIC_URL are patterns with `{slug}`. Until they are configured they
fall back to the API's own URLs, which are at least real.
"""

from flask import current_app, url_for


def site_home() -> str:
    return current_app.config.get("PUBLIC_SITE_URL") or url_for("api_v1.root", _external=True)


def article_page(slug: str) -> str:
    pattern = current_app.config.get("PUBLIC_ARTICLE_URL")
    return pattern.format(slug=slug) if pattern else url_for("api_v1.articles_article_item", slug=slug, _external=True)


def topic_page(slug: str) -> str:
    pattern = current_app.config.get("PUBLIC_TOPIC_URL")
    return pattern.format(slug=slug) if pattern else url_for("api_v1.topics_topic_item", slug=slug, _external=True)
