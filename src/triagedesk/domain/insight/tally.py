"""The report's counts and sums: what each request, correction and rating adds, kept so that a record can be
added or taken back one at a time and tallies of days merged (the analytics tab follows the store this way).

Times are whole microseconds since the epoch and durations their differences, so every sum is exact and the same
in any order; sums of money and minutes are kept as the values themselves and added with `math.fsum` (exact, then
rounded once), so the report is the same however its records were counted: at once, by day, or one at a time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
DAY_US = 86_400_000_000
VALUES = ("hours", "late_prices", "revenue", "minutes", "cost")
"""The lists of values a tally keeps: hours to complete (each rounded as shown), prices of late and of paid
completed requests, the experts' minutes and their cost."""


def micros(moment: datetime) -> int:
    """An aware instant as whole microseconds since the epoch."""
    return (moment - EPOCH) // MICROSECOND


def hours_shown(took_us: int) -> float:
    """A duration in hours as the report lists it (timedelta.total_seconds() / 3600, to two places)."""
    return round(took_us / 1_000_000 / 3600, 2)


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What one request (with its outcome) adds to the report of a period that holds its submission."""

    at: int
    """Submitted, in microseconds since the epoch: which periods hold it."""
    status: str
    urgency: str
    category: str
    """The item category, or `uncategorised`."""
    expert: str
    """The assigned expert's id ('' when none)."""
    wait: int | None
    """Assigned minus submitted (microseconds), when assigned."""
    took: int | None
    """Completed minus submitted, when completed."""
    turnaround: int | None
    """Completed minus assigned, when completed and assigned."""
    met: bool | None
    """Completed by its due time: None when not completed or without one."""
    tier: str
    """The tier id, or `URGENCY (no tier)`."""
    resolved: bool
    price: float
    minutes: float
    """The expert's minutes (the outcome's time to resolution, else started to completed), when completed."""
    cost: float
    profile: str = ""
    request_id: str = ""
    """The request's id: a completed request's corrections count in the correction rates."""

    @property
    def day(self) -> int:
        return self.at // DAY_US


@dataclass(frozen=True, slots=True)
class CorrectionFacts:
    at: int
    field: str
    category: str
    """The category, or `-`."""
    expert: str
    profile: str = ""
    request: str = ""
    """The corrected request's id (its corrections count in the rates once it is completed)."""


@dataclass(frozen=True, slots=True)
class RatingFacts:
    """An outcome's rating, counted in the period that holds the outcome's creation."""

    at: int
    expert: str
    rating: int


