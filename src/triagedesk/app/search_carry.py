"""The issue search's side file carried over a compaction (store/carry.py): every issue the folded journal did not
touch keeps its texts and row as the old file holds them (its place in the table moved back by the issues removed
before it), the touched ones are found again from the new snapshot's records, all in the search's order; written
for the new snapshot once the compaction has let the lock go (from the old file kept open and the new snapshot's
tables noted under the lock). Byte for byte the file a first search would build from
the new snapshot (tested over random histories)."""

from __future__ import annotations

from bisect import bisect_left
from pathlib import Path
from typing import Any

import orjson

from triagedesk.app import search_file
from triagedesk.app.issue_search import each_issue, shown
from triagedesk.app.search_file import Damaged, SearchFile
from triagedesk.app.search_index import _changes, _identity, _now, _request_key, _touched
from triagedesk.files import atomic_write
from triagedesk.store.carry import Finish, Write
from triagedesk.store.repositories import Store

Entry = tuple[str, int, bytes, bytes]
"""An issue of the file: (created_at as text, place in the table, its texts, its row)."""


def prepare(store: Store) -> Finish | None:
    """Before the compaction writes (its lock held, caught up): the old file when it is the snapshot's, the issues
    the journal touched and the places removed; the finish that writes the new file. None: nothing to carry."""
    path = search_file.path_of(Path(store.path))
    if not path.exists():
        return None
    journal = store.journal
    with journal.mutex:
        issues, requests = journal.docs("issues"), journal.docs("requests")
        base = getattr(issues, "base", None)
        if base is None or base.file.handle is None:
            return None
        opened = search_file.open_file(path, _identity(issues))
        if opened is None:
            return None
        if opened.scan:
            opened.close()
            return None
        issue_changes, request_changes = _changes(issues), _changes(requests)
        table = base.load()
        removed = sorted(at for key, doc in issue_changes.items() if doc is None
                         for at in (table.position(key),) if at >= 0)
    try:
        touched = _touched(issues, requests, issue_changes, request_changes)
    except BaseException:
        opened.close()
        raise
    return lambda: _finish(store, path, opened, touched, removed)


def _finish(store: Store, path: Path, opened: SearchFile, touched: set[str],
            removed: list[int]) -> Write | None:
    """Under the lock, the new snapshot read back (nothing changed since): note its tables; the write."""
    journal = store.journal
    try:
        with journal.mutex:  # copies: later writes in this process change none
            issues, requests = journal.docs("issues").copy(), journal.docs("requests").copy()
        if issues.base is None or issues.changed or requests.changed:
            opened.close()
            return None
        journal.answerable()  # the new snapshot was written by this process (else a StoreCorrupt, and no file)
    except BaseException:
        opened.close()
        raise
    return lambda: _write(path, opened, touched, removed, issues, requests)


def _write(path: Path, opened: SearchFile, touched: set[str], removed: list[int], issues: Any,
           requests: Any) -> None:
    """Write the file for the new snapshot's tables noted (staged, renamed in: `atomic_write`), the lock let go."""
    try:
        kept = _kept(opened, touched, removed)
        again = _again(issues, requests, touched)
        if again is None:
            return  # a text holding a NUL: the first search builds a file that says so
        entries = kept + again
        entries.sort(key=lambda entry: entry[1])
        entries.sort(key=lambda entry: entry[0], reverse=True)  # stable: as the build orders them
        try:
            atomic_write(path, search_file.encode(_identity(issues), [e[2] for e in entries],
                                                  [e[3] for e in entries]))
        except OSError:
            pass  # a cache: the first search builds it
    except Damaged:
        return  # the old file fails a checksum: the first search builds the new one
    finally:
        opened.close()


def _kept(opened: SearchFile, touched: set[str], removed: list[int]) -> list[Entry]:
    """The old file's issues the journal did not touch, each place moved back by the issues removed before it."""
    out: list[Entry] = []
    starts, places = opened.starts, opened.places
    texts, rows = opened.parts["texts"], opened.parts["rows"]
    for n in range(opened.count):
        raw = rows.read(places[n], places[n + 1])
        try:
            row: Any = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise Damaged("a damaged row") from None
        if not isinstance(row, list) or len(row) != 8 or type(row[7]) is not int or type(row[6]) is not str:
            raise Damaged("a damaged row")
        if row[0] in touched:
            continue
        moved = bisect_left(removed, row[7])
        if moved:
            row[7] -= moved
            raw = orjson.dumps(row) + b"\n"
        out.append((row[6], row[7], texts.read(starts[n], starts[n + 1]), raw))
    return out


def _again(issues: Any, requests: Any, touched: set[str]) -> list[Entry] | None:
    """The touched issues as the new snapshot holds them, as the build makes their entries; None when a text
    holds a NUL."""
    if not touched:
        return []
    issue_docs = _now(issues, {}, touched, "id", lambda v: str(v or ""))
    request_docs = _now(requests, {}, touched, "analysis_id", _request_key)
    out: list[Entry] = []
    for (place, _), (created, key, doc, request, assignee, requester, found) in zip(
            issue_docs, each_issue([d for _, d in issue_docs], [d for _, d in request_docs]), strict=True):
        lowered = [t.lower() for t in found]
        if any("\x00" in t for t in lowered):
            return None
        row = shown(key, doc, request, assignee, requester, "")
        out.append((created, place, ("\x00".join(lowered) + "\x00").encode("utf-8", "surrogatepass"),
                    orjson.dumps([row.issue_id, row.title, row.profile, row.status, row.assignee, row.requester,
                                  created, place]) + b"\n"))
    return out


__all__ = ["prepare"]
