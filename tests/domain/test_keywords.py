"""Keyword matching is case-insensitive and word-aware."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triagedesk.domain.scoring.keywords import KeywordGroup


@pytest.mark.parametrize(
    ("keyword", "text", "found"),
    [
        ("down", "the site is down", True),
        ("down", "download failed", False),
        ("down", "dropdown broken", False),
        ("down", "DOWN since noon", True),
        ("outage", "two outages today", True),
        ("breach", "breaches reported", True),
        ("backup_failed", "backup failed twice", True),
        ("backup_failed", "backup-failed alert", True),
        ("backup_failed", "backup_failed alert", True),
        ("backup_failed", "failed backup", False),
        ("config change", "after the config\nchange it broke", True),
        ("pci-dss", "pci dss scope", True),
        ("iso 27001", "our iso 27001 audit", True),
        ("lost", "lostpassword page", False),
        ("s3", "the s3 bucket", True),
        ("c++", "a c++ build", True),
        ("c++", "a c build", False),
    ],
)
def test_word_aware(keyword: str, text: str, found: bool) -> None:
    group = KeywordGroup([keyword])
    assert group.matches(text.lower()) is found
    assert (group.hits(text.lower()) == [keyword]) is found


def test_hits_in_group_order() -> None:
    group = KeywordGroup(["outage", "down", "offline"])
    assert group.hits("offline and down, a real outage") == ["outage", "down", "offline"]
    assert group.count("nothing here") == 0


WORDS = ["down", "downs", "outage", "outages", "backup", "failed", "backup_failed", "config", "change", "s3", "c++",
         "vpn", "vpns", "ransomware", "x"]


@settings(max_examples=300, deadline=None)
@given(keywords=st.lists(st.sampled_from(WORDS + ["config change", "backup failed", "down"]), max_size=8),
       text=st.lists(st.sampled_from(WORDS + ["-", "\n", "the"]), max_size=12).map(" ".join))
def test_count_is_the_number_of_hits(keywords: list[str], text: str) -> None:
    """`count` takes a shortcut through a word index; it must agree with testing each keyword."""
    group = KeywordGroup(keywords)
    assert group.count(text) == len(group.hits(text))