@dataclass
class Tally:
    """Counts and exact sums (`n`, keyed by tuples) and value lists (`values`) of the records added."""

    n: Counter[tuple[str, ...]] = field(default_factory=Counter)
    values: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in VALUES})
    found: dict[str, dict[str, int]] | None = field(default=None, repr=False, compare=False)
    """Every group in one pass (`grouped()`), for a tally only read from then on."""
    fixes: list[tuple[tuple[str, ...], int]] | None = field(default=None, repr=False, compare=False)
    """The `fix` keys and counts, found in the same pass."""
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """What a read-only tally's readers computed from it once (`analytics.completed_fixes`)."""

    def request(self, f: RequestFacts, sign: int = 1) -> None:
        """Add (sign 1) or take back (sign -1) one request of the period."""
        n = self.n
        keys: list[tuple[tuple[str, ...], int]] = [
            (("requests",), 1), (("status", f.status), 1), (("urgency", f.urgency), 1),
            (("daily", str(f.day), f.urgency), 1)]
        expert = f.expert
        if f.wait is not None:
            keys += [(("assigned",), 1), (("wait",), f.wait), (("waits", f.category), 1),
                     (("wait_of", f.category), f.wait)]
        if expert:
            keys.append((("expert_assigned", expert), 1))
        if f.status == "pending_assignment":
            keys.append((("unassigned", f.category), 1))
        values = self.values
        changed: list[tuple[str, float]] = []
        if f.took is not None:
            keys += [(("completed",), 1), (("took",), f.took), (("category_done", f.category), 1),
                     (("category_took", f.category), f.took), (("completed_profile", f.profile), 1),
                     (("done_request", f.request_id), 1)]
            if f.resolved:
                keys += [(("resolved",), 1), (("category_resolved", f.category), 1)]
            if f.met is not None:
                keys += [(("timed",), 1), (("tier_timed", f.tier), 1)]
                if f.met:
                    keys += [(("met",), 1), (("tier_met", f.tier), 1)]
                else:
                    changed.append(("late_prices", f.price))
            if f.status != "refunded":
                changed.append(("revenue", f.price))
            changed += [("hours", hours_shown(f.took)), ("minutes", f.minutes), ("cost", f.cost)]
            if expert:
                keys.append((("expert_completed", expert), 1))
                if f.turnaround is not None:
                    keys += [(("expert_turned", expert), 1), (("expert_turnaround", expert), f.turnaround)]
                if f.met is not None:
                    keys.append((("expert_timed", expert), 1))
                    if f.met:
                        keys.append((("expert_met", expert), 1))
        for key, amount in keys:
            n[key] += sign * amount
        for name, value in changed:
            if sign > 0:
                values[name].append(value)
            else:
                values[name].remove(value)

    def correction(self, c: CorrectionFacts, sign: int = 1) -> None:
        for key in (("corrections",), ("field", c.field), ("correction_category", c.category),
                    ("expert_fixes", c.expert), ("fix", c.request, c.profile, c.field)):
            self.n[key] += sign

    def rating(self, r: RatingFacts, sign: int = 1) -> None:
        self.n[("expert_rated", r.expert)] += sign
        self.n[("expert_rating", r.expert)] += sign * r.rating

    def add(self, other: Tally) -> None:
        """Merge another tally into this one (the days of a period)."""
        self.n.update(other.n)
        for name, values in other.values.items():
            self.values[name].extend(values)

    def groups(self, kind: str) -> Mapping[str, int]:
        """The counts of one kind of key by its group (`expert_assigned` -> {expert: count}), zeros left out."""
        if self.found is not None:
            return MappingProxyType(self.found.get(kind, {}))
        return {key[1]: count for key, count in self.n.items() if key[0] == kind and count}

    def grouped(self) -> Tally:
        """This tally (its counts shared, to be read only) with every group found in one pass: a period's tally
        holds keys per request, and the report asks for fourteen groups (fourteen scans: ~0.1 s at 100k)."""
        found: dict[str, dict[str, int]] = {}
        fixes: list[tuple[tuple[str, ...], int]] = []
        for key, count in self.n.items():
            if count and len(key) > 1:
                found.setdefault(key[0], {})[key[1]] = count
                if key[0] == "fix":
                    fixes.append((key, count))
        return Tally(self.n, self.values, found, fixes, dict(self.memo))  # a joined period's rates come in memo




def request_facts(submitted: int, assigned: int | None, started: int | None, completed: int | None, due: int | None,
                  status: str, urgency: str, category: str | None, expert: str | None, tier_id: str | None,
                  price: float, rate: float, resolution_achieved: bool | None,
                  outcome_minutes: float | None, profile: str = "", request_id: str = "") -> RequestFacts:
    """The facts of one request from its fields (times in microseconds) and its outcome's (`resolution_achieved`
    None: no outcome); `rate` is its profile's expert hourly rate."""
    took = None if completed is None else completed - submitted
    if outcome_minutes is not None:
        minutes = outcome_minutes
    elif completed is not None and started is not None:
        minutes = max((completed - started) / 1_000_000 / 60, 0.0)
    else:
        minutes = 0.0
    return RequestFacts(
        at=submitted, status=status, urgency=urgency, category=category or "uncategorised", expert=expert or "",
        wait=None if assigned is None else assigned - submitted, took=took,
        turnaround=None if completed is None or assigned is None else completed - assigned,
        met=None if completed is None or due is None else completed <= due,
        tier=tier_id or f"{urgency} (no tier)",
        resolved=status != "refunded" if resolution_achieved is None else resolution_achieved,
        price=price, minutes=minutes, cost=minutes / 60 * rate, profile=profile, request_id=request_id)


__all__ = ["CorrectionFacts", "DAY_US", "RatingFacts", "RequestFacts", "Tally", "hours_shown", "micros",
           "request_facts"]
