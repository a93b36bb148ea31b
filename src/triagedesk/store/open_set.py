"""What a side file of the open issues needs from the store: which snapshot is in force, what changed since it
(the documents held apart from it), and the open issues among a few, read without walking every request.

A side file (the queue's, app/queue_file.py) is written for one state: the snapshot in force (`stamp`) and the
documents changed since it then (`changed_keys`). Another state of the same snapshot differs from it only in
documents changed in one of the two, so the issues whose row may differ are the keys those documents name in
either state; `open_among` gives their rows as they are now.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from triagedesk.store.journal import Journal
from triagedesk.store.journal_format import META
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.snapshot_file import END_LENGTH
from triagedesk.store.snapshot_table import SnapshotTable

KEY_OF = {"issues": "id", "requests": "analysis_id"}
"""The field of each table that names the issue a document belongs to."""
Found = tuple[str, str, bytes, dict[str, Any] | None, str | None]
"""An open issue: its id, its doc_id, its stored JSON, its latest usable request (None: no request) and that
request's doc_id."""


def _base(journal: Journal, table: str) -> SnapshotTable | None:
    docs = journal.tables.get(table)
    return docs.base.load() if isinstance(docs, LazyDocs) and docs.base is not None else None


def stamp(journal: Journal) -> str:
    """The snapshot in force: its generation, its journal's salt, and the checksum of the whole file and where its
    directory lies (its last line). Call holding the journal's mutex."""
    meta = journal.tables.get(META, {}).get("1", {})
    end = "-"
    for name in journal.tables:
        docs = journal.tables.get(name)
        if isinstance(docs, LazyDocs) and docs.base is not None:
            file = docs.base.file
            size = len(file.data) if file.data is not None else os.fstat(file.handle.fileno()).st_size  # type: ignore[union-attr]
            end = file.read(size - END_LENGTH, END_LENGTH).decode("ascii", "replace").strip()
            break
    return f"{meta.get('generation')}|{meta.get('journal_salt')}|{end}"


def _key(journal: Journal, table: str, data: bytes | None) -> str | None:
    if data is None:
        return None
    return _key_in(journal.docs(table).parse(data), table)


def _key_in(doc: Any, table: str) -> str | None:
    key = doc.get(KEY_OF[table]) if isinstance(doc, dict) else None
    return key if isinstance(key, str) else None  # (a hostile document's list names no issue)


def changed_keys(journal: Journal, table: str) -> dict[str, str | None]:
    """doc_id -> the issue each document changed since the snapshot names now (None: removed, or naming none).
    Call holding the journal's mutex."""
    docs = journal.tables.get(table)
    if not isinstance(docs, LazyDocs):
        return {}
    return {doc_id: _key(journal, table, docs.raw(doc_id)) for doc_id in list(docs.changed)}


def base_keys(journal: Journal, table: str, doc_ids: list[str]) -> dict[str, str | None]:
    """doc_id -> the issue the snapshot's version of each document names (absent: not in the snapshot)."""
    base = _base(journal, table)
    if base is None:
        return {}
    out = {}
    for doc_id in doc_ids:
        position = base.position(doc_id)
        if position >= 0:
            out[doc_id] = _key_in(base.parse(base.record(position)), table)
    return out


def usable_request(doc: dict[str, Any]) -> bool:
    """A request document an issue's view can use: another client's malformed one (a list for an id, an
    object for a status) is left out."""
    return isinstance(doc.get("analysis_id"), str) and isinstance(doc.get("status", ""), str)


