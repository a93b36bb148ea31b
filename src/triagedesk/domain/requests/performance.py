"""The feedback loop: an expert's figures (workload, reviews, turnaround, rating) counted from their requests."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from triagedesk.domain.models import Expert
from triagedesk.domain.records import HELD_STATUSES

DONE_STATUSES = ("completed", "refunded")


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


Contribution = tuple[str, int, int, float | None, int | None]
"""What one request adds to its expert's figures: (expert id, held 0/1, done 0/1, turnaround hours, rating)."""


def contribution(request: Mapping[str, Any]) -> Contribution | None:
    expert_id = request.get("assigned_expert_id")
    if not expert_id:
        return None
    status = request.get("status")
    if status in HELD_STATUSES:
        return (expert_id, 1, 0, None, None)
    if status not in DONE_STATUSES:
        return None
    completed, assigned = _instant(request.get("completed_at")), _instant(request.get("assigned_at"))
    hours = (completed - assigned).total_seconds() / 3600 if completed and assigned else None
    rating = request.get("rating")
    return (expert_id, 0, 1, hours, rating if isinstance(rating, int) and not isinstance(rating, bool) else None)


_NAN = float("nan")
_EXACT = 2 ** 53


class _Held:
    """Contributions held as arrays (a request's: its key as an int, in ascending order, its expert's number, held
    or done, hours and rating; NaN for none): ~30 bytes a request where a dict entry and a tuple took ~230 (930k
    requests at 1M issues)."""

    def __init__(self) -> None:
        self.keys = array("q")
        self.experts: list[str] = []
        self.numbers: dict[str, int] = {}
        self.expert = array("i")
        self.done = bytearray()
        self.hours = array("d")
        self.rating = array("d")
        self.gone: bytearray | None = None

    def hold(self, key: str, part: Contribution) -> bool:
        """Hold `part` here (False: it is not held, its key not above the last one's or a value not exact)."""
        rating = part[4]
        if (type(part[0]) is not str or not key.isdigit() or not key.isascii() or len(key) > 18
                or (key[0] == "0" and key != "0") or (self.keys and int(key) <= self.keys[-1])
                or (rating is not None and abs(rating) > _EXACT)):
            return False
        self.keys.append(int(key))
        self.expert.append(self.numbers.setdefault(part[0], len(self.numbers)))
        if len(self.numbers) > len(self.experts):
            self.experts.append(part[0])
        self.done.append(part[2])
        self.hours.append(_NAN if part[3] is None else part[3])
        self.rating.append(_NAN if rating is None else rating)
        return True

    def take(self, key: str) -> Contribution | None:
        """The contribution held for `key`, no longer held (None: none)."""
        if not key.isdigit() or not key.isascii() or len(key) > 18 or (key[0] == "0" and key != "0"):
            return None
        number = int(key)
        at = bisect_left(self.keys, number)
        if at == len(self.keys) or self.keys[at] != number or (self.gone is not None and self.gone[at]):
            return None
        if self.gone is None:
            self.gone = bytearray(len(self.keys))
        self.gone[at] = 1
        hours, rating = self.hours[at], self.rating[at]
        done = self.done[at]
        return (self.experts[self.expert[at]], 1 - done, done, None if hours != hours else hours,
                None if rating != rating else int(rating))


class Counts:
    """Per-expert sums over the requests, kept up to date one request at a time (`put`), so that a change costs
    what it touches, not a pass over every request. Keys are whatever names a request (a store slot)."""

    def __init__(self) -> None:
        self._by_key: dict[str, Contribution] = {}
        self._held = _Held()
        self._sums: dict[str, list[float]] = {}  # expert id -> [held, done, hours sum, hours n, ratings sum, n]

    @classmethod
    def counted(cls, keys: Sequence[str], requests: Iterable[Mapping[str, Any]]) -> Counts:
        """The sums over `requests` (the stored requests in the table's order, each under its doc_id in `keys`):
        each contribution held compactly (`_Held`), to be taken back when its request changes."""
        counts = cls()
        held = counts._held
        for key, request in zip(keys, requests, strict=True):
            part = contribution(request)
            if part is not None:
                if not held.hold(key, part):
                    counts._by_key[key] = part
                counts._add(part, +1)
        return counts

    def put(self, key: str, request: Mapping[str, Any] | None) -> None:
        """The request under `key` is now `request` (None: gone)."""
        old = self._by_key.pop(key, None)
        if old is None:
            old = self._held.take(key)
        if old is not None:
            self._add(old, -1)
        new = contribution(request) if request is not None else None
        if new is not None:
            self._by_key[key] = new
            self._add(new, +1)

    def _add(self, part: Contribution, sign: int) -> None:
        sums = self._sums.setdefault(part[0], [0.0] * 6)
        sums[0] += sign * part[1]
        sums[1] += sign * part[2]
        if part[3] is not None:
            sums[2] += sign * part[3]
            sums[3] += sign
        if part[4] is not None:
            sums[4] += sign * part[4]
            sums[5] += sign

    def figures(self, experts: Iterable[Expert]) -> dict[str, Expert]:
        return {e.id: _with(e, *self._sums.get(e.id, [0.0] * 6)) for e in experts}


def figures(experts: Iterable[Expert], requests: Iterable[Mapping[str, Any]]) -> dict[str, Expert]:
    """Each expert's figures counted from the requests (stored form), never from counters a sync can overwrite.

    An expert record's own `current_workload`, `completed_reviews`, `average_turnaround` and `rating` are what
    came before this desk (an imported network); the desk never changes them. To them are added: the requests
    the expert holds now (workload), and the ones they completed (reviews, their turnaround, their rating).
    `Counts` keeps the same sums up to date one request at a time.
    """
    counts = Counts()
    for n, request in enumerate(requests):
        counts.put(str(n), request)
    return counts.figures(experts)


def _with(expert: Expert, held: float, done: float, hours_sum: float, hours_n: float, ratings_sum: float,
          ratings_n: float) -> Expert:
    base = expert.completed_reviews
    update: dict[str, object] = {"current_workload": expert.current_workload + int(held),
                                 "completed_reviews": base + int(done)}
    if hours_n:
        previous = expert.average_turnaround if expert.average_turnaround is not None else hours_sum / hours_n
        update["average_turnaround"] = round((previous * base + hours_sum) / (base + hours_n), 2)
    if ratings_n:
        previous_rating = expert.rating if expert.rating is not None else ratings_sum / ratings_n
        mean = (previous_rating * base + ratings_sum) / (base + ratings_n)
        update["rating"] = round(min(max(mean, 0.0), 5.0), 2)
    return expert.model_copy(update=update)
