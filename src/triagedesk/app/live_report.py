"""The report kept in step with the store for the analytics tab: a tally per day, counted once from the stored
columns, then changed by each record the store says changed (what it added taken back, what it adds now), so a
report is the merge of its period's days (the two end days counted from their records): never a recount."""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from triagedesk.app import memory
from triagedesk.app.report_columns import (
    Outcomes,
    StoreColumns,
    _pick,
    corrections_of,
    expert_names,
    request_columns,
)
from triagedesk.domain.insight.analytics import correctable, due_us, figures, period_bounds, rates_of
from triagedesk.domain.insight.day_parts import join, split
from triagedesk.domain.insight.period_sum import PeriodSum
from triagedesk.domain.insight.tally import DAY_US, CorrectionFacts, RatingFacts, Tally, micros, request_facts
from triagedesk.domain.insight.tally_bulk import RequestColumns, tally_columns, tally_corrections, tally_ratings
from triagedesk.domain.records import Correction, ExpertRequest, Outcome
from triagedesk.domain.scoring.profiles import Profile
from triagedesk.store.repositories import Store

TABLES = frozenset(("requests", "outcomes", "corrections", "experts"))
REBUILD_SHARE = 0.25
"""More changes at once than this share of the records (another process compacted, a big sync): count again."""


def _at(moment: datetime | None) -> int | None:
    return None if moment is None else micros(moment)


