"""The issue search from its side file (app/search_file.py): the snapshot's issues' texts, lowered, newest first,
read from the start until `limit` issues hold the text; the journal's changes since the snapshot applied on top
(every issue they touch found again from its records). Equal to `issue_search.scan`.

The file is built from the snapshot alone (never from the journal) by the first search after a compaction, and
written only once what was read of the snapshot is known good; a missing, stale or damaged file is built again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from triagedesk import __version__
from triagedesk.app import search_file
from triagedesk.app.issue_search import ISSUE_FIELDS, REQUEST_FIELDS, WHERE, Found, each_issue, shown
from triagedesk.app.search_file import Damaged, SearchFile
from triagedesk.store.code_digest import code_digest
from triagedesk.store.side_files import build, identity

if TYPE_CHECKING:
    from triagedesk.store.lazy_docs import LazyDocs
    from triagedesk.store.reader import StoreReader
    from triagedesk.store.snapshot_table import SnapshotTable

ROWS = 1
"""Bumped when what a row of the side file holds, or how it is shown, changes."""
Changes = dict[str, Any]
"""doc_id -> the document now (None: removed), of every record written since the snapshot."""


def search(reader: StoreReader, text: str, limit: int) -> tuple[list[Found], bool] | None:
    """The issues holding `text` (as `issue_search.search`), and whether the snapshot's records or columns were
    read (then the caller waits for them to be known good); None when the side file cannot answer (a store
    without a snapshot of its issues, a text with a NUL): the caller scans."""
    needle = text.strip().lower()
    journal = reader.journal
    journal.refresh()
    with journal.mutex:
        issues, requests = journal.docs("issues"), journal.docs("requests")
        base = getattr(issues, "base", None)
        if base is None or "\x00" in needle or base.file.handle is None:
            return None
        issue_changes, request_changes = _changes(issues), _changes(requests)
    name = _identity(issues)
    path = search_file.path_of(Path(reader.path))
    opened = search_file.open_file(path, name)
    built = opened is None
    for _ in range(2):
        try:
            if opened is None:
                opened = _build(reader, issues, requests, name, path)
            if opened.scan:
                return None
            touched = _touched(issues, requests, issue_changes, request_changes)
            found = _answer(opened, needle, limit, touched, issues, requests, issue_changes, request_changes)
            return found, built or bool(touched)
        except Damaged:
            built = True  # built again from the snapshot, then asked again
        finally:
            if opened is not None:
                opened.close()
            opened = None
    return None


SHAPED_BY = code_digest("triagedesk.app.issue_search", "triagedesk.app.search_index", "triagedesk.app.search_file",
                        "triagedesk.display", "triagedesk.domain.requests.states")
"""The code that shapes the file's rows and texts: a file from other code is built again."""


def _identity(issues: LazyDocs) -> str:
    """The snapshot's name (store/side_files.py) and the version that shaped the rows (another version's rows
    may read otherwise: built again)."""
    return f"{identity(issues)} {__version__}/{ROWS}/{SHAPED_BY}"


def _changes(docs: LazyDocs) -> Changes:
    """Every record of the table written since the snapshot, as it is now (the caller holds the mutex)."""
    changed = getattr(docs, "changed", None)
    if not changed:
        return {}
    out: Changes = {}
    for key, found in list(changed.items()):
        if found is None:
            out[key] = None
            continue
        doc = docs.parse(docs._data(found))
        out[key] = doc if isinstance(doc, dict) else {}
    return out


