"""What the benchmark asks for: each case's URLs in each mode, spread the way real traffic spreads.

- hit: a handful of URLs per case, all in the response cache after the warm-up (what a hit costs);
- spread: URLs over the whole corpus, drawn from a Zipf distribution (s = 1: the most read page
  gets twice the second's traffic, and the long tail is still most of the requests), in a random
  order of popularity, so that the cache holds what it can and the rest misses;
- uncached: the same spread with the response cache off (what every miss costs);
- writes: the spread again while an admin edits one article a second (bench/writer.py).

Every run draws a fresh sample, so a slice never replays what the previous one put in the cache.
"""

import random
from dataclasses import dataclass, field
from itertools import accumulate

from bench.corpus import RARE_WORDS, VOCABULARY

PER_PAGE = 25
ZIPF_EXPONENT = 1.0
SAMPLE = 20_000  # paths per run: more than a run of a few seconds asks for
HIT_SEARCHES = ("piriformis", "sciatica", "psoas release", "trapezius", "glute stretch", "posture", "scalenes", "rhomb")
MODES = ("hit", "spread", "uncached", "writes")


@dataclass
class Case:
    name: str
    title: str
    hit_paths: list[str]
    population: list[str]  # what the spread draws from, most popular first
    expected: int = 200
    etags: dict[str, str] = field(default_factory=dict)  # for the 304 case: each path's current ETag
    sizes: dict[str, int] = field(default_factory=dict)  # mean body size of the hit paths and of the spread

    def paths(self, mode: str, run: int) -> list[str]:
        """The paths one run of `mode` rotates through; `run` numbers the runs, for a fresh sample each."""
        if mode == "hit":
            return self.hit_paths
        rng = random.Random(f"{self.name}-{mode}-{run}")
        return rng.choices(self.population, cum_weights=_zipf_weights(len(self.population)), k=SAMPLE)


_weights_cache: dict[int, list[float]] = {}


def _zipf_weights(count: int) -> list[float]:
    if count not in _weights_cache:
        _weights_cache[count] = list(accumulate(1 / rank**ZIPF_EXPONENT for rank in range(1, count + 1)))
    return _weights_cache[count]


def _by_popularity(items: list[str], name: str) -> list[str]:
    """The same items in a fixed random order: which article is popular is not its number."""
    shuffled = list(items)
    random.Random(name).shuffle(shuffled)
    return shuffled


def search_queries() -> list[str]:
    """About 500 queries from the corpus's own words: each word alone, rare ones, and pairs."""
    rng = random.Random("queries")
    pairs = {f"{rng.choice(VOCABULARY)}+{rng.choice(VOCABULARY)}" for _ in range(420)}
    return [*VOCABULARY, *RARE_WORDS, *sorted(pairs)]


def cases(articles: int, topic_slugs: list[str]) -> list[Case]:
    pages = max(articles // PER_PAGE, 1)
    step = max(articles // 100, 1)
    article_paths = [f"/api/v1/articles/bench-article-{number}" for number in range(articles)]
    list_paths = [f"/api/v1/articles?page={page}&per_page={PER_PAGE}" for page in range(1, pages + 1)]
    topic_paths = [f"/api/v1/topics/{slug}" for slug in topic_slugs]
    search_paths = [f"/api/v1/articles?q={query}&per_page={PER_PAGE}" for query in search_queries()]
    studio_paths = ["/api/v1/studio", "/api/v1/studio/hours"]
    hit_searches = [f"/api/v1/articles?q={query.replace(' ', '+')}&per_page={PER_PAGE}" for query in HIT_SEARCHES]
    return [
        Case("list", "Article list", list_paths[:5], list_paths),  # page 1 first: the most read
        Case("detail", "Article detail", article_paths[::step], _by_popularity(article_paths, "detail")),
        Case("topic", "Topic with its articles", topic_paths, _by_popularity(topic_paths, "topic")),
        Case("search", "Search", hit_searches, _by_popularity(search_paths, "search")),
        Case("studio", "Studio and its hours", studio_paths, studio_paths),
        Case(
            "revalidate",
            "304: an article revalidated with If-None-Match",
            article_paths[::step],
            # Revalidations need each path's ETag first: the spread is over 2,000 articles.
            _by_popularity(article_paths, "revalidate")[:2000],
            expected=304,
        ),
    ]
