"""A day's tally without its per-request keys, so a period's report sums a few hundred keys a day rather than one a
request: the completed requests' ids and the corrections' (request, profile, field) counts are kept as lists beside
the counts, and the correction rates' join of the two is done once for the whole period (`join`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from triagedesk.domain.insight.tally import VALUES, Tally

PER_REQUEST = frozenset(("done_request", "fix"))
"""The keys a tally holds one of per request: joined per period, never summed per day."""
_NUMBERS = frozenset((int, float))
_TEXT = frozenset((str,))


@dataclass
class DayPart:
    """What some records of a period add to its report: counts and value lists, as a `Tally` holds them, less its
    per-request keys; `done` the completed requests' ids and `fixes` the corrections' (request, profile, field,
    count)."""

    n: Counter[tuple[str, ...]] = field(default_factory=Counter)
    values: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in VALUES})
    done: list[str] = field(default_factory=list)
    fixes: list[tuple[str, str, str, int]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"n": [[list(key), count] for key, count in self.n.items()], "v": self.values, "d": self.done,
                "f": [list(fix) for fix in self.fixes]}


def split(tally: Tally) -> DayPart:
    """The tally's counts and values (its lists shared, not copied) with its per-request keys taken out into
    `done` and `fixes`."""
    part = DayPart(values={name: tally.values[name] for name in VALUES})
    for key, count in tally.n.items():
        if not count:
            continue
        kind = key[0]
        if kind == "done_request":
            part.done.extend([key[1]] * count)
        elif kind == "fix":
            part.fixes.append((key[1], key[2], key[3], count))
        else:
            part.n[key] = count
    return part


def change(part: DayPart, other: DayPart, sign: int) -> DayPart:
    """`part` with `other`'s records added (sign 1) or taken back (-1): a ValueError when one taken back is not
    in it."""
    if sign > 0:
        part.n.update(other.n)
    else:
        part.n.subtract(other.n)
    for name in VALUES:
        held = part.values[name]
        for value in other.values[name]:
            held.append(value) if sign > 0 else held.remove(value)
    for request in other.done:
        part.done.append(request) if sign > 0 else part.done.remove(request)
    if other.fixes:
        fixes = Counter({(r, p, f): c for r, p, f, c in part.fixes})
        for r, p, f, c in other.fixes:
            fixes[(r, p, f)] += sign * c
        if min(fixes.values()) < 0:
            raise ValueError("a fix taken back that was not counted")
        part.fixes = [(r, p, f, c) for (r, p, f), c in fixes.items() if c]
    return part


def from_json(data: Any) -> DayPart:
    """A part as `DayPart.as_json` wrote it; a ValueError for anything else (a damaged side file)."""
    try:
        n: Counter[tuple[str, ...]] = Counter()
        for key, count in data["n"]:
            if type(count) is not int or not key or not all(type(k) is str for k in key):
                raise ValueError("a count")
            n[tuple(key)] += count
        values = data["v"]
        if set(values) != set(VALUES) or not all(set(map(type, values[name])) <= _NUMBERS for name in VALUES):
            raise ValueError("the values")
        done, fixes = data["d"], data["f"]
        if not set(map(type, done)) <= _TEXT or not set(map(len, fixes)) <= {4}:
            raise ValueError("the ids")
        if fixes:  # checked a column at a time
            requests, profiles, fields, counts = zip(*fixes, strict=True)
            if not (set(map(type, requests + profiles + fields)) <= _TEXT and set(map(type, counts)) <= {int}):
                raise ValueError("the fixes")
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a day's part ({exc})") from None
    return DayPart(n, {name: values[name] for name in VALUES}, done, fixes)


class Kept(Protocol):
    """A sum of other days' per-request counts, their join done (`PeriodSum`)."""

    @property
    def done(self) -> Mapping[str, int]: ...

    @property
    def fixes(self) -> Mapping[str, Mapping[tuple[str, str], int]]: ...

    @property
    def completed(self) -> Mapping[tuple[str, str], int]: ...


def join(parts: Iterable[DayPart], onto: Tally | None = None, kept: Kept | None = None) -> Tally:
    """The period's tally from its parts (added `onto` a tally of other days, whose per-request counts are
    `kept`): counts and values summed, and the corrections of completed requests per (profile, field) joined once
    (what `analytics.completed_fixes` finds from the per-request keys)."""
    total = onto if onto is not None else Tally()
    ended: set[str] = set()
    found: list[tuple[str, str, str, int]] = []
    for part in parts:
        total.n.update(part.n)
        for name in VALUES:
            total.values[name].extend(part.values[name])
        ended.update(part.done)
        found.extend(part.fixes)
    done: Mapping[str, int] = kept.done if kept is not None else {}
    completed: Counter[tuple[str, str]] = Counter(kept.completed if kept is not None else {})
    if kept is not None:
        for request in ended:
            held = kept.fixes.get(request)
            if held and done.get(request, 0) <= 0:  # completed in an end day only: its fixes of the kept days
                completed.update(held)
    for request, profile, fixed, count in found:
        if request in ended or done.get(request, 0) > 0:
            completed[(profile, fixed)] += count
    total.memo["completed_fixes"] = +completed
    return total


__all__ = ["DayPart", "Kept", "PER_REQUEST", "change", "from_json", "join", "split"]
