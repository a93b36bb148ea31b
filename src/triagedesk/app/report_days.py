"""The report from the day book (`PATH.report-days`): each day of the snapshot counted once and kept beside it, so a
report over a period sums its whole days' counts and counts only its two end days from their rows; what the journal
changed since the snapshot is applied on top (the days it touched counted again from their rows, the changed
records' rows read as the stored-columns report reads them). A book that is missing, stale or damaged is counted
again from the store (and written); the report then is the stored-columns report (`report_columns`), and always
equals it (tested over random histories)."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from triagedesk import __version__
from triagedesk.app.report_columns import Outcomes, _pick, corrections_of, expert_names, request_columns
from triagedesk.app.report_days_file import BookUnusable, book_path, open_book, write_book
from triagedesk.domain.insight.analytics import figures, period_bounds
from triagedesk.domain.insight.day_parts import DayPart, from_json, join, split
from triagedesk.domain.insight.tally import DAY_US, Tally, micros
from triagedesk.domain.insight.tally_bulk import RequestColumns, tally_columns, tally_corrections, tally_ratings
from triagedesk.domain.scoring.profiles import Profile
from triagedesk.store.code_digest import code_digest
from triagedesk.store.columns import COMPUTED_TIMES
from triagedesk.store.lazy_docs import LazyDocs, values_of
from triagedesk.store.repositories import Store

FORMAT = f"{__version__}/report-days-1/" + code_digest(
    "triagedesk.domain.insight", "triagedesk.app.report_days", "triagedesk.app.report_days_changes",
    "triagedesk.app.report_days_file", "triagedesk.app.report_columns", "triagedesk.store.columns")
"""What the book holds and how it is counted: a book made by other counting code is counted again."""
KINDS = ("requests", "outcomes", "corrections")
ROW_FIELDS = tuple(RequestColumns().__dict__)
CHANGES_AT_MOST = 0.25
"""More records changed since the snapshot than this share of the book's: count from the store instead."""


class View:
    """The report's columns (`report_columns.Columns`) of some tables: all of each table's documents, or only
    the documents `only` names."""

    def __init__(self, store: Store, docs: Mapping[str, LazyDocs], only: Mapping[str, list[str]] | None = None):
        self.store, self.docs, self.only = store, docs, only

    def field_columns(self, kind: str, fields: tuple[str, ...]) -> tuple[list[str], list[list[Any]]]:
        docs = self.docs[kind]
        if self.only is None:
            return docs.field_columns(fields)
        keys: list[str] = []
        columns: list[list[Any]] = [[] for _ in fields]
        for key, raw in docs.raw_many(list(self.only.get(kind, ()))):
            if raw is None:
                continue
            keys.append(key)
            for column, value in zip(columns, values_of(_parsed(raw), fields), strict=True):
                column.append(value)
        return keys, columns

    def record(self, kind: str, doc_id: str) -> Any:
        raw = self.docs[kind].raw(doc_id)
        doc = None if raw is None else _parsed(raw)
        return self.store.repository(kind).loadable(doc) if isinstance(doc, dict) else None


