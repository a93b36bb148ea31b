"""The period's kept sum equals the days merged afresh, whatever days change between two asks (hypothesis)."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given
from hypothesis import strategies as st

from triagedesk.domain.insight.analytics import completed_fixes
from triagedesk.domain.insight.day_parts import join
from triagedesk.domain.insight.period_sum import PeriodSum
from triagedesk.domain.insight.tally import Tally

keys = st.one_of(st.tuples(st.sampled_from(["requests", "status", "done_request"]), st.sampled_from(["a", "b", "c"])),
                st.tuples(st.just("fix"), st.sampled_from(["a", "b", "c"]), st.sampled_from(["p", "q"]),
                          st.sampled_from(["maker", "period"])))
steps = st.lists(st.tuples(st.integers(0, 9), keys, st.integers(-2, 3), st.floats(0, 100), st.booleans()),
                 max_size=40)
spans = st.tuples(st.integers(0, 9), st.integers(0, 10))


def _merged(days: dict[int, Tally], first: int, last: int) -> Tally:
    total = Tally()
    for day in range(first, last):
        if day in days:
            total.add(days[day])
    return total


def _nonzero(tally: Tally) -> dict:
    return {key: count for key, count in tally.n.items() if count}


@given(steps, st.lists(spans, min_size=1, max_size=6))
def test_the_kept_sum_equals_the_days_merged_afresh(changes: list, asks: list[tuple[int, int]]) -> None:
    days: dict[int, Tally] = defaultdict(Tally)
    period = PeriodSum()
    asked = 0
    for n, (day, key, count, value, ask) in enumerate(changes + [(0, ("requests", "a"), 0, 0.0, True)]):
        if key[0] == "done_request":  # a request is completed in its day or not (never below none)
            days[day].n[key] = count % 2
        elif key[0] == "fix":  # a day's corrections of a request: taken back only once added
            days[day].n[key] = max(days[day].n[key] + count, 0)
        else:
            days[day].n[key] += count
        days[day].values["cost"].append(value)
        period.changed(day)
        if ask:
            first, last = asks[n % len(asks)]
            got, want = period.total(days, first, last), _merged(days, first, last)
            assert _nonzero(got) == _nonzero(want)
            assert got.values == want.values
            joined = join([], period.lean(days, first, last), period).memo["completed_fixes"]
            assert joined == completed_fixes(want.grouped())  # the join kept in step equals it done afresh
            asked += 1
    assert asked >= 1


def test_a_change_to_a_day_not_marked_is_not_seen_until_it_is() -> None:
    """The sum trusts its marks (the live report marks every day it changes): the test shows they matter."""
    days: dict[int, Tally] = defaultdict(Tally)
    days[1].n[("requests",)] = 1
    period = PeriodSum()
    assert period.total(days, 0, 3).n[("requests",)] == 1
    days[1].n[("requests",)] = 5
    assert period.total(days, 0, 3).n[("requests",)] == 1
    period.changed(1)
    assert period.total(days, 0, 3).n[("requests",)] == 5
