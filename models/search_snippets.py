"""Search snippets made from an article's own text, for a search the index answered (`models.search_index`).

A snippet is a few words of one of the article's searched texts around its matches, the matches
between MARK_START and MARK_END, as FTS5's snippet() gives them (the caller escapes the rest and
turns the marks into <mark>). The text with the most different words of the search wins, and in it
the passage with the most. A word matches when its stem is one the search asked for (or starts with
the stem of a typed-ahead last word); to stay cheap on long texts, only words that begin as a
searched stem does are stemmed, and the scan stops once a passage has every word of the search.
"""

import html
import re
from collections.abc import Callable, Sequence

from models.search import MARK_END, MARK_START

WORDS = 24  # as many as FTS5's snippet() is asked for
_LEAD = 3  # words shown before the passage's first match
_PASSAGE_CHARACTERS = 160  # how far after a match others count for the same passage
_SCANNED = 4000  # the characters of a text a passage is looked for in (a long article's first page or so)
_MOST_MATCHES = 64  # a passage with every word is found early, or seldom further on
_WORD = re.compile(r"\w+")


class Highlighter:
    """Snippets for one search: `stem_of(word)` gives a word's stems as the index makes them."""

    def __init__(self, stem_of: Callable[[str], list[str]], whole: Sequence[str], started: str | None):
        self._stem_of = stem_of
        self._whole = set(whole)
        self._started = started
        self._wanted = len(self._whole) + (1 if started is not None else 0)
        self._seen: dict[str, str | None] = {}
        # A stemmer changes only a word's ending: a word matching a stem starts with all of it but its last
        # letters (happy -> happi), so only words starting so are stemmed. A stem of one or two letters
        # is kept whole: it would make every word a candidate.
        starts = sorted({_start_of(stem) for stem in (*self._whole, *([started] if started else []))})
        self._candidates = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, starts)) + r")\w*", re.IGNORECASE) if starts else None
        )

    def _match(self, word: str) -> str | None:
        """Which searched stem the word is (its key for counting different words), or None."""
        if word in self._seen:  # a page's texts repeat their words: each is stemmed once
            return self._seen[word]
        key = None
        for stem in self._stem_of(word):
            if stem in self._whole:
                key = stem
                break
            if self._started is not None and stem.startswith(self._started):
                key = "\x00started"
                break
        self._seen[word] = key
        return key

    def snippet(self, texts: Sequence[str | None]) -> str | None:
        """The snippet from the best of `texts` (earlier ones win ties), or the first text's start when
        none shows a match (a word folded from an accent the scan does not look for)."""
        best: tuple[int, int, str, int] | None = None  # (different words, -text's place, text, start)
        for place, text in enumerate(texts):
            if not text or self._candidates is None:
                continue
            found = self._passage(text)
            if found is not None and (best is None or (found[0], -place) > best[:2]):
                best = (found[0], -place, text, found[1])
                if found[0] == self._wanted:
                    break
        if best is None:
            first = next((text for text in texts if text), None)
            return None if first is None else self._cut(first, 0, [])
        _, _, text, start = best
        return self._cut(text, start, self._matches_from(text, start))

    def _passage(self, text: str) -> tuple[int, int] | None:
        """(different words, start) of the text's best passage: the first with the most."""
        assert self._candidates is not None
        matches: list[tuple[int, str]] = []
        in_window: dict[str, int] = {}  # each searched word's matches in the passage ending at the latest
        left = 0
        best: tuple[int, int] | None = None
        for candidate in self._candidates.finditer(text, 0, _SCANNED):
            key = self._match(candidate.group())
            if key is None:
                continue
            matches.append((candidate.start(), key))
            in_window[key] = in_window.get(key, 0) + 1
            while matches[left][0] < candidate.start() - _PASSAGE_CHARACTERS:
                gone = matches[left][1]
                in_window[gone] -= 1
                if not in_window[gone]:
                    del in_window[gone]
                left += 1
            if best is None or len(in_window) > best[0]:
                best = (len(in_window), matches[left][0])
                if best[0] == self._wanted:
                    break
            if len(matches) >= _MOST_MATCHES:
                break
        return best

    def _matches_from(self, text: str, start: int) -> list[tuple[int, int]]:
        assert self._candidates is not None
        spans = []
        for candidate in self._candidates.finditer(text, start, start + _PASSAGE_CHARACTERS * 4):
            if self._match(candidate.group()) is not None:
                spans.append(candidate.span())
        return spans

    @staticmethod
    def _cut(text: str, first_match: int, spans: list[tuple[int, int]]) -> str:
        """WORDS words from a little before `first_match`, the spans marked, "…" where the text goes on."""
        scan_from = max(0, first_match - 80)
        lead = list(_WORD.finditer(text, scan_from, first_match))
        if lead and lead[0].start() == scan_from and scan_from > 0 and _WORD.match(text, scan_from - 1):
            lead = lead[1:]  # the scan began inside a word: not a whole one
        lead = lead[-_LEAD:]
        start = lead[0].start() if lead else first_match
        end = len(text)
        for count, word in enumerate(_WORD.finditer(text, start), start=1):
            if count == WORDS:
                end = word.end()
                break
        pieces, position = [], start
        for span_start, span_end in spans:
            if span_start < position or span_end > end:
                continue
            pieces += [text[position:span_start], MARK_START, text[span_start:span_end], MARK_END]
            position = span_end
        pieces.append(text[position:end])
        return ("…" if start > 0 else "") + "".join(pieces) + ("…" if end < len(text) else "")


def _start_of(stem: str) -> str:
    return stem if len(stem) <= 3 else stem[: max(3, len(stem) - 2)]


def marked(snippet: str | None) -> str | None:
    """A snippet as an answer shows it: its matches in <mark>, everything else HTML-escaped."""
    if snippet is None:
        return None
    # Topics' passages are stored as JSON lists: show their text, not the list's brackets and quotes.
    snippet = snippet.replace('", "', " … ").replace('["', "").replace('"]', "")
    return html.escape(snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
