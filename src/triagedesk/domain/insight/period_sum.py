"""A period's whole days summed once and kept in step: a day that changed is taken out of the sum and put back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from triagedesk.domain.insight.tally import VALUES, Tally


class PeriodSum:
    """The counts of days [first, last) summed (the analytics tab asks for the same period at every change, and a
    period's tally holds keys per request: merging its days again took ~20 ms at 100k); `changed(day)` marks a
    day whose tally moved since."""

    def __init__(self) -> None:
        self.span: tuple[int, int] | None = None
        self.n: Counter[tuple[str, ...]] = Counter()
        self.seen: dict[int, Counter[tuple[str, ...]]] = {}
        self.dirty: set[int] = set()

    def changed(self, day: int) -> None:
        self.dirty.add(day)

    def reset(self) -> None:
        """Every day counted again (a rebuild): the next total sums them from scratch."""
        self.span = None

    def total(self, days: Mapping[int, Tally], first: int, last: int) -> Tally:
        """A fresh tally of days [first, last): the kept counts (each changed day's old counts taken out and its
        new ones put in) and the days' value lists joined."""
        if self.span != (first, last):
            self.n, self.seen, self.span = Counter(), {}, (first, last)
            todo = list(range(first, last))
        else:
            todo = sorted(day for day in self.dirty if first <= day < last)
        self.dirty = set()
        for day in todo:
            old = self.seen.pop(day, None)
            if old is not None:
                self.n.subtract(old)
            found = days.get(day)
            if found is not None:
                self.n.update(found.n)
                self.seen[day] = Counter(found.n)
        total = Tally(Counter(self.n))
        for day in range(first, last):
            found = days.get(day)
            if found is not None:
                for name in VALUES:
                    total.values[name].extend(found.values[name])
        return total
