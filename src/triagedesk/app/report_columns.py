"""The report counted from the store's stored columns (no record parsed): the facts of each request, correction
and rating, as `domain.insight.analytics.tally_records` makes them from records (tested equal)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from operator import itemgetter
from typing import Any, Protocol

from triagedesk.domain.insight.analytics import (
    clock_reads_stored_due,
    correctable,
    due_us,
    figures,
    period_bounds,
    rates_of,
)
from triagedesk.domain.insight.tally import Tally, micros
from triagedesk.domain.insight.tally_bulk import RequestColumns, tally_columns, tally_corrections, tally_ratings
from triagedesk.domain.records import REQUEST_STATUSES, Correction, ExpertRequest, Outcome
from triagedesk.domain.scoring.profiles import Profile
from triagedesk.store.repositories import Store

REQUEST_FIELDS = ("id", "$us:submitted_at", "$us:assigned_at", "$us:started_at", "$us:completed_at", "$us:due_at",
                  "status", "urgency", "item_category", "assigned_expert_id", "tier_id", "price", "profile",
                  "paused_minutes")
OUTCOME_FIELDS = ("request_id", "resolution_achieved", "time_to_resolution_minutes", "rating", "$us:created_at",
                  "expert_id")
CORRECTION_FIELDS = ("$us:created_at", "field", "category", "expert_id", "profile", "request_id")
URGENCIES = frozenset(("critical", "high", "medium", "low"))
STATUSES = frozenset(REQUEST_STATUSES)
_TEXT = frozenset((str, type(None)))
_TIME = frozenset((int, type(None)))


class Columns(Protocol):
    """What the report reads of the store: each kind's records as columns, and one record as its model."""

    def field_columns(self, kind: str, fields: tuple[str, ...]) -> tuple[list[str], list[list[Any]]]: ...

    def record(self, kind: str, doc_id: str) -> Any: ...


def _odd(column: list[Any], usable: Callable[[Any], bool], quick: bool) -> set[int]:
    """The rows of `column` whose value will not do (none when the `quick` check over the whole column passed)."""
    return set() if quick else {i for i, v in enumerate(column) if not usable(v)}


def _price(value: Any) -> bool:
    return type(value) in (int, float) and value >= 0


def _prices(column: list[Any]) -> bool:
    """Every value a number the models take as a price (>= 0), checked in passes over the whole column."""
    return set(map(type, column)) <= {int, float} and min(column, default=0) >= 0


def _rating(value: Any) -> bool:
    return value is None or (type(value) is int and 1 <= value <= 5)


def _minutes(value: Any) -> bool:
    return value is None or _price(value)


_NONE = type(None)


class Outcomes:
    """Each request's outcome (the last naming it, as the records' report takes it), and the ratings."""

    def __init__(self, store: Columns) -> None:
        keys, columns = store.field_columns("outcomes", OUTCOME_FIELDS)
        request_ids, achieved, minutes, ratings, created, experts = columns
        timed = [m for m in minutes if m is not None]
        odd = (_odd(request_ids, lambda v: type(v) in _TEXT, set(map(type, request_ids)) <= _TEXT)
               | _odd(achieved, lambda v: type(v) is bool, set(map(type, achieved)) <= {bool})
               | _odd(minutes, _minutes, set(map(type, minutes)) <= {int, float, _NONE} and _prices(timed))
               | _odd(ratings, _rating, set(map(type, ratings)) <= {int, _NONE}
                      and set(ratings) <= {None, 1, 2, 3, 4, 5})
               | _odd(created, lambda v: type(v) is int, set(map(type, created)) <= {int})
               | _odd(experts, lambda v: type(v) is str, set(map(type, experts)) <= {str}))
        if odd:
            columns = [list(c) for c in columns]
            request_ids, achieved, minutes, ratings, created, experts = columns
            for i in odd:  # in place: the last outcome naming a request is still the last
                outcome = store.record("outcomes", keys[i])
                values = (None, False, None, None, 0, "") if not isinstance(outcome, Outcome) else (
                    outcome.request_id, outcome.resolution_achieved, outcome.time_to_resolution_minutes,
                    outcome.rating, micros(outcome.created_at), outcome.expert_id)  # unloadable: counts for nothing
                for column, value in zip(columns, values, strict=True):
                    column[i] = value
        self.of: dict[str, tuple[bool, float | None]] = dict(zip(request_ids, zip(achieved, minutes, strict=True),
                                                                 strict=True))
        """request id -> (resolution achieved, time to resolution in minutes) of its outcome (the last wins)."""
        self.of.pop(None, None)  # type: ignore[call-overload]
        self.of.pop("", None)
        self.rated = [i for i, r in enumerate(ratings) if r is not None]
        self.keys, self.request_ids, self.achieved, self.minutes = keys, request_ids, achieved, minutes
        self.created, self.experts, self.ratings = created, experts, ratings

    def tally(self, tally: Tally, period: tuple[int, int]) -> None:
        """Add the ratings of outcomes created in the period."""
        low, high = period
        created = self.created
        chosen = [i for i in self.rated if low <= created[i] <= high]
        tally_ratings(tally, _pick(self.experts, chosen), _pick(self.ratings, chosen))


