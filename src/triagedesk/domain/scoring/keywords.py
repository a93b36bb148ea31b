"""Word-aware, case-insensitive keyword matching, fast enough for 100k issues a second.

A keyword matches whole words only (`down` does not match `download`), with an
optional plural `s`/`es`; `_`, `-` and spaces inside a keyword match each other
(`backup_failed` matches "backup failed"). Text is cut once into a set of words
(runs of a-z and 0-9); a one-word keyword is then a set lookup, and a phrase is
checked against the set before a regex confirms the words are adjacent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEPARATORS = re.compile(r"[\s_\-]+")
_WORD_CHARS = re.compile(r"^[a-z0-9]+$")
_WORD_TABLE = bytes(c if (48 <= c <= 57 or 97 <= c <= 122) else 32 for c in range(256))

Words = frozenset[bytes] | set[bytes]


def words_of(text: str) -> set[bytes]:
    """The words of lower-cased text: maximal runs of a-z and 0-9, as bytes."""
    return set(text.encode("utf-8", "replace").translate(_WORD_TABLE).split())


def keyword_regex(keyword: str) -> re.Pattern[str]:
    parts = [p for p in _SEPARATORS.split(keyword.lower().strip()) if p]
    if not parts:
        raise ValueError("empty keyword")
    body = r"[\s_\-]+".join(re.escape(p) for p in parts)
    return re.compile(rf"(?<![a-z0-9]){body}(?:s|es)?(?![a-z0-9])")


class Keyword:
    """One keyword, prepared for the set lookup or the phrase check."""

    __slots__ = ("text", "variants", "needs", "_regex")

    def __init__(self, keyword: str) -> None:
        self.text = keyword
        parts = [p for p in _SEPARATORS.split(keyword.lower().strip()) if p]
        if not parts:
            raise ValueError("empty keyword")
        self._regex: re.Pattern[str] | None = None  # compiled at its first use: a one-word keyword never needs it
        # (a `show` compiled ~330 of them for one decision: 20-30 ms of a 0.3 s command)
        simple = all(_WORD_CHARS.match(p) for p in parts)
        if simple and len(parts) == 1:
            word = parts[0].encode()
            self.variants: frozenset[bytes] | None = frozenset((word, word + b"s", word + b"es"))
            self.needs: frozenset[bytes] | None = None
        else:
            self.variants = None
            # every word but the last must be present as it is; the last may be plural
            self.needs = frozenset(p.encode() for p in parts[:-1]) if simple else None

    def found(self, text: str, words: Words) -> bool:
        if self.variants is not None:
            return not words.isdisjoint(self.variants)
        if self.needs is not None and not self.needs <= words:
            return False
        return self.regex.search(text) is not None

    @property
    def regex(self) -> re.Pattern[str]:
        if self._regex is None:
            self._regex = keyword_regex(self.text)
        return self._regex


class KeywordGroup:
    """A list of keywords; `matches` is true when any of them occurs in lower-cased text."""

    __slots__ = ("keywords", "items", "singles", "others", "by_word")

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords: tuple[str, ...] = tuple(keywords)
        self.items = tuple(Keyword(k) for k in self.keywords)
        singles: set[bytes] = set()
        by_word: dict[bytes, list[int]] = {}
        for index, item in enumerate(self.items):
            if item.variants is not None:
                singles |= item.variants
                for variant in item.variants:
                    by_word.setdefault(variant, []).append(index)
        self.singles = frozenset(singles)
        self.by_word = {word: tuple(indexes) for word, indexes in by_word.items()}
        self.others = tuple(item for item in self.items if item.variants is None)

    def matches(self, text: str, words: Words | None = None) -> bool:
        if words is None:
            words = words_of(text)
        if not words.isdisjoint(self.singles):
            return True
        return any(item.found(text, words) for item in self.others)

    def hits(self, text: str, words: Words | None = None) -> list[str]:
        """Every keyword of the group found in the text, in the group's order."""
        if words is None:
            words = words_of(text)
        return [item.text for item in self.items if item.found(text, words)]

    def count(self, text: str, words: Words | None = None) -> int:
        """How many of the group's keywords occur: `len(hits(...))` without testing each keyword in turn."""
        if words is None:
            words = words_of(text)
        found: set[int] = set()
        for word in words & self.singles:
            found.update(self.by_word[word])
        return len(found) + sum(1 for item in self.others if item.found(text, words))


def searchable_text(title: str, description: str, *lists: list[str]) -> str:
    """The lower-cased text that keywords are matched against."""
    if any(lists):
        pieces = [title, description]
        for items in lists:
            pieces.extend(items)
        return "\n".join(pieces).lower()
    return f"{title}\n{description}".lower()
