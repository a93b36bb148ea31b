"""Durations as people say them, one timer format, and text cut at a word, never inside one."""

from __future__ import annotations

import pytest

from triagedesk.display import one_line
from triagedesk.domain.durations import clock, spoken


@pytest.mark.parametrize("minutes, said", [
    (45, "45 min"), (240, "4 h"), (270, "4 h 30 min"), (10080, "7 days"), (1440, "1 day"), (1680, "1 day 4 h"),
    (0, "0 min"), (-90, "-1 h 30 min"),
])
def test_spoken(minutes: float, said: str) -> None:
    assert spoken(minutes) == said


def test_one_timer_format() -> None:
    assert clock(3 * 3600 + 61) == "03:01:01"
    assert clock(2 * 86400 + 3 * 3600) == "2d 03:00:00"
    assert clock(-59) == "-00:00:59"


def test_no_mid_word_cuts() -> None:
    text = "Under 25% of the SLA left: consider a senior expert"
    cut = one_line(text, 30)
    assert cut.endswith("…") and len(cut) <= 30
    assert text.startswith(cut[:-1]) and text[len(cut) - 1] in " :"  # ends where a word ended