def _pick(column: list[Any], rows: list[int]) -> list[Any]:
    """The values of `column` at `rows`, in one pass in C."""
    if len(rows) > 1:
        return list(itemgetter(*rows)(column))
    return [column[i] for i in rows]


def request_columns(store: Columns, outcomes: Outcomes, profiles: Mapping[str, Profile],
                    period: tuple[int, int] | None) -> tuple[list[str], list[str], RequestColumns]:
    """The requests submitted in the period (None: every request): their doc_ids and ids, and their columns as
    the domain counts them. A row whose resolve due the clock computes (a wait pushed it, or none was stored) is
    read as its record, so the report holds it to the clock's due time."""
    low, high = period if period is not None else (-(2**63), 2**63)
    rates = rates_of(profiles)
    keys, columns = store.field_columns("requests", REQUEST_FIELDS)
    ids, submitted, assigned, started, completed, due, status, urgency, category, expert, tier, price, profile, \
        paused = columns
    odd = (_odd(submitted, lambda v: type(v) is int, set(map(type, submitted)) <= {int})
           | set().union(*(_odd(c, lambda v: type(v) in _TIME, set(map(type, c)) <= _TIME)
                           for c in (assigned, started, completed, due)))
           | _odd(ids, lambda v: type(v) is str, set(map(type, ids)) <= {str})
           | _odd(status, lambda v: v in STATUSES, set(status) <= STATUSES)
           | _odd(urgency, lambda v: v in URGENCIES, set(urgency) <= URGENCIES)
           | set().union(*(_odd(c, lambda v: type(v) in _TEXT, set(map(type, c)) <= _TEXT)
                           for c in (category, expert, tier)))
           | _odd(price, _price, _prices(price))
           | _odd(profile, lambda v: type(v) is str, set(map(type, profile)) <= {str})
           | {i for i, (p, d, c) in enumerate(zip(paused, due, completed, strict=True))
              if not clock_reads_stored_due(p, d, c)})
    of = outcomes.of
    chosen = [i for i, at in enumerate(submitted) if i not in odd and low <= at <= high] if odd else \
        [i for i, at in enumerate(submitted) if low <= at <= high]
    out = RequestColumns()
    doc_ids = _pick(keys, chosen)
    found = _pick(ids, chosen)
    results = list(map(of.get, found))
    out.at = _pick(submitted, chosen)
    out.assigned, out.started, out.completed, out.due = (_pick(c, chosen) for c in (assigned, started, completed, due))
    out.status, out.urgency, out.category, out.expert, out.tier, out.price = (
        _pick(c, chosen) for c in (status, urgency, category, expert, tier, price))
    out.profile = _pick(profile, chosen)
    out.request = list(found)
    out.rate = [rates.get(p, 0.0) for p in out.profile]
    out.achieved = [None if r is None else r[0] for r in results]
    out.outcome_minutes = [None if r is None else r[1] for r in results]
    for i in sorted(odd):
        request = store.record("requests", keys[i])
        if not isinstance(request, ExpertRequest) or not low <= micros(request.submitted_at) <= high:
            continue
        outcome = of.get(request.id)
        doc_ids.append(keys[i])
        found.append(request.id)
        out.append((micros(request.submitted_at), _at(request.assigned_at), _at(request.started_at),
                    _at(request.completed_at), due_us(request, profiles), request.status, request.urgency,
                    request.item_category, request.assigned_expert_id, request.tier_id, request.price,
                    rates.get(request.profile, 0.0), None if outcome is None else outcome[0],
                    None if outcome is None else outcome[1], request.profile, request.id))
    return doc_ids, found, out


