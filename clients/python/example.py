"""A script's edit through a Python client generated from the API's OpenAPI 3.1 document.

Generate the client (`studio_client`) with openapi-python-client, then run this with it importable:

    .venv/bin/openapi-python-client generate --url http://127.0.0.1:5000/api/v1/openapi.json \\
        --meta none --output-path /tmp/client/studio_client --config clients/python/config.yaml
    API_KEY=<an editor's key> PYTHONPATH=/tmp/client .venv/bin/python clients/python/example.py

It lists the articles, reads the newest, changes its excerpt alone with If-Match, and checks that
nothing else changed: the article is still published, with every other field as it was.
"""

import os
import sys

from studio_client import AuthenticatedClient
from studio_client.api.articles import get_article_item, get_article_list, patch_article_item
from studio_client.models import ArticleItem, ArticleList, ArticlePatch
from studio_client.types import Unset

BASE_URL = os.environ.get("API_BASE_URL", "http://127.0.0.1:5000/api/v1")
# What a one-field edit of the excerpt may change besides it: the time, and the SEO description
# (which falls back to the excerpt).
FOLLOWS_FROM_THE_EDIT = {"excerpt", "updated_at", "seo"}


def main() -> int:
    client = AuthenticatedClient(base_url=BASE_URL, token=os.environ["API_KEY"])
    listed = get_article_list.sync(client=client, per_page=5)
    if not isinstance(listed, ArticleList) or not listed.data or isinstance(listed.data[0].slug, Unset):
        print(f"list: {listed}")
        return 1
    slug = listed.data[0].slug
    print(f"listed {listed.meta.total} articles; the newest is {slug}")

    read = get_article_item.sync_detailed(slug, client=client)
    if not isinstance(read.parsed, ArticleItem):
        print(f"read: {read.status_code} {read.parsed}")
        return 1
    before = read.parsed.data.to_dict()
    print(f"read {slug}: {before['status']}, published at {before['published_at']}")

    edited = patch_article_item.sync_detailed(
        slug,
        client=client,
        body=ArticlePatch(excerpt="Edited through the generated Python client."),
        if_match=read.headers["ETag"],
    )
    if edited.status_code != 200:
        print(f"edit: {edited.status_code} {edited.parsed}")
        return 1
    after = get_article_item.sync(slug, client=client)
    assert isinstance(after, ArticleItem)
    now = after.data.to_dict()
    changed = sorted(name for name in before.keys() | now.keys() if before.get(name) != now.get(name))
    print(f"edited the excerpt; changed: {', '.join(changed)}; status {now['status']}")
    unexpected = set(changed) - FOLLOWS_FROM_THE_EDIT
    if unexpected or now["status"] != "published" or now["published_at"] != before["published_at"]:
        print(f"the edit changed what it did not name: {sorted(unexpected)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
