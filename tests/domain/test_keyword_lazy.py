"""A keyword's regex is compiled only when a phrase needs it; an empty keyword is still refused at once."""

from __future__ import annotations

import pytest

from triagedesk.domain.scoring.keywords import Keyword, KeywordGroup, keyword_regex, words_of


def test_an_empty_keyword_is_refused_when_made() -> None:
    for empty in ("", "  ", "_-_"):
        with pytest.raises(ValueError, match="empty keyword"):
            Keyword(empty)


def test_one_word_keywords_compile_nothing_and_phrases_match_as_their_regex() -> None:
    group = KeywordGroup(["outage", "db down", "backup_failed", "C++"])
    text = "the db down again after backup failed; outages everywhere in c++ land"
    assert group.hits(text, words_of(text)) == ["outage", "db down", "backup_failed", "C++"]
    single = group.items[0]
    assert single._regex is None  # a set lookup answered it
    for item in group.items[1:]:
        assert item.regex.pattern == keyword_regex(item.text).pattern
