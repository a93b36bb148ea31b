"""Keeping a loaded queue in step with the store from its change notices, instead of reloading it.

`Feed` collects the (table, doc_id) pairs the store reports changed (this desk's writes, other desks'
caught up by the watcher, a sync pull). `patch` (a thread worker) turns them into the affected issues' rows,
computed by the same code as a full load; `apply` (the UI thread) splices them into the columns: rows updated
in place, new open issues appended, closed ones removed, and the kept sort orders patched for the changed rows
(`queue_orders`), not sorted again. The cost is that of the changed records.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from triagedesk.app import assessments, queue, queue_orders
from triagedesk.app.desk import Desk
from triagedesk.app.queue import QueueData, _fill
from triagedesk.store import open_set

QUEUE_TABLES = frozenset({"issues", "requests", "experts"})
"""What a queue row is computed from: the issue, its latest request and the expert holding it."""
CHUNK = 32
"""Records a patch reads between two calls of its `between()`."""
FULL_RELOAD_SHARE = 0.25
"""A batch touching more issues than this share of the queue is cheaper as a full load."""


class Feed:
    """The store's change notices since the last drain, collected on whichever thread reports them.
    `busy` is held while a batch is turned into a patch, so patches reach the UI in the order drained."""

    def __init__(self, desk: Desk) -> None:
        self._lock = threading.Lock()
        self.busy = threading.Lock()
        self.issue_of: Any = {}
        """request doc_id -> the issue it belonged to when last seen (kept by `patch`; `open_set.IssueOfRequests`:
        every request's issue, so a request moved to another issue updates both)."""
        self._changes: set[tuple[str, str]] = set()
        ref = weakref.ref(self)

        def listener(changes: set[tuple[str, str]]) -> None:
            feed = ref()
            if feed is None:
                unsubscribe()  # the queue this fed was replaced
            else:
                feed.add(changes)

        unsubscribe = desk.store.subscribe(listener)
        self.close = unsubscribe

    def add(self, changes: set[tuple[str, str]]) -> None:
        relevant = {c for c in changes if c[0] in QUEUE_TABLES}
        if relevant:
            with self._lock:
                self._changes |= relevant

    def drain(self) -> set[tuple[str, str]]:
        with self._lock:
            out, self._changes = self._changes, set()
        return out

    def __bool__(self) -> bool:
        return bool(self._changes)


@dataclass
class Patch:
    """The rows of the issues a batch of changes touched, and the issues that left the queue."""

    rows: QueueData
    gone: set[str] = field(default_factory=set)
    touched: int = 0


def load(desk: Desk, now: datetime, assignee: str | None = None) -> QueueData:
    """A full load (`queue.load`) that keeps a feed of every change from before its first read."""
    feed = Feed(desk)
    data = queue.load(desk, now, assignee)
    assessments.of(desk).save()
    feed.issue_of = open_set.IssueOfRequests(desk.store.journal)  # read on the first patch, not at the start
    if len(data.seq) != len(data.ids):
        data.seq = _seq(desk, data.ids)
    data.feed = feed
    return data


def _seq(desk: Desk, ids: list[str]) -> list[int]:
    doc_id_of = desk.store.journal.id_index("issues").get
    return [int(doc_id_of(i) or 0) for i in ids]


def _latest(docs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The request a full load shows for an issue: the latest submitted, the first stored on a tie."""
    held: dict[str, Any] | None = None
    for doc in docs:
        if not queue.usable_request(doc):
            continue
        if held is None or (doc.get("submitted_at") or "") >= (held.get("submitted_at") or ""):  # last on a tie
            held = doc
    return held


def patch(desk: Desk, data: QueueData, changes: set[tuple[str, str]], now: datetime,
          assignee: str | None = None, between: Callable[[], None] = lambda: None) -> Patch | None:
    """The rows to change for `changes`; None when a full load is the cheaper answer. Reads the store only
    for the records named (and the issues they belong to); run it in a thread worker. `between()` is called
    after every `CHUNK` records (the desk's: wait while a key is pending)."""
    store = desk.store
    journal = store.journal
    ids, holders = list(data.ids), list(data.assignee_id)
    affected: set[str] = set()
    shown: dict[int, str] | None = None  # doc_id -> the issue shown from it
    for n, (table, doc_id) in enumerate(changes, start=1):
        if n % CHUNK == 0:
            between()
        doc = store.stored(table, doc_id)
        if table == "issues":
            key = doc.get("id") if doc else None
            if isinstance(key, str):
                affected.add(key)
            if shown is None:
                shown = dict(zip(data.seq, ids, strict=True))
            if int(doc_id) in shown:
                affected.add(shown[int(doc_id)])  # the row it was: removed, or its id rewritten
        elif table == "requests":
            before = data.feed.issue_of.get(doc_id) if data.feed is not None else None
            if isinstance(before, str):
                affected.add(before)  # the issue it leaves (or stays on)
            if data.feed is not None:
                data.feed.issue_of[doc_id] = doc.get("analysis_id") if doc is not None else None
            if doc is not None and isinstance(doc.get("analysis_id"), str):
                affected.add(doc["analysis_id"])
        elif table == "experts":
            key = doc.get("id") if doc else None
            affected.update(i for i, h in zip(ids, holders, strict=True)
                            if h and (h == key or (doc is None and journal.doc_id_of("experts", h) is None)))
        if len(affected) > max(64, FULL_RELOAD_SHARE * len(ids)):
            return None
    rows = QueueData()
    experts = {e.id: e for e in store.experts.all()}
    wanted = sorted(affected)
    for start in range(0, len(wanted), CHUNK):  # each chunk's rows appended as one `_fill` of them all would
        between()
        docs, latest = [], {}
        for issue_id in wanted[start:start + CHUNK]:
            raw = store.stored_json("issues", issue_id)
            if raw is None:
                continue
            request = _latest(journal.lookup("requests", "analysis_id", issue_id))
            if request is not None:
                latest[issue_id] = request
            docs.append((issue_id, raw))
        _fill(rows, desk, docs, latest, now.timestamp(), assignee, experts)
    rows.seq = _seq(desk, rows.ids)
    return Patch(rows, affected - set(rows.ids), len(affected))


def _columns(data: QueueData) -> list[str]:
    return [f.name for f in dataclasses.fields(data) if isinstance(getattr(data, f.name), list)]


def apply(data: QueueData, change: Patch) -> bool:
    """Splice a patch into the queue's columns (on the UI thread); True when any row changed. The sort orders the
    queue keeps are patched for the changed rows (`queue_orders.repatch`), not sorted again."""
    columns = [(getattr(data, name), getattr(change.rows, name)) for name in _columns(data)]
    position = dict(zip(data.ids, range(len(data.ids)), strict=True))
    fresh = change.rows
    new: list[int] = []
    updated: list[int] = []
    for n, issue_id in enumerate(fresh.ids):
        row = position.get(issue_id)
        if row is None:
            new.append(n)
        else:
            for column, source in columns:
                column[row] = source[n]
            updated.append(row)
        model = fresh.issues.get(issue_id)
        if model is None:
            data.issues.pop(issue_id, None)  # a cached assessment: the model is read from the store when needed
        else:
            data.issues[issue_id] = model
    leaving = sorted((position[i] for i in change.gone if i in position), reverse=True)
    before = list(data.ids) if data.sorted_rows and (leaving or new) else None  # to renumber the kept orders
    for row in leaving:  # from the end, so the rows still to remove keep their places
        for column, _ in columns:
            del column[row]
    for issue_id in change.gone:
        data.issues.pop(issue_id, None)
    new.sort(key=fresh.seq.__getitem__)
    appended = not data.seq or not new or fresh.seq[new[0]] > data.seq[-1]
    if appended:  # the usual case: new issues are stored after every other, so a full load reads them last
        for column, source in columns:
            column.extend(source[n] for n in new)
    elif len(new) <= 16:  # a new open issue goes in its place in the store's order, as a full load has it
        for n in new:
            at = bisect_left(data.seq, fresh.seq[n])
            for column, source in columns:
                column.insert(at, source[n])
    else:
        for column, source in columns:
            column.extend(source[n] for n in new)
        permutation = sorted(range(len(data.seq)), key=data.seq.__getitem__)
        for column, _ in columns:
            column[:] = [column[i] for i in permutation]
    changed = bool(fresh.ids or leaving)
    if changed:
        _repatch_orders(data, fresh.ids, updated, leaving, before, appended and not leaving)
    return changed


def _repatch_orders(data: QueueData, fresh: list[str], updated: list[int], leaving: list[int],
                    before: list[str] | None, in_place: bool) -> None:
    """The kept sort orders after `apply` changed the rows of `fresh` (old rows `updated`) and removed `leaving`."""
    if not data.sorted_rows:
        data.haystacks = {}
        return
    drop = set(updated).union(leaving)
    if in_place or before is None:  # rows kept their numbers; the new ones come after them
        renumber = None
        start = len(data.ids) - (len(fresh) - len(updated))
        add = updated + list(range(start, len(data.ids)))
    else:
        now_at = dict(zip(data.ids, range(len(data.ids)), strict=True))
        renumber = [now_at.get(issue_id, -1) for issue_id in before]
        add = [now_at[issue_id] for issue_id in fresh]
    queue_orders.repatch(data, drop, renumber, add)


__all__ = ["Feed", "Patch", "load", "patch", "apply", "QUEUE_TABLES"]