class LiveReport:
    """`report(days, now)` of a store, kept in step with its change notices (subscribed; `close()` stops)."""

    def __init__(self, store: Store, profiles: Mapping[str, Profile], deferred: bool = False) -> None:
        """`deferred`: the first report is counted from the columns at once (as `report` counts it) and the
        days' tallies on a thread right after, so the tab shows without waiting for them."""
        self.store = store
        self.profiles = profiles
        self.rates = rates_of(profiles)
        self._lock = threading.Lock()  # the notices come on any thread
        self._pending: set[tuple[str, str]] = set()
        self._counting = threading.Lock()
        self._deferred = deferred
        self.period = PeriodSum()
        """The period's whole days summed, kept in step (the tab asks for the same period at every change)."""
        self.close = store.subscribe(self._noticed)
        if not deferred:
            self._build()

    def _build_later(self) -> None:
        """Count the days (`_counting` is held for it by the caller, and let go here once they are counted)."""
        from triagedesk.app.live_book import from_book

        try:
            if not from_book(self):
                self._build()
            memory.keep_loaded()  # the rows live as long as the tab: out of the collector's walks
        except Exception:  # noqa: BLE001 - a store closed meanwhile (the desk quit): the next report counts
            self._deferred = True  # again at once (the error, if it lasts, is told there, on the UI's worker)
        finally:
            self._counting.release()

    def _noticed(self, changes: set[tuple[str, str]]) -> None:
        relevant = {c for c in changes if c[0] in TABLES}
        if relevant:
            with self._lock:
                self._pending |= relevant

    # -- counting once ------------------------------------------------------------------------
    def _build(self) -> None:
        with self._lock:
            self._pending = set()
        columns = StoreColumns(self.store)
        outcomes = Outcomes(columns)
        doc_ids, ids, rows = request_columns(columns, outcomes, self.profiles, None)
        self._adopt(doc_ids, ids, rows, outcomes, corrections_of(columns, self.profiles))

    def _adopt(self, doc_ids: list[str], ids: list[str], rows: RequestColumns, outcomes: Outcomes,
               fixes: tuple[list[Any], ...], days: dict[int, Tally] | None = None) -> None:
        """Hold these requests (their rows), outcomes and corrections, and their days' tallies (`days`, else
        counted from them)."""
        order = sorted(range(len(ids)), key=rows.at.__getitem__)  # by time: each day's rows are one slice
        self.rows = RequestColumns(**{name: _pick(column, order) for name, column in rows.__dict__.items()})
        self.ids, self.request_doc = _pick(ids, order), _pick(doc_ids, order)
        self.row_of = {doc_id: i for i, doc_id in enumerate(self.request_doc)}
        self.row_of_id = dict(zip(self.ids, range(len(self.ids)), strict=True))
        self.alive = [True] * len(self.ids)
        self.built = list(self.rows.at)
        """The times of the rows as counted, in order (a row changed or added since is in `moved`)."""
        self.moved: set[int] = set()
        self.days: dict[int, Tally] = defaultdict(Tally, days or {})
        self.period.reset()
        at = self.rows.at
        for day in sorted({a // DAY_US for a in at}) if days is None else ():
            start, stop = bisect_left(at, day * DAY_US), bisect_left(at, (day + 1) * DAY_US)
            self.days[day].add(tally_columns(RequestColumns(
                **{name: column[start:stop] for name, column in self.rows.__dict__.items()})))
        # outcomes: each as its columns hold it, in the table's order (a new one comes last)
        self.o_keys = list(outcomes.keys)
        self.o_request, self.o_achieved, self.o_minutes = outcomes.request_ids, outcomes.achieved, outcomes.minutes
        self.o_rating, self.o_created, self.o_expert = outcomes.ratings, outcomes.created, outcomes.experts
        self.o_alive = [True] * len(self.o_keys)
        self.o_place = dict(zip(self.o_keys, range(len(self.o_keys)), strict=True))
        self.o_of: dict[str, list[int]] = defaultdict(list)
        """request id -> the outcomes naming it (their places)."""
        for i, request_id in enumerate(self.o_request):
            if request_id:
                self.o_of[request_id].append(i)
        rated = [i for i, r in enumerate(self.o_rating) if r is not None]
        self.o_timed = sorted(rated, key=self.o_created.__getitem__)
        self.o_times = _pick(self.o_created, self.o_timed)
        self.o_moved: set[int] = set()
        by_day: dict[int, list[int]] = defaultdict(list)
        for i in rated:
            by_day[self.o_created[i] // DAY_US].append(i)
        for day, held in by_day.items() if days is None else ():
            tally_ratings(self.days[day], _pick(self.o_expert, held), _pick(self.o_rating, held))
        # corrections
        keys, created, fields, categories, experts, names, requests = fixes
        self.c_keys, self.c_at, self.c_field = list(keys), list(created), list(fields)
        self.c_category, self.c_expert, self.c_profile = list(categories), list(experts), list(names)
        self.c_request = list(requests)
        self.c_alive = [True] * len(self.c_keys)
        self.c_place = dict(zip(self.c_keys, range(len(self.c_keys)), strict=True))
        self.c_timed = sorted(range(len(self.c_keys)), key=self.c_at.__getitem__)
        self.c_times = _pick(self.c_at, self.c_timed)
        self.c_moved: set[int] = set()
        by_day = defaultdict(list)
        for i, made in enumerate(self.c_at):
            by_day[made // DAY_US].append(i)
        for day, held in by_day.items() if days is None else ():
            tally_corrections(self.days[day], _pick(self.c_field, held), _pick(self.c_category, held),
                              _pick(self.c_expert, held), _pick(self.c_profile, held), _pick(self.c_request, held))
        self.names = expert_names(self.store)

    def _day(self, day: int) -> Tally:
        """A day's tally, to change: the period's sum takes the day out and back in at the next report."""
        self.period.changed(day)
        return self.days[day]

    def _facts(self, i: int) -> Any:
        r = self.rows
        return request_facts(r.at[i], r.assigned[i], r.started[i], r.completed[i], r.due[i], r.status[i],
                             r.urgency[i], r.category[i], r.expert[i], r.tier[i], r.price[i], r.rate[i],
                             r.achieved[i], r.outcome_minutes[i], r.profile[i], r.request[i])

    def _rating(self, i: int) -> RatingFacts | None:
        rating = self.o_rating[i]
        return None if rating is None or not self.o_alive[i] else RatingFacts(self.o_created[i], self.o_expert[i],
                                                                               rating)

    def _correction_facts(self, i: int) -> CorrectionFacts:
        return CorrectionFacts(self.c_at[i], self.c_field[i], self.c_category[i], self.c_expert[i], self.c_profile[i],
                               self.c_request[i])

    # -- in step ------------------------------------------------------------------------------
    def catch_up(self) -> int:
        """Apply the changes noticed since the last call; returns how many records were applied."""
        with self._lock:
            changes, self._pending = self._pending, set()
        if not changes:
            return 0
        if len(changes) > max(256, REBUILD_SHARE * len(self.ids)):
            self._build()
            return len(changes)
        touched: set[str] = set()
        for table, doc_id in sorted(changes):
            if table == "requests":
                self._request(doc_id)
            elif table == "outcomes":
                touched |= self._outcome(doc_id)
            elif table == "corrections":
                self._correction(doc_id)
            elif table == "experts":
                self.names = expert_names(self.store)
        for request_id in touched:
            self._outcome_changed(request_id)
        return len(changes)

    def _model(self, kind: str, doc_id: str) -> Any:
        repository = self.store.repository(kind)
        doc = repository.table.doc(doc_id)
        return None if doc is None else repository.loadable(doc)

    def _request(self, doc_id: str) -> None:
        i = self.row_of.get(doc_id)
        if i is not None and self.alive[i]:
            self._day(self.rows.at[i] // DAY_US).request(self._facts(i), -1)
            self.alive[i] = False
            if self.row_of_id.get(self.ids[i]) == i:
                del self.row_of_id[self.ids[i]]
        request = self._model("requests", doc_id)
        if not isinstance(request, ExpertRequest):
            return
        winner = self._winner(request.id)
        row = (micros(request.submitted_at), _at(request.assigned_at), _at(request.started_at),
               _at(request.completed_at), due_us(request, self.profiles), request.status, request.urgency,
               request.item_category, request.assigned_expert_id, request.tier_id, request.price,
               self.rates.get(request.profile, 0.0), None if winner is None else self.o_achieved[winner],
               None if winner is None else self.o_minutes[winner], request.profile, request.id)
        if i is None:
            i = self.row_of[doc_id] = len(self.ids)
            self.rows.append(row)
            self.ids.append(request.id)
            self.request_doc.append(doc_id)
            self.alive.append(True)
        else:
            for column, value in zip(self.rows.__dict__.values(), row, strict=True):
                column[i] = value
            self.ids[i] = request.id
            self.alive[i] = True
        self.row_of_id[request.id] = i
        self.moved.add(i)
        self._day(self.rows.at[i] // DAY_US).request(self._facts(i))

    def _winner(self, request_id: str) -> int | None:
        """The outcome the report takes for a request: the last in the table's order naming it."""
        return max((j for j in self.o_of.get(request_id, ()) if self.o_request[j] == request_id and self.o_alive[j]),
                   default=None)

    def _outcome(self, doc_id: str) -> set[str]:
        """Apply one outcome; returns the request ids whose outcome may have changed."""
        touched: set[str] = set()
        i = self.o_place.get(doc_id)
        if i is not None:
            rating = self._rating(i)
            if rating is not None:
                self._day(rating.at // DAY_US).rating(rating, -1)
            if self.o_alive[i] and self.o_request[i]:
                touched.add(self.o_request[i])
            self.o_alive[i] = False
        outcome = self._model("outcomes", doc_id)
        if not isinstance(outcome, Outcome):
            return touched
        values = (outcome.request_id, outcome.resolution_achieved, outcome.time_to_resolution_minutes,
                  outcome.rating, micros(outcome.created_at), outcome.expert_id)
        columns: tuple[list[Any], ...] = (self.o_request, self.o_achieved, self.o_minutes, self.o_rating,
                                          self.o_created, self.o_expert)
        if i is None:
            i = self.o_place[doc_id] = len(self.o_keys)
            self.o_keys.append(doc_id)
            self.o_alive.append(True)
            for column, value in zip(columns, values, strict=True):
                column.append(value)
        else:
            for column, value in zip(columns, values, strict=True):
                column[i] = value
            self.o_alive[i] = True
        self.o_moved.add(i)
        rating = self._rating(i)
        if rating is not None:
            self._day(rating.at // DAY_US).rating(rating)
        if outcome.request_id:
            touched.add(outcome.request_id)
            if i not in self.o_of[outcome.request_id]:
                self.o_of[outcome.request_id].append(i)
        return touched

    def _outcome_changed(self, request_id: str) -> None:
        i = self.row_of_id.get(request_id)
        if i is None or not self.alive[i]:
            return
        winner = self._winner(request_id)
        now = (None, None) if winner is None else (self.o_achieved[winner], self.o_minutes[winner])
        if (self.rows.achieved[i], self.rows.outcome_minutes[i]) != now:
            day = self._day(self.rows.at[i] // DAY_US)
            day.request(self._facts(i), -1)
            self.rows.achieved[i], self.rows.outcome_minutes[i] = now
            day.request(self._facts(i))

    def _correction(self, doc_id: str) -> None:
        i = self.c_place.get(doc_id)
        if i is not None and self.c_alive[i]:
            old = self._correction_facts(i)
            self._day(old.at // DAY_US).correction(old, -1)
            self.c_alive[i] = False
        correction = self._model("corrections", doc_id)
        if not isinstance(correction, Correction) or not correctable(correction.field, correction.profile,
                                                                     self.profiles):
            return
        values = (micros(correction.created_at), correction.field, correction.category or "-", correction.expert_id,
                  correction.profile, correction.request_id or "")
        columns: tuple[list[Any], ...] = (self.c_at, self.c_field, self.c_category, self.c_expert, self.c_profile,
                                          self.c_request)
        if i is None:
            i = self.c_place[doc_id] = len(self.c_keys)
            self.c_keys.append(doc_id)
            self.c_alive.append(True)
            for column, value in zip(columns, values, strict=True):
                column.append(value)
        else:
            for column, value in zip(columns, values, strict=True):
                column[i] = value
            self.c_alive[i] = True
        self.c_moved.add(i)
        facts = self._correction_facts(i)
        self._day(facts.at // DAY_US).correction(facts)

    # -- the report -----------------------------------------------------------------------------
    def report(self, days: int, now: datetime) -> dict[str, Any]:
        """The report of [now - days, now]: whole days merged, the two end days counted from their records."""
        if self._deferred:
            self._deferred = False
            from triagedesk.app.report_days import report

            at_once = report(self.store, self.profiles, now, days)
            self._counting.acquire()  # held until the days are counted: the next report waits for them
            threading.Thread(target=self._build_later, name="triagedesk-report", daemon=True).start()
            return at_once  # the changes meanwhile are applied to the days' tallies once they are counted
        with self._counting:
            if not hasattr(self, "days"):  # the count on the thread failed (told at the next deferred report)
                self._build()
            self.store.refresh()
            self.catch_up()
            low, high = period_bounds(now, days)
            first, last = low // DAY_US, high // DAY_US
            total = self.period.lean(self.days, first + 1, last)
            # the end days: [low, the end of the first day) and [the start of the last day, high]
            ends = ((low, min(high, (first + 1) * DAY_US - 1)),) + (
                ((last * DAY_US, high),) if last > first else ())
            join([split(self._end(start, stop)) for start, stop in ends], total, self.period)
            return figures(total, self.names, now, days, self.profiles)

    def _end(self, low: int, high: int) -> Tally:
        """The tally of part of one day, [low, high], from the records themselves: those counted at the
        start found by bisection in their time order, those changed since looked at one by one."""
        at, alive, moved, built = self.rows.at, self.alive, self.moved, self.built
        rows = [i for i in range(bisect_left(built, low), bisect_left(built, high + 1)) if alive[i] and i not in moved]
        rows += [i for i in moved if alive[i] and low <= at[i] <= high]
        total = Tally()
        total.add(tally_columns(RequestColumns(**{name: _pick(column, rows)
                                                  for name, column in self.rows.__dict__.items()})))
        fixes = self._between(self.c_timed, self.c_times, self.c_moved, low, high)
        fixes = [i for i in fixes if self.c_alive[i] and low <= self.c_at[i] <= high]
        tally_corrections(total, _pick(self.c_field, fixes), _pick(self.c_category, fixes),
                          _pick(self.c_expert, fixes), _pick(self.c_profile, fixes), _pick(self.c_request, fixes))
        rated = self._between(self.o_timed, self.o_times, self.o_moved, low, high)
        rated = [i for i in rated if self.o_alive[i] and self.o_rating[i] is not None
                 and low <= self.o_created[i] <= high]
        tally_ratings(total, _pick(self.o_expert, rated), _pick(self.o_rating, rated))
        return total

    @staticmethod
    def _between(timed: list[int], times: list[int], moved: set[int], low: int, high: int) -> list[int]:
        """The places whose time, as counted at the start, is in [low, high] (and not changed since), and every
        place changed since (the caller checks those)."""
        found = timed[bisect_left(times, low):bisect_left(times, high + 1)]
        return [i for i in found if i not in moved] + sorted(moved)
