"""One Aho-Corasick pass over a file finds every keyword any extractor or detector wants.

Extractors then run their (anchored, windowed) regexes only where a keyword hit,
instead of every pattern scanning every line (detect-secrets' slow path).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import ahocorasick


class Matcher:
    """Keywords (matched case-insensitively) mapped to tags; built once per scan."""

    def __init__(self, table: Iterable[tuple[str, str]]):
        by_word: dict[str, set[str]] = defaultdict(set)
        for word, tag in table:
            by_word[word.lower()].add(tag)
        self._automaton = ahocorasick.Automaton()
        for word, tags in by_word.items():
            self._automaton.add_word(word, (len(word), tuple(sorted(tags))))
        self._automaton.make_automaton()
        self.words = frozenset(by_word)

    def scan(self, lowered: str, limit_per_tag: int = 2000) -> dict[str, list[int]]:
        """Tag -> start offsets of its keywords in ``lowered`` (already lower-cased)."""
        hits: dict[str, list[int]] = defaultdict(list)
        for end, (length, tags) in self._automaton.iter(lowered):
            start = end - length + 1
            for tag in tags:
                bucket = hits[tag]
                if len(bucket) < limit_per_tag:
                    bucket.append(start)
        return hits