def latest_usable(docs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The latest submitted usable request of `docs` (in the table's order), the last stored on a tie."""
    held: dict[str, Any] | None = None
    for doc in docs:
        if usable_request(doc) and (held is None or str(doc.get("submitted_at") or "")
                                    >= str(held.get("submitted_at") or "")):
            held = doc
    return held


def _named(journal: Journal, table: str, keys: set[str], changed: dict[str, Any]) -> list[str]:
    """The doc_ids of `table` whose document names one of `keys` now, in the table's order (the snapshot's
    column read once; the changed documents from `changed`)."""
    found = [doc_id for doc_id, key in changed.items() if key in keys and doc_id in journal.docs(table)]
    base = _base(journal, table)
    if base is not None:
        column = base.column(KEY_OF[table]) if KEY_OF[table] in base.fields else None
        if column is None:
            docs = journal.docs(table)
            column = [_key(journal, table, docs.raw(k)) for k in base.keys()]
        ids = base.keys()
        found += [ids[n] for n, key in enumerate(column) if type(key) is str and key in keys
                  and ids[n] not in changed]
    return sorted(found, key=int)


def open_among(journal: Journal, closed: frozenset[str], keys: set[str]) -> tuple[list[Found], set[str]]:
    """The open issues among `keys` as they are now (in the table's order), and the keys found closed or gone.
    Costs the snapshot's two key columns once and the records of these issues. Call holding the mutex."""
    if not keys:
        return [], set()
    issues, requests = journal.docs("issues"), journal.docs("requests")
    issue_changes, request_changes = changed_keys(journal, "issues"), changed_keys(journal, "requests")
    if journal.records.has_id_index("issues"):
        index = journal.id_index("issues")
        issue_ids = sorted({index[k] for k in keys if k in index}, key=int)
    else:
        issue_ids = _named(journal, "issues", keys, issue_changes)
    held: dict[str, list[dict[str, Any]]] = {}
    where: dict[int, str] = {}  # each request read (its object's id) -> its doc_id
    for request_id, raw in requests.raw_many(_named(journal, "requests", keys, request_changes)):
        if raw is not None:
            doc = requests.parse(raw)
            if isinstance(doc, dict) and isinstance(doc.get("analysis_id"), str):
                held.setdefault(doc["analysis_id"], []).append(doc)
                where[id(doc)] = request_id
    out: list[Found] = []
    seen: dict[str, int] = {}
    for doc_id, raw in issues.raw_many(issue_ids):
        doc = issues.parse(raw) if raw is not None else None
        key = doc.get("id") if isinstance(doc, dict) else None
        if raw is None or not isinstance(key, str) or key not in keys:
            continue
        latest = latest_usable(held.get(key, []))
        if latest is None or latest.get("status") not in closed:
            found = (key, doc_id, raw, latest, None if latest is None else where[id(latest)])
            if key in seen:  # two documents with one id: the later, as the `id` index holds it
                out[seen[key]] = found
            else:
                seen[key] = len(out)
                out.append(found)
    return out, keys - set(seen)


class IssueOfRequests:
    """Every request's issue (doc_id -> the issue its document names) as the store held it when this was made, then
    as `__setitem__` tells: the snapshot's column is read on the first `get` (a desk's first patch, not its start),
    from the snapshot in force when this was made."""

    def __init__(self, journal: Journal) -> None:
        journal.refresh()
        with journal.mutex:
            docs = journal.tables.get("requests")
            self._base = docs.base if isinstance(docs, LazyDocs) else None
            self._told: dict[str, str | None] = changed_keys(journal, "requests")
            self._parse = docs.parse if isinstance(docs, LazyDocs) else None
        self._all: dict[str, str | None] | None = None
        self._lock = threading.Lock()

    def _mapping(self) -> dict[str, str | None]:
        with self._lock:
            found = self._all
            if found is None:
                found = {}
                base = self._base.load() if self._base is not None else None
                if base is not None and "analysis_id" in base.fields:
                    found = dict(zip(base.keys(), base.column("analysis_id"), strict=True))
                elif base is not None:
                    found = {k: _key_in(base.parse(base.record(n)), "requests") for n, k in enumerate(base.keys())}
                found.update(self._told)
                self._all, self._base = found, None
            return found

    def get(self, doc_id: str) -> Any:
        return self._mapping().get(doc_id)

    def __setitem__(self, doc_id: str, key: Any) -> None:
        self._mapping()[doc_id] = key


__all__ = ["Found", "IssueOfRequests", "KEY_OF", "base_keys", "changed_keys", "latest_usable", "open_among", "stamp",
           "usable_request"]
