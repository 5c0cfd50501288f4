"""What a public list is, remembered per process between the writes that change it: its total, and the
ids of all its items in its order.

Both follow only which items the lists hold and where (the state row's membership version, and the
latest publication that has come), never an edit of an item's text, so they are kept under that
version, whatever the response cache holds (with it off too): paging through 100,000 articles counts
them once, and a page however deep is a slice of the ids instead of an index walk past every item
before it (page 3,000's OFFSET 75,000 took SQLite some 3 ms). A search's total follows the text: it is
kept per content version. Key holders' lists are never remembered.

What an item shows of a list is remembered the same way (`remembered_per_item`): a topic's latest public
articles and how many it has, which a window over its 6,000 articles at 100,000 took 40 ms to find.
"""

import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import Flask, current_app, request

from api.caching.content_version import current_content_version
from models.content_state import ContentVersion

MAX_TOTALS = 4096
# Lists whose ids are kept (each 8 bytes an item: 800 KB at 100,000), the least recently used out first,
# and the longest list kept so.
MAX_ORDERS = 8
MAX_ORDER_LENGTH = 250_000
# What changes a list's page but not its total (and, but for the sort, not its order).
_NOT_FILTERS = ("page", "per_page", "sort", "fields", "include")


class ListMemo:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # for threaded servers; gunicorn's sync workers have one thread
        self._totals: dict[tuple[Any, ...], int] = {}
        self._orders: OrderedDict[tuple[Any, ...], array[int]] = OrderedDict()
        self._values: dict[tuple[Any, ...], Any] = {}

    def total(self, key: tuple[Any, ...], count: Callable[[], int]) -> int:
        with self._lock:
            known = self._totals.get(key)
        if known is None:
            known = count()
            with self._lock:
                if len(self._totals) >= MAX_TOTALS:
                    self._totals.clear()
                self._totals[key] = known
        return known

    def values(
        self, keys: Mapping[int, tuple[Any, ...]], read: Callable[[list[int]], Mapping[int, Any]]
    ) -> dict[int, Any]:
        """Each item's remembered value (`keys`: item id -> its key), read together for those not known."""
        with self._lock:
            known = {item: self._values[key] for item, key in keys.items() if key in self._values}
        missing = [item for item in keys if item not in known]
        if missing:
            fresh = read(missing)
            with self._lock:
                if len(self._values) + len(missing) > MAX_TOTALS:
                    self._values.clear()
                for item in missing:
                    self._values[keys[item]] = known[item] = fresh[item]
        return known

    def known_total(self, key: tuple[Any, ...]) -> int | None:
        with self._lock:
            return self._totals.get(key)

    def known_order(self, key: tuple[Any, ...]) -> Sequence[int] | None:
        with self._lock:
            return self._orders.get(key)

    def order(self, key: tuple[Any, ...], read: Callable[[], list[int]]) -> Sequence[int]:
        with self._lock:
            known = self._orders.get(key)
            if known is not None:
                self._orders.move_to_end(key)
                return known
        ids = array("q", read())
        with self._lock:
            self._orders[key] = ids
            while len(self._orders) > MAX_ORDERS:
                self._orders.popitem(last=False)
        return ids


def init_list_memo(app: Flask) -> None:
    app.extensions["list_memo"] = ListMemo()


def _memo(key_holders_too: bool = False) -> ListMemo | None:
    """The process's memo for this request: never a write's (its reads see its own uncommitted changes, and
    a rollback would leave them remembered), nor a key holder's unless what is kept is public anyway."""
    if request.method not in ("GET", "HEAD"):
        return None
    if "Authorization" in request.headers and not key_holders_too:
        return None
    memo: ListMemo | None = current_app.extensions.get("list_memo")
    return memo


def list_key(kind: str, version: ContentVersion, path: str, args: Mapping[str, str]) -> tuple[Any, ...]:
    """The key of a list's total ("total") or order ("order", which its sort changes) under this version."""
    not_filters = set(_NOT_FILTERS) - ({"sort"} if kind == "order" else set())
    filters = tuple(sorted((name, value) for name, value in args.items() if name not in not_filters))
    generation = ("content", version.version) if "q" in args else ("membership", version.membership)
    return (kind, *generation, version.latest_publication, path, filters)


def _list_key(kind: str) -> tuple[Any, ...]:
    return list_key(kind, current_content_version(), request.path, request.args)


def remembered_total(count: Callable[[], int]) -> int:
    """The total of the public list this request asks for (its filters), counted once per version of the
    lists' membership (a search's, once per content version)."""
    memo = _memo()
    return count() if memo is None else memo.total(_list_key("total"), count)


def remembered_order(total: int, read: Callable[[], list[int]]) -> Sequence[int] | None:
    """The ids of every item of the public list this request asks for (its filters and sort), in its order,
    read once per version of the lists' membership; None for a search, a key holder or a list too long."""
    memo = _memo()
    if memo is None or "q" in request.args or total > MAX_ORDER_LENGTH:
        return None
    return memo.order(_list_key("order"), read)


def remembered_per_item(
    kind: str, item_ids: Sequence[int], read: Callable[[list[int]], Mapping[int, Any]]
) -> dict[int, Any]:
    """For each of `item_ids`, what `read` gives it (called with those not remembered), kept per version of
    the lists' membership: for what an item shows of the public lists (`kind` names it), never of its text.
    A key holder's read may use it too (what it remembers is public whoever asks); a write does not."""
    memo = _memo(key_holders_too=True)
    if memo is None:
        return dict(read(list(item_ids)))
    version = current_content_version()
    generation = (kind, version.membership, version.latest_publication)
    return memo.values({item: (*generation, item) for item in item_ids}, read)
