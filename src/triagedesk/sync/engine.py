"""Replication with a CouchDB-protocol server: push dirty records in `_bulk_docs` batches, pull `_changes`
pages into durable local writes, resolve conflicts deterministically, checkpoint on both sides."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from triagedesk.domain.requests.conflicts import winner
from triagedesk.domain.records import utcnow
from triagedesk.store.repositories import Store, replace_with, stamp
from triagedesk.sync.client import CouchClient, SyncError
from triagedesk.sync.pending import PendingRecords
from triagedesk.sync.wire import filled, record_fields, remote_id, shape_of, stored_form, wire_doc

KINDS = ("experts", "issues", "requests", "sessions", "outcomes", "corrections", "knowledge", "audit")
STATE = "_sync"        # per record: the remote revision and the `_updated_at` last in step with the server
META = "_sync_meta"    # the pull checkpoint
BATCH = 500           # documents per _bulk_docs request
PAGE = 1000           # changes per _changes page
IN_FLIGHT = 2          # _bulk_docs requests under way at once: the server works while we record answers

Progress = Callable[[str, int, int], None]


@dataclass
class SyncResult:
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    created_database: bool = False
    server_reset: bool = False  # the server had lost this desk's history: everything went again
    checkpoint: Any = None
    losers: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"pushed": self.pushed, "pulled": self.pulled, "conflicts": self.conflicts,
                "created_database": self.created_database, "server_reset": self.server_reset,
                "checkpoint": self.checkpoint}


def _remaining(page: dict[str, Any], last: Any, latest: Any) -> int:
    """About how many changes are left after this page: CouchDB says (`pending`); otherwise the distance
    from this page's sequence to the database's latest, whose number comes first (`123-g1AAA...` in CouchDB 3)."""
    if isinstance(page.get("pending"), int):
        return page["pending"]
    try:
        return max(int(str(latest).split("-")[0]) - int(str(last).split("-")[0]), 0)
    except ValueError:
        return 0


class Replicator:
    """Two-way replication between one local store and one remote database."""

    def __init__(self, store: Store, client: CouchClient, actor: str = "sync") -> None:
        self.store = store
        self.client = client
        self.actor = actor
        ident = f"{store.path.resolve()}|{client.remote.identity}"
        self.replication_id = "triagedesk-" + hashlib.sha1(ident.encode()).hexdigest()[:16]
        self.shapes = {kind: shape_of(store.repository(kind).model) for kind in KINDS}
        self._pending: PendingRecords | None = None

    # -- local sync state ---------------------------------------------------------------------
    def _state_of(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The sync state of just these records, through the id index (a pull page need not read them all)."""
        journal = self.store.journal
        journal.refresh()  # once; then straight lookups (a table's doc() would check the journal for each key)
        with journal.mutex:
            states = journal.tables.get(STATE, {})
            index = journal.id_index(STATE)
            return {key: states[index[key]] for key in keys if index.get(key) in states}

    def _set_state(self, entries: list[dict[str, Any]]) -> None:
        """Record (key, rev, updated_at) for pushed or pulled records, in the current transaction."""
        table = self.store.db.table(STATE)
        index = self.store.journal.id_index(STATE)
        inserts = []
        for entry in entries:
            entry = {"id": entry["key"], **entry}
            doc_id = index.get(entry["key"])
            if doc_id is None:
                inserts.append(entry)
            else:
                table.update(replace_with(entry), doc_ids=[int(doc_id)])
        if inserts:
            table.insert_multiple(inserts)

    def pending(self) -> list[tuple[str, dict[str, Any]]]:
        """Records changed locally since they were last in step with the server (see `PendingRecords`)."""
        if self._pending is None:
            self._pending = PendingRecords(self.store, KINDS, STATE)
        return self._pending.records()

    def close(self) -> None:
        """Stop following the store's changes (the client is the caller's to close)."""
        if self._pending is not None:
            self._pending.close()
            self._pending = None

    def checkpoint(self) -> Any:
        found = self.store.db.table(META).get(doc_id=1)
        return found.get("since", 0) if found else 0

    # -- push ----------------------------------------------------------------------------------
    def push(self, result: SyncResult, progress: Progress | None = None) -> None:
        """Send every pending record in `_bulk_docs` batches, two requests in flight, answers taken in order.

        Each worker builds and encodes its own batch, so the first request leaves at once and the server
        is never idle while this thread records the answers of the batch before."""
        dirty = self.pending()
        state = self._state_of([remote_id(kind, doc["id"]) for kind, doc in dirty])
        batches = [dirty[start:start + BATCH] for start in range(0, len(dirty), BATCH)]

        def send(batch: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
            docs = [wire_doc(kind, self.shapes[kind], doc, state.get(remote_id(kind, doc["id"]), {}).get("rev"))
                    for kind, doc in batch]
            return self.client.bulk_docs(docs)

        sent = 0
        with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
            futures = [pool.submit(send, batch) for batch in batches]
            try:
                for batch, future in zip(batches, futures):
                    answers = future.result()
                    self._take_push_answers(batch, answers, result)
                    sent += len(batch)
                    if progress is not None:
                        progress("push", sent, len(dirty))
            finally:
                for future in futures:
                    future.cancel()

    def _take_push_answers(self, batch: list[tuple[str, dict[str, Any]]], answers: list[dict[str, Any]],
                           result: SyncResult) -> None:
        done, conflicted = [], []
        for (kind, doc), answer in zip(batch, answers):
            key = remote_id(kind, doc["id"])
            if answer.get("ok"):
                done.append({"key": key, "rev": answer["rev"], "updated_at": doc.get("_updated_at")})
            elif answer.get("error") == "conflict":
                conflicted.append((kind, doc))
            else:
                raise SyncError(f"{self.client.remote.shown}: {key} refused: {answer.get('error')} {answer.get('reason', '')}")
        with self.store.transaction():
            self._set_state(done)
        result.pushed += len(done)
        if conflicted:
            self._resolve_push_conflicts(conflicted, result)

    def _resolve_push_conflicts(self, conflicted: list[tuple[str, dict[str, Any]]], result: SyncResult) -> None:
        """The server holds a newer revision: pick the winner; push ours on top, or take theirs."""
        current = self.client.fetch([remote_id(kind, doc["id"]) for kind, doc in conflicted])
        retry: list[dict[str, Any]] = []
        take: list[dict[str, Any]] = []
        same: list[dict[str, Any]] = []
        for kind, doc in conflicted:
            key = remote_id(kind, doc["id"])
            theirs = current.get(key)
            if theirs is None:  # deleted there, or never there (a revision we hold that it forgot): create it
                retry.append(wire_doc(kind, self.shapes[kind], doc))
                continue
            their_fields = filled(self.shapes[kind], theirs.get("data") or {})
            if theirs.get("updated_at") == doc.get("_updated_at") and their_fields == record_fields(doc):
                same.append({"key": key, "rev": theirs["_rev"], "updated_at": doc.get("_updated_at")})
                continue  # the same version already: take its revision, nothing to resolve
            result.conflicts += 1
            if winner(kind, record_fields(doc), doc.get("_updated_at") or "", their_fields,
                      theirs.get("updated_at") or "") == "mine":
                retry.append(wire_doc(kind, self.shapes[kind], doc, theirs["_rev"]))
                self._audit_loser(kind, doc["id"], their_fields, record_fields(doc))
            else:
                take.append(theirs)
        if same:
            with self.store.transaction():
                self._set_state(same)
        if take:
            self._apply(take, result, count_pulled=False)
        if retry:
            answers = self.client.bulk_docs(retry)
            done = [{"key": d["_id"], "rev": a["rev"], "updated_at": d["updated_at"]}
                    for d, a in zip(retry, answers) if a.get("ok")]
            with self.store.transaction():
                self._set_state(done)
            result.pushed += len(done)

    def _audit_loser(self, kind: str, key: str, loser: dict[str, Any], kept: dict[str, Any]) -> None:
        with self.store.transaction():
            self.store.audit(self.actor, "sync_conflict", kind, key, loser, kept,
                             note="the losing revision; the kept one is `after`")

    # -- pull ----------------------------------------------------------------------------------
    def pull(self, result: SyncResult, progress: Progress | None = None, longpoll: bool = False,
             read_timeout: float = 30.0) -> None:
        """Apply `_changes` pages in order; the next page is fetched while this one is written."""
        since = self._agreed_checkpoint(result)
        start, pages, seen = since, 0, 0
        latest = None if longpoll or progress is None else self.client.update_seq()
        with ThreadPoolExecutor(max_workers=1) as pool:
            fetching = pool.submit(self.client.changes, since, PAGE, longpoll=longpoll, read_timeout=read_timeout)
            while True:
                page = fetching.result()
                last = page.get("last_seq", since)
                done = longpoll or not page.get("results") or last == since
                if not done:  # the server's next answer is worked out while we write this page
                    fetching = pool.submit(self.client.changes, last, PAGE)
                docs = [row["doc"] for row in page.get("results", []) if row.get("doc")]
                docs = [d for d in docs if not d["_id"].startswith("_design/")]
                try:
                    self._apply(docs, result, checkpoint=last)  # the local checkpoint moves in the same write
                except BaseException:
                    fetching.cancel()
                    raise
                pages += 1
                if pages % 10 == 0:
                    self._checkpoint_remote(last)  # as CouchDB's replicator does: every so often, and at the end
                seen += len(page.get("results", []))
                if progress is not None:
                    progress("pull", seen, seen + _remaining(page, last, latest))
                since = last
                if done:
                    break
        if since != start or pages % 10:
            self._checkpoint_remote(since)
        result.checkpoint = since

    def _checkpoint_remote(self, seq: Any) -> None:
        self.client.put_local(self.replication_id, {"last_seq": seq, "updated_at": stamp(utcnow())})

    def _agreed_checkpoint(self, result: SyncResult) -> Any:
        """Our checkpoint, unless the server's copy differs or is gone: then the pull starts over."""
        remote = self._remote_checkpoint(result)
        local = self.checkpoint()
        if local in (0, "0", None) or remote is None or remote.get("last_seq") != local:
            return 0
        return local

    def _remote_checkpoint(self, result: SyncResult) -> dict[str, Any] | None:
        """Our `_local` checkpoint on the server. When it is gone although we have synced with this server,
        the database was recreated or restored without us: its revisions are not the ones we hold, so we
        forget them, and everything is pushed again and pulled from the start."""
        remote = self.client.get_local(self.replication_id)
        if remote is None and len(self.store.db.table(STATE)):
            with self.store.transaction():
                self.store.db.table(STATE).truncate()
                meta = self.store.db.table(META)
                if meta.get(doc_id=1):
                    meta.update({"since": 0}, doc_ids=[1])
            result.server_reset = True
        return remote

    def _apply(self, docs: list[dict[str, Any]], result: SyncResult, checkpoint: Any = None,
               count_pulled: bool = True) -> None:
        """Apply remote revisions in one durable write: new records, newer versions, resolved conflicts."""
        with self.store.transaction():  # caught up with other writers: the id indexes are current
            state = self._state_of([remote["_id"] for remote in docs])
            entries = []
            inserts: dict[str, list[dict[str, Any]]] = {}
            for remote in docs:
                key = remote["_id"]
                kind = remote.get("type")
                if kind not in KINDS or ":" not in key:
                    continue
                record_id = key.split(":", 1)[1]
                data = filled(self.shapes[kind], remote.get("data") or {})
                updated = remote.get("updated_at") or ""
                table = self.store.db.table(kind)
                doc_id = self.store.journal.id_index(kind).get(record_id)
                local = table.doc(int(doc_id)) if doc_id else None
                known = state.get(key, {})
                entry = {"key": key, "rev": remote["_rev"], "updated_at": updated}
                changed = True
                if remote.get("_deleted"):
                    if doc_id is not None:
                        table.remove(doc_ids=[int(doc_id)])
                    else:
                        changed = False
                    entries.append(entry)
                    result.pulled += int(changed and count_pulled)
                    continue
                incoming = stored_form(self.shapes[kind], data, updated)
                if local is None:
                    inserts.setdefault(kind, []).append(incoming)
                elif local.get("_updated_at") == updated:
                    changed = False  # already the same version (our own, echoed back)
                elif known.get("updated_at") == local.get("_updated_at"):
                    table.update(replace_with(incoming), doc_ids=[int(doc_id)])  # no local edit since: take it
                else:
                    result.conflicts += 1
                    if winner(kind, record_fields(local), local.get("_updated_at") or "", data, updated) == "theirs":
                        self.store.audit(self.actor, "sync_conflict", kind, record_id, record_fields(local), data,
                                         note="the losing revision; the kept one is `after`")
                        table.update(replace_with(incoming), doc_ids=[int(doc_id)])
                    else:
                        self.store.audit(self.actor, "sync_conflict", kind, record_id, data, record_fields(local),
                                         note="the losing revision; the kept one is `after`")
                        entry["updated_at"] = "conflict-kept-local"  # stays dirty: pushed over their revision
                        changed = False
                entries.append(entry)
                if count_pulled and changed:
                    result.pulled += 1
            for kind, new_docs in inserts.items():
                self.store.db.table(kind).insert_multiple(new_docs)
            self._set_state(entries)
            if checkpoint is not None:
                meta = self.store.db.table(META)
                if meta.get(doc_id=1):
                    meta.update({"since": checkpoint}, doc_ids=[1])
                else:
                    meta.insert({"since": checkpoint})

    # -- together ------------------------------------------------------------------------------
    def sync(self, push: bool = True, pull: bool = True, progress: Progress | None = None) -> SyncResult:
        result = SyncResult()
        result.created_database = self.client.ensure_database()
        if pull:
            self.pull(result, progress)
        else:
            self._remote_checkpoint(result)
        if push:
            self.push(result, progress)
        if pull and push and result.conflicts:
            self.pull(result, progress)
        if not pull:  # leave our checkpoint on the server: its absence later means the server forgot us
            self._checkpoint_remote(self.checkpoint())
        return result

    def live(self, on_round: Callable[[SyncResult], None], stop: Callable[[], bool],
             read_timeout: float = 10.0, on_error: Callable[[SyncError], None] | None = None) -> None:
        """Follow the longpoll feed, pushing local changes between polls, until `stop()`.

        With `on_error`, a lost server is told to it and waited out (1 s, then longer, up to 30 s between
        tries) instead of ending the follow; without it, the error is raised."""
        delay, lost = 1.0, True  # the database is made sure of at the start and after each failure
        while not stop():
            result = SyncResult()
            try:
                if lost:
                    self.client.ensure_database()
                    lost = False
                self.push(result)
                self.pull(result, longpoll=True, read_timeout=read_timeout)
            except SyncError as exc:
                if stop():
                    return
                if on_error is None:
                    raise
                on_error(exc)
                lost = True
                _wait(delay, stop)
                delay = min(delay * 2, 30.0)
                continue
            delay = 1.0
            on_round(result)


def _wait(seconds: float, stop: Callable[[], bool]) -> None:
    """Sleep, waking early when `stop()` turns true."""
    deadline = time.monotonic() + seconds
    while not stop() and time.monotonic() < deadline:
        time.sleep(min(0.2, max(deadline - time.monotonic(), 0.0)))
