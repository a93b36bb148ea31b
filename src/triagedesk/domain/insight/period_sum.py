"""A period's whole days summed once and kept in step: a day that changed is taken out of the sum and put back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from triagedesk.domain.insight.tally import VALUES, Tally


class PeriodSum:
    """The counts of days [first, last) summed (the analytics tab asks for the same period at every change);
    `changed(day)` marks a day whose tally moved since. The per-request keys (each completed request's id, each
    corrected request's fixes) are kept apart (`done`, `fixes`) and their join kept in step (`completed`), so a
    report reads a few hundred counts, not one a request (at 1M requests, copying and grouping those took ~1.5 s
    a report)."""

    def __init__(self) -> None:
        self.span: tuple[int, int] | None = None
        self.n: Counter[tuple[str, ...]] = Counter()
        self.done: Counter[str] = Counter()
        """Completed request id -> how many of the period's days count it."""
        self.fixes: dict[str, Counter[tuple[str, str]]] = {}
        """Corrected request id -> the period's corrections of it per (profile, field)."""
        self.completed: Counter[tuple[str, str]] = Counter()
        """The period's corrections of its completed requests per (profile, field), kept in step."""
        self.seen: dict[int, Counter[tuple[str, ...]]] = {}
        self.dirty: set[int] = set()

    def changed(self, day: int) -> None:
        self.dirty.add(day)

    def reset(self) -> None:
        """Every day counted again (a rebuild): the next total sums them from scratch."""
        self.span = None

    def _add(self, n: Mapping[tuple[str, ...], int], sign: int) -> None:
        main, done, fixes, completed = self.n, self.done, self.fixes, self.completed
        for key, count in n.items():
            kind = key[0]
            if kind == "done_request":
                request = key[1]
                before = done[request]
                done[request] = after = before + sign * count
                held = fixes.get(request)
                if held and (before > 0) != (after > 0):
                    if after > 0:
                        completed.update(held)
                    else:
                        completed.subtract(held)
            elif kind == "fix":
                request, pair = key[1], (key[2], key[3])
                fixes.setdefault(request, Counter())[pair] += sign * count
                if done.get(request, 0) > 0:
                    completed[pair] += sign * count
            else:
                main[key] += sign * count

    def _sync(self, days: Mapping[int, Tally], first: int, last: int) -> None:
        if self.span != (first, last):
            self.n, self.done, self.fixes, self.completed = Counter(), Counter(), {}, Counter()
            self.seen, self.span = {}, (first, last)
            todo = list(range(first, last))
        else:
            todo = sorted(day for day in self.dirty if first <= day < last)
        self.dirty = set()
        for day in todo:
            old = self.seen.pop(day, None)
            if old is not None:
                self._add(old, -1)
            found = days.get(day)
            if found is not None:
                self._add(found.n, 1)
                self.seen[day] = Counter(found.n)
                found.values["hours"].sort()  # the period's hours are then sorted runs: sorted again at once

    def lean(self, days: Mapping[int, Tally], first: int, last: int) -> Tally:
        """A fresh tally of days [first, last) without the per-request keys (read them from `done`, `fixes` and
        `completed` until the next call), and the days' value lists joined."""
        self._sync(days, first, last)
        total = Tally(Counter(self.n))
        for day in range(first, last):
            found = days.get(day)
            if found is not None:
                for name in VALUES:
                    total.values[name].extend(found.values[name])
        return total

    def total(self, days: Mapping[int, Tally], first: int, last: int) -> Tally:
        """A fresh tally of days [first, last), the per-request keys in it too."""
        total = self.lean(days, first, last)
        total.n.update({("done_request", request): count for request, count in self.done.items()})
        total.n.update({("fix", request, *pair): count for request, held in self.fixes.items()
                        for pair, count in held.items()})
        return total
