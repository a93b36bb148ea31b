"""What the journal changed since the day book's snapshot, as the book's report applies it: the days whose requests
or corrections changed (their old and new days, and the days of requests whose outcome may have changed), the
changed records' rows (read as the stored-columns report reads them), and each day's rows with them applied."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from triagedesk.app.report_columns import Outcomes, _pick, corrections_of, request_columns
from triagedesk.app.report_days import CHANGES_AT_MOST, KINDS, ROW_FIELDS, View, _day_of, _parsed
from triagedesk.domain.insight.day_parts import DayPart, change, split
from triagedesk.domain.insight.tally import DAY_US, Tally
from triagedesk.domain.insight.tally_bulk import RequestColumns, tally_columns, tally_corrections
from triagedesk.domain.scoring.profiles import Profile
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.repositories import Store


def _base_raws(docs: LazyDocs) -> dict[str, bytes | None]:
    """The snapshot's version of each document changed since (None: not in the snapshot), read at once."""
    base = docs.base
    if base is None:
        return dict.fromkeys(docs.changed)
    return dict(LazyDocs(base).raw_many(sorted(docs.changed, key=lambda key: (len(key), key))))  # in order


def _current_raw(docs: LazyDocs, key: str) -> bytes | None:
    found = docs.changed.get(key)
    return None if found is None else docs._data(found)