def _base_docs(docs: LazyDocs, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every record of the table's snapshot (not the journal's changes) as a document of `fields`, from the
    stored columns; a record with a cell they cannot hold is read whole."""
    base = docs.base.load() if docs.base is not None else None
    if base is None or not base.count:
        return []
    columns = [base.column(f) for f in fields]
    rows = [dict(zip(fields, row, strict=True)) for row in zip(*columns, strict=True)]
    for column in columns:
        if dict in set(map(type, column)):
            for i, value in enumerate(column):
                if isinstance(value, dict):
                    rows[i] = _whole(base, i, fields)
    return rows


def _whole(base: SnapshotTable, position: int, fields: tuple[str, ...]) -> dict[str, Any]:
    doc = base.parse(base.record(position))
    return {f: doc.get(f) for f in fields} if isinstance(doc, dict) else dict.fromkeys(fields)


def _build(reader: StoreReader, issues: LazyDocs, requests: LazyDocs, name: str, path: Path) -> SearchFile:
    """The side file of the snapshot: written beside it when the folder allows (else held in memory)."""
    issue_docs = _base_docs(issues, ISSUE_FIELDS)
    rows = list(each_issue(issue_docs, _base_docs(requests, REQUEST_FIELDS)))
    order = sorted(range(len(rows)), key=lambda i: rows[i][0], reverse=True)  # stable: as the search sorts
    texts: list[bytes] = []
    shown_rows: list[bytes] = []
    for i in order:
        created, key, doc, request, assignee, requester, found = rows[i]
        lowered = [t.lower() for t in found]
        if any("\x00" in t for t in lowered):  # what separates the texts: this snapshot's issues are scanned
            return SearchFile(build(path, lambda: search_file.encode(name, [], [], scan=True), reader.answerable),
                              name)
        texts.append(("\x00".join(lowered) + "\x00").encode("utf-8", "surrogatepass"))
        row = shown(key, doc, request, assignee, requester, "")
        shown_rows.append(orjson.dumps([row.issue_id, row.title, row.profile, row.status, row.assignee,
                                        row.requester, created, i]) + b"\n")
    rows.clear()  # the documents let go before the file is written
    issue_docs.clear()
    # written as it is encoded, once nothing read from a damaged snapshot would be kept (a folder that cannot be
    # written: answered from memory, built again next time)
    return SearchFile(build(path, lambda: search_file.encode(name, texts, shown_rows), reader.answerable),
                      name)


def _touched(issues: LazyDocs, requests: LazyDocs, issue_changes: Changes, request_changes: Changes) -> set[str]:
    """The issues (by key) whose row the journal's changes may have changed: an issue written since the snapshot
    (its key then and now) and the issue of each request written since (then and now)."""
    touched: set[str] = set()
    if issue_changes:
        base = issues.base.load()  # type: ignore[union-attr]
        ids = base.column("id")
        for doc_id, doc in issue_changes.items():
            position = base.position(doc_id)
            if position >= 0:
                was = ids[position] if not isinstance(ids[position], dict) else _whole(base, position, ("id",))["id"]
                touched.add(str(was or ""))
            if doc is not None:
                touched.add(str(doc.get("id") or ""))
    if request_changes:
        base = requests.base.load() if requests.base is not None else None
        column = base.column("analysis_id") if base is not None else []
        for doc_id, doc in request_changes.items():
            position = base.position(doc_id) if base is not None else -1
            keys = [doc.get("analysis_id") or ""] if doc is not None else []
            if position >= 0:
                was = column[position]
                keys.append((_whole(base, position, ("analysis_id",))["analysis_id"]  # type: ignore[arg-type]
                             if isinstance(was, dict) else was) or "")
            touched.update(k for k in keys if isinstance(k, str))
    return touched


def _answer(index: SearchFile, needle: str, limit: int, touched: set[str], issues: LazyDocs, requests: LazyDocs,
            issue_changes: Changes, request_changes: Changes) -> list[Found]:
    """The snapshot's issues found in the side file (those the changes touched left out), and the touched ones
    found again from their records, merged newest first (equal times in the table's order)."""
    found = _from_file(index, needle, limit, touched)
    if touched:
        found += _again(needle, touched, issues, requests, issue_changes, request_changes)
        found.sort(key=lambda item: item[1])
        found.sort(key=lambda item: item[0], reverse=True)  # stable: as the search sorts
    return [row for _, _, row in found[:limit]]


def _from_file(index: SearchFile, needle: str, limit: int, touched: set[str]) -> list[tuple[str, int, Found]]:
    """The first `limit` issues of the file holding `needle` (all of them when it is empty), touched ones left
    out: (created_at, place in the table, row)."""
    out: list[tuple[str, int, Found]] = []
    if not needle:
        for n in range(index.count):
            if len(out) >= limit:
                break
            _keep(index, n, "id", touched, out)
        return out
    wanted = needle.encode("utf-8", "surrogatepass")
    texts, starts = index.parts["texts"], index.starts
    from bisect import bisect_right

    at = 0
    while len(out) < limit:
        hit = texts.find(wanted, at)
        if hit < 0:
            break
        n = bisect_right(starts, hit) - 1
        where = next((name for name, value in zip(WHERE, index.texts(n), strict=True) if wanted in value), None)
        if where is None:  # across the NUL between two texts: look on from the next byte
            at = hit + 1
            continue
        _keep(index, n, where, touched, out)
        at = starts[n + 1]
    return out


def _keep(index: SearchFile, n: int, where: str, touched: set[str], out: list[tuple[str, int, Found]]) -> None:
    key, title, profile, status, assignee, requester, created, position = index.row(n)
    if key in touched:
        return
    out.append((created, position, Found(issue_id=key, title=title, profile=profile, status=status,
                                         assignee=assignee, requester=requester, where=where)))


def _again(needle: str, touched: set[str], issues: LazyDocs, requests: LazyDocs, issue_changes: Changes,
           request_changes: Changes) -> list[tuple[str, int, Found]]:
    """The touched issues as they are now, with their requests as they are now, found as the scan finds them."""
    issue_docs = _now(issues, issue_changes, touched, "id", lambda v: str(v or ""))
    request_docs = _now(requests, request_changes, touched, "analysis_id", _request_key)
    out: list[tuple[str, int, Found]] = []
    places = [place for place, _ in issue_docs]
    for place, (created, key, doc, request, assignee, requester, found) in zip(
            places, each_issue([d for _, d in issue_docs], [d for _, d in request_docs]), strict=True):
        where = next((name for name, value in zip(WHERE, found, strict=True) if needle in value.lower()),
                     None) if needle else "id"
        if where is not None:
            out.append((created, place, shown(key, doc, request, assignee, requester, where)))
    return out


def _request_key(value: Any) -> str | None:
    """The issue a request's `analysis_id` names, as the search groups them (one not text names none)."""
    found = value or ""
    return found if isinstance(found, str) else None


def _now(docs: LazyDocs, changes: Changes, touched: set[str], field: str,
         key_of: Any) -> list[tuple[int, dict[str, Any]]]:
    """(place in the table, document) of every record of the table whose `field` names a touched issue, as it is
    now, in the table's order (a record written since the snapshot in its place; one added after them all)."""
    base = docs.base.load() if docs.base is not None else None
    out: list[tuple[int, dict[str, Any]]] = []
    if base is not None and base.count:
        column = base.column(field)
        if set(map(type, column)) <= {str, type(None)}:  # all but a hostile store: at C speed
            held = [i for i, value in enumerate(column) if (value or "") in touched]
        else:
            held = [i for i, value in enumerate(column) if key_of(
                _whole(base, i, (field,))[field] if isinstance(value, dict) else value) in touched]
        for position in held:
            if str(base.doc_ids[position]) not in changes:
                doc = base.parse(base.record(position))
                out.append((position, doc if isinstance(doc, dict) else {}))
    count = base.count if base is not None else 0
    added = 0
    for doc_id, doc in changes.items():
        position = base.position(doc_id) if base is not None else -1
        if position < 0:
            position, added = count + added, added + 1
        if doc is not None and key_of(doc.get(field)) in touched:
            out.append((position, doc))
    out.sort(key=lambda item: item[0])
    return out


__all__ = ["search"]