def corrections_of(store: Columns, profiles: Mapping[str, Profile]) -> tuple[list[Any], ...]:
    """Every loadable correction of a field its profile lets be corrected: (doc_ids, created in microseconds,
    fields, categories (`-` for none), experts, profiles, request ids ('' for none))."""
    keys, (created, fields, categories, experts, names, requests) = store.field_columns("corrections",
                                                                                        CORRECTION_FIELDS)
    out: list[list[Any]] = [[], [], [], [], [], [], []]
    usable = (set(map(type, created)) <= {int} and set(map(type, fields)) <= {str} and "" not in fields
              and set(map(type, categories)) <= _TEXT and set(map(type, experts)) <= {str}
              and set(map(type, names)) <= {str} and set(map(type, requests)) <= _TEXT)
    for i, key in enumerate(keys):
        if usable or (type(created[i]) is int and type(fields[i]) is str and fields[i]
                      and type(categories[i]) in _TEXT and type(experts[i]) is str and type(names[i]) is str
                      and type(requests[i]) in _TEXT):
            row = (key, created[i], fields[i], categories[i] or "-", experts[i], names[i], requests[i] or "")
        else:
            correction = store.record("corrections", key)
            if not isinstance(correction, Correction):
                continue
            row = (key, micros(correction.created_at), correction.field, correction.category or "-",
                   correction.expert_id, correction.profile, correction.request_id or "")
        if correctable(row[2], row[5], profiles):
            for column, value in zip(out, row, strict=True):
                column.append(value)
    return tuple(out)


def tally_corrections_of(store: Columns, tally: Tally, period: tuple[int, int],
                         profiles: Mapping[str, Profile]) -> None:
    """Add the corrections created in the period."""
    _, created, fields, categories, experts, names, requests = corrections_of(store, profiles)
    low, high = period
    chosen = [i for i, at in enumerate(created) if low <= at <= high]
    tally_corrections(tally, _pick(fields, chosen), _pick(categories, chosen), _pick(experts, chosen),
                      _pick(names, chosen), _pick(requests, chosen))


def _at(moment: datetime | None) -> int | None:
    return None if moment is None else micros(moment)


class StoreColumns:
    """The store as the report reads it: stored columns, and a record through its model when they will not do."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def field_columns(self, kind: str, fields: tuple[str, ...]) -> tuple[list[str], list[list[Any]]]:
        return self.store.field_columns(kind, fields)

    def record(self, kind: str, doc_id: str) -> Any:
        repository = self.store.repository(kind)
        doc = repository.table.doc(doc_id)
        return None if doc is None else repository.loadable(doc)


def expert_names(store: Store) -> dict[str, str]:
    keys, (ids, names) = store.field_columns("experts", ("id", "name"))
    return {str(i): str(n or "") for i, n in zip(ids, names, strict=True) if isinstance(i, str)}


def report(store: Store, profiles: Mapping[str, Profile], now: datetime, days: int) -> dict[str, Any]:
    """`analytics.report` over the store's records, counted from their stored columns."""
    period = period_bounds(now, days)
    columns = StoreColumns(store)
    outcomes = Outcomes(columns)
    tally = tally_columns(request_columns(columns, outcomes, profiles, period)[2])
    tally_corrections_of(columns, tally, period, profiles)
    outcomes.tally(tally, period)
    return figures(tally, expert_names(store), now, days, profiles)