def _parsed(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def profiles_digest(profiles: Mapping[str, Profile]) -> str:
    content = b"\n".join(name.encode() + b"=" + profiles[name].model_dump_json().encode() for name in sorted(profiles))
    return hashlib.blake2b(content, digest_size=16).hexdigest()


def state_of(store: Store, profiles: Mapping[str, Profile],
             refresh: bool = True) -> tuple[dict[str, Any] | None, dict[str, LazyDocs]]:
    """(what a book of the store's snapshot is keyed by, or None when it can have none; each counted table as it
    is now), taken at one moment (`refresh=False`: as this process holds it, another's writes not read first)."""
    journal = store.journal
    if refresh:
        journal.refresh()
    with journal.mutex:
        docs = {kind: journal.docs(kind).copy() for kind in KINDS}
        generation, header = journal.files.generation, journal.files.header
    tables: dict[str, Any] = {}
    for kind, found in docs.items():
        base = found.base
        if base is None:
            tables[kind] = None
            continue
        # a snapshot from before span checksums is named by its place alone (its generation's salt is new at
        # every compaction): a book is written only once the whole file's checksum passed
        lists = sorted([name, crc] for name, crc in base.spans.lists.items()) if base.spans is not None else None
        tables[kind] = [base.count, base.start, base.end, lists]
    if header is None or not header.salt:
        return None, docs  # a journal from before salts: nothing names this very snapshot
    key = {"format": FORMAT, "generation": generation, "salt": header.salt, "size": store.journal.files.snapshot_size(),
           "tables": tables, "profiles": profiles_digest(profiles)}
    return orjson.loads(orjson.dumps(key)), docs


def _groups(times: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for i, at in enumerate(times):
        out[at // DAY_US].append(i)
    return out


def _finite(*columns: list[Any]) -> bool:
    return all(type(v) is not float or math.isfinite(v) for column in columns for v in column)


def build(store: Store, profiles: Mapping[str, Profile],
          docs: Mapping[str, LazyDocs]) -> dict[int, tuple[bytes, bytes]] | None:
    """Each day of the tables' snapshot (what the journal changed left out) as (sums, rows) JSON; None when a
    value cannot be kept as JSON as it is (a float that is not finite)."""
    view = View(store, {kind: LazyDocs(found.base) for kind, found in docs.items()})
    outcomes = Outcomes(view)
    doc_ids, _, rows = request_columns(view, outcomes, profiles, None)
    return counted_days(doc_ids, rows, corrections_of(view, profiles), outcomes)


def counted_days(doc_ids: list[str], rows: RequestColumns, corrections: tuple[list[Any], ...], outcomes: Outcomes,
                 only: set[int] | None = None) -> dict[int, tuple[bytes, bytes]] | None:
    """Each day's (sums, rows) JSON of these requests, corrections (`corrections_of`'s columns) and rated
    outcomes, each kind's rows in the order given (`only`: those days alone); None when a value cannot be kept as
    JSON as it is (a float that is not finite). A book carried over a compaction counts its changed days here too
    (app/report_days_carry.py), so they are what a book counted whole would hold, byte for byte."""
    keys, created, fields, categories, experts, names, requests = corrections
    rated = outcomes.rated
    rated_at = _pick(outcomes.created, rated)
    if not _finite(rows.price, rows.rate, rows.outcome_minutes):
        return None
    by_request, by_fix, by_rating = _groups(rows.at), _groups(created), _groups(rated_at)
    days: dict[int, tuple[bytes, bytes]] = {}
    for day in sorted(set(by_request) | set(by_fix) | set(by_rating)):
        if only is not None and day not in only:
            continue
        held = by_request.get(day, [])
        chosen = {name: _pick(column, held) for name, column in rows.__dict__.items()}
        fixes = by_fix.get(day, [])
        c_rows = [_pick(column, fixes) for column in (keys, created, fields, categories, experts, names, requests)]
        places = [rated[i] for i in by_rating.get(day, [])]
        t_rows = [_pick(column, places) for column in (outcomes.keys, outcomes.created, outcomes.experts,
                                                           outcomes.ratings)]
        sums = {"r": split(tally_columns(RequestColumns(**chosen))).as_json(),
                "c": _corrections(c_rows[2:]).as_json(), "t": _ratings(t_rows[2:]).as_json()}
        day_rows = {"r": {"doc": _pick(doc_ids, held), **chosen}, "c": c_rows, "t": t_rows}
        days[day] = (orjson.dumps(sums), orjson.dumps(day_rows))
    return days


def _counted(changes: Any, which: str, day: int, rows: Any, bounds: tuple[int, int] | None) -> DayPart:
    """A day's requests (`which` r), corrections (c) or ratings (t) counted from its rows as they are now."""
    if which == "r":
        return split(tally_columns(changes.requests_of(day, rows, bounds)))
    if which == "c":
        return _corrections(changes.corrections_of(day, rows, bounds))
    return _ratings(changes.ratings_of(day, rows, bounds))


def _corrections(columns: list[list[Any]]) -> DayPart:
    tally = Tally()
    tally_corrections(tally, *columns)
    return split(tally)


def _ratings(columns: list[list[Any]]) -> DayPart:
    tally = Tally()
    tally_ratings(tally, *columns)
    return split(tally)


class MemoryBook:
    """A book just counted, read as the file would be."""

    def __init__(self, days: dict[int, tuple[bytes, bytes]]) -> None:
        self.days = days

    def blob(self, day: int, which: int) -> Any:
        found = self.days.get(day)
        return None if found is None else orjson.loads(found[which])


def report(store: Store, profiles: Mapping[str, Profile], now: datetime, days: int,
           path: Path | None = None) -> dict[str, Any]:
    """`analytics.report` over the store's records, from its day book (counted and written first when it has
    none for its snapshot; `path`: the book's, else beside the store)."""
    key, docs = state_of(store, profiles)
    tally: Tally | None = None
    if key is not None:
        where = path or book_path(store.path)
        try:
            tally = period_tally(store, profiles, docs, open_book(where, key), period_bounds(now, days))
        except BookUnusable:
            counted = build(store, profiles, docs)
            if counted is not None:
                store.journal.answerable()  # what was read is intact (else a StoreCorrupt, and no book)
                try:
                    write_book(where, key, counted)
                except (OSError, TypeError):  # a read-only folder; a count too large for JSON: counted each time
                    pass
                tally = period_tally(store, profiles, docs, MemoryBook(counted), period_bounds(now, days))
    if tally is None:
        from triagedesk.app import report_columns

        return report_columns.report(store, profiles, now, days)
    return figures(tally, expert_names(store), now, days, profiles)


def _day_of(store: Store, kind: str, raw: bytes | None, field: str) -> int | None:
    """The day a stored record counts in (its `field`'s), as the stored-columns report reads it; None: none."""
    doc = None if raw is None else _parsed(raw)
    if not isinstance(doc, dict):
        return None
    at = COMPUTED_TIMES["$us:" + field](doc)
    if type(at) is int:
        return at // DAY_US
    model = store.repository(kind).loadable(doc)
    moment = getattr(model, field, None)
    return None if not isinstance(moment, datetime) else micros(moment) // DAY_US


def period_tally(store: Store, profiles: Mapping[str, Profile], docs: Mapping[str, LazyDocs], book: Any,
                 period: tuple[int, int]) -> Tally | None:
    """The period's tally from the book and what the journal changed since its snapshot; None when too much
    changed (the caller counts from the store)."""
    from triagedesk.app.report_days_changes import Changes

    changes = Changes.of(store, profiles, docs)
    if changes is None:
        return None
    low, high = period
    first, last = low // DAY_US, high // DAY_US
    parts: list[DayPart] = []
    patchable = changes.patchable()
    try:
        for day in range(first, last + 1):
            end = day in (first, last)
            dirty = [day in found for found in (changes.request_days, changes.fix_days, changes.rating_days)]
            again = [end or (moved and not patch) for moved, patch in zip(dirty, patchable, strict=True)]
            sums = book.blob(day, 0) if not all(again) else None
            rows = book.blob(day, 1) if any(again) else None
            for which, recount, moved in zip("rct", again, dirty, strict=True):
                if recount:
                    parts.append(_counted(changes, which, day, rows, (low, high) if end else None))
                    continue
                part = from_json(sums[which]) if sums is not None else DayPart()
                parts.append(changes.patched(which, day, part) if moved else part)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise BookUnusable(f"a damaged day ({exc})") from None
    return join(parts)


__all__ = ["View", "build", "counted_days", "period_tally", "report", "state_of"]