class Changes:
    """The journal's changes to the counted tables, against the book's snapshot."""

    def __init__(self, store: Store, profiles: Mapping[str, Profile], docs: Mapping[str, LazyDocs]) -> None:
        self.store, self.profiles, self.docs = store, profiles, docs
        self.requests = set(docs["requests"].changed)
        self.fixes = set(docs["corrections"].changed)
        self.ratings = set(docs["outcomes"].changed)
        self.rating_days: set[int] = set()
        self.new_ratings: dict[int, list[int]] = {}
        self.new_rating_rows: tuple[list[Any], ...] = ()
        self.request_days: set[int] = set()
        self.fix_days: set[int] = set()
        self.affected: set[str] = set()
        """The ids of requests whose outcome may have changed."""
        self._outcomes: Outcomes | None = None
        self.new_requests: dict[int, list[int]] = {}
        self.new_rows = RequestColumns()
        self.new_fixes: dict[int, list[int]] = {}
        self.new_fix_rows: tuple[list[Any], ...] = ()
        self.old_requests: dict[int, list[int]] = {}
        self.old_rows = RequestColumns()
        self.old_fixes: dict[int, list[int]] = {}
        self.old_fix_rows: tuple[list[Any], ...] = ()

    @classmethod
    def of(cls, store: Store, profiles: Mapping[str, Profile], docs: Mapping[str, LazyDocs]) -> Changes | None:
        """The changes, or None when too many (or an outcome naming its request in a way not followed here)."""
        changed = sum(len(docs[kind].changed) for kind in KINDS)
        counted = 0
        for kind in KINDS:
            base = docs[kind].base
            counted += 0 if base is None else base.count
        if changed > max(256, CHANGES_AT_MOST * counted):
            return None
        found = cls(store, profiles, docs)
        return found if found._find() else None

    def _find(self) -> bool:
        store, docs = self.store, self.docs
        outcomes = docs["outcomes"]
        was = {kind: _base_raws(docs[kind]) for kind in KINDS}
        for key in self.ratings:
            for raw in (was["outcomes"][key], _current_raw(outcomes, key)):
                doc = None if raw is None else _parsed(raw)
                named = doc.get("request_id") if isinstance(doc, dict) else None
                if isinstance(named, str):
                    self.affected.add(named)
                elif named is not None:
                    return False
                day = _day_of(store, "outcomes", raw, "created_at")
                if day is not None:
                    self.rating_days.add(day)
        requests = docs["requests"]
        named_now: set[str] = set()
        for key in self.requests:
            for raw in (was["requests"][key], _current_raw(requests, key)):
                day = _day_of(store, "requests", raw, "submitted_at")
                if day is not None:
                    self.request_days.add(day)
            for raw in (was["requests"][key], _current_raw(requests, key)):
                doc = _parsed(raw or b"null")
                if isinstance(doc, dict) and isinstance(doc.get("id"), str):
                    named_now.add(doc["id"])
        self.needed = self.affected | named_now
        """The requests whose outcome is looked up (their winners read, not every outcome)."""
        if self.affected:
            keys, (ids, submitted) = requests.field_columns(("id", "$us:submitted_at"))
            for i, named in enumerate(ids):
                if named in self.affected:
                    at = submitted[i]
                    day = at // DAY_US if type(at) is int else _day_of(store, "requests", requests.raw(keys[i]),
                                                                       "submitted_at")
                    if day is not None:
                        self.request_days.add(day)
        fixes = docs["corrections"]
        for key in self.fixes:
            for raw in (was["corrections"][key], _current_raw(fixes, key)):
                day = _day_of(store, "corrections", raw, "created_at")
                if day is not None:
                    self.fix_days.add(day)
        alive = [key for key in self.requests if requests.changed[key] is not None]
        if alive:
            view = View(store, docs, {"requests": alive})
            _, _, self.new_rows = request_columns(view, self.outcomes(), self.profiles, None)
            self.new_requests = _by_day(self.new_rows.at)
        written = [key for key in self.fixes if fixes.changed[key] is not None]
        if written:
            self.new_fix_rows = corrections_of(View(store, docs, {"corrections": written}), self.profiles)
            self.new_fixes = _by_day(self.new_fix_rows[1])
        # a changed record's old row, as the book counted it, to be taken back from its day's sums
        base = {kind: LazyDocs(found.base) for kind, found in docs.items()}
        held = [key for key in self.requests if was["requests"][key] is not None]
        if held and not self.ratings:  # with an outcome changed, the book's outcomes are not the ones read now
            _, _, self.old_rows = request_columns(View(store, base, {"requests": held}), self.outcomes(),
                                                  self.profiles, None)
            self.old_requests = _by_day(self.old_rows.at)
        held = [key for key in self.fixes if was["corrections"][key] is not None]
        if held:
            self.old_fix_rows = corrections_of(View(store, base, {"corrections": held}), self.profiles)
            self.old_fixes = _by_day(self.old_fix_rows[1])
        written = [key for key in self.ratings if outcomes.changed[key] is not None]
        if written:
            found = Outcomes(View(store, docs, {"outcomes": written}))
            rated = found.rated
            self.new_rating_rows = tuple(_pick(column, rated) for column in (found.keys, found.created,
                                                                             found.experts, found.ratings))
            self.new_ratings = _by_day(self.new_rating_rows[1])
        return True

    def patchable(self) -> tuple[bool, bool, bool]:
        """Whether a whole day's requests, corrections and ratings are its sums with the changed records' old
        rows taken back and new ones added (else counted again from its rows): requests only when no outcome
        changed (their rows hold their outcomes as the book counted them), ratings never."""
        return not self.ratings, True, False

    def patched(self, which: str, day: int, part: DayPart) -> DayPart:
        """A day's sums (`which`: r requests, c corrections) with the records changed since taken back and
        added as they are now."""
        if which == "r":
            for rows, held, sign in ((self.old_rows, self.old_requests, -1), (self.new_rows, self.new_requests, 1)):
                chosen = held.get(day, [])
                if chosen:
                    picked = RequestColumns(**{name: _pick(getattr(rows, name), chosen) for name in ROW_FIELDS})
                    part = change(part, split(tally_columns(picked)), sign)
            return part
        for columns, held, sign in ((self.old_fix_rows, self.old_fixes, -1), (self.new_fix_rows, self.new_fixes, 1)):
            chosen = held.get(day, [])
            if chosen:
                tally = Tally()
                tally_corrections(tally, *(_pick(column, chosen) for column in columns[2:]))
                part = change(part, split(tally), sign)
        return part

    def outcomes(self) -> Outcomes:
        """The outcomes naming the requests `needed` (each request's is the last naming it, in the table's order,
        as the stored-columns report takes it), read once."""
        if self._outcomes is None:
            docs = self.docs["outcomes"]
            keys, (named,) = docs.field_columns(("request_id",), keyed=False)  # no keys: none changed since
            needed = self.needed
            places = [i for i, value in enumerate(named)  # the type first: a list is not hashable
                      if not (value is None or type(value) is str) or value in needed]
            if keys or docs.base is None:
                chosen = _pick(keys, places)
            else:
                held = docs.base.load().doc_ids
                chosen = [str(held[i]) for i in places]
            self._outcomes = Outcomes(View(self.store, self.docs, {"outcomes": chosen}))
        return self._outcomes

    def requests_of(self, day: int, rows: Any, bounds: tuple[int, int] | None) -> RequestColumns:
        """The day's requests as they are now (within `bounds` when given): the book's rows less those changed
        since, their outcomes taken again where one changed, and the changed ones of that day."""
        out = RequestColumns()
        if rows is not None:
            held = rows["r"]
            doc_ids = held["doc"]
            if not all(len(held[name]) == len(doc_ids) for name in ROW_FIELDS):
                raise ValueError("the rows of a day differ in length")
            kept = [i for i, key in enumerate(doc_ids) if key not in self.requests]
            out = RequestColumns(**{name: _pick(held[name], kept) for name in ROW_FIELDS})
        if self.affected:
            of = self.outcomes().of
            for i, named in enumerate(out.request):
                if named in self.affected:
                    found = of.get(named)
                    out.achieved[i], out.outcome_minutes[i] = (None, None) if found is None else found
        added = self.new_requests.get(day, [])
        for name in ROW_FIELDS:
            getattr(out, name).extend(_pick(getattr(self.new_rows, name), added))
        if bounds is not None:
            low, high = bounds
            chosen = [i for i, at in enumerate(out.at) if low <= at <= high]
            out = RequestColumns(**{name: _pick(getattr(out, name), chosen) for name in ROW_FIELDS})
        return out

    def corrections_of(self, day: int, rows: Any, bounds: tuple[int, int] | None) -> list[list[Any]]:
        """The day's corrections as they are now (within `bounds`): (fields, categories, experts, profiles,
        requests), as `tally_corrections` takes them."""
        columns: list[list[Any]] = [[] for _ in range(7)]
        if rows is not None:
            held = rows["c"]
            if len(held) != 7 or len({len(column) for column in held}) > 1:
                raise ValueError("the corrections of a day differ in length")
            kept = [i for i, key in enumerate(held[0]) if key not in self.fixes]
            columns = [_pick(column, kept) for column in held]
        added = self.new_fixes.get(day, [])
        for column, new in zip(columns, self.new_fix_rows, strict=False):
            column.extend(_pick(new, added))
        if bounds is not None:
            low, high = bounds
            chosen = [i for i, at in enumerate(columns[1]) if low <= at <= high]
            columns = [_pick(column, chosen) for column in columns]
        return columns[2:]

    def ratings_of(self, day: int, rows: Any, bounds: tuple[int, int] | None) -> list[list[Any]]:
        """The day's ratings as they are now (within `bounds`): (experts, ratings), as `tally_ratings` takes them."""
        columns: list[list[Any]] = [[] for _ in range(4)]
        if rows is not None:
            held = rows["t"]
            if len(held) != 4 or len({len(column) for column in held}) > 1:
                raise ValueError("the ratings of a day differ in length")
            kept = [i for i, key in enumerate(held[0]) if key not in self.ratings]
            columns = [_pick(column, kept) for column in held]
        added = self.new_ratings.get(day, [])
        for column, new in zip(columns, self.new_rating_rows, strict=False):
            column.extend(_pick(new, added))
        if bounds is not None:
            low, high = bounds
            chosen = [i for i, at in enumerate(columns[1]) if low <= at <= high]
            columns = [_pick(column, chosen) for column in columns]
        return columns[2:]


def _by_day(times: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for i, at in enumerate(times):
        out[at // DAY_US].append(i)
    return out


__all__ = ["Changes"]
