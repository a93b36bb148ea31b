"""Replication with a CouchDB-protocol server: push dirty records in `_bulk_docs` batches, pull `_changes`
pages into durable local writes, resolve conflicts deterministically, checkpoint on both sides."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from pydantic import BaseModel

from triagedesk.domain.instants import stamp
from triagedesk.domain.records import utcnow
from triagedesk.domain.requests.conflicts import winner
from triagedesk.store.repositories import Store
from triagedesk.store.validity import MODELS, REJECTED
from triagedesk.sync.arrival import Refused, admit, merged
from triagedesk.sync.client import CouchClient, SyncError
from triagedesk.sync.incoming import (
    LOSER_NOTE,
    STATE,
    Incoming,
    Rejection,
    record_rejections,
    replacing,
    state_entry,
    table_of,
)
from triagedesk.sync.pending import PendingRecords
from triagedesk.sync.results import Outgoing, SyncResult, remaining
from triagedesk.sync.wire import record_fields, remote_id, shape_of, wire_doc

KINDS = ("experts", "issues", "requests", "sessions", "outcomes", "corrections", "knowledge", "schedules",
         "calendars", "audit", "outbox", "alerts", "maintenance")
"""What replicates: every record kind, the outbox too (every desk sees what was sent, failed or is pending,
whoever's dispatcher wrote it; the lease holder sends what is pending)."""
META = "_sync_meta"    # the pull checkpoint, and whether this desk ever left one on the server
BATCH = 500           # documents per _bulk_docs request
PAGE = 1000           # changes per _changes page
IN_FLIGHT = 2          # _bulk_docs requests under way at once: the server works while we record answers

Progress = Callable[[str, int, int], None]


class Replicator:
    """Two-way replication between one local store and one remote database."""

    def __init__(self, store: Store, client: CouchClient, actor: str = "sync") -> None:
        self.store = store
        self.client = client
        self.actor = actor
        ident = f"{store.path.resolve()}|{client.remote.identity}"
        self.replication_id = "triagedesk-" + hashlib.sha1(ident.encode()).hexdigest()[:16]
        self.shapes = {kind: shape_of(cast(type[BaseModel], store.repository(kind).model)) for kind in KINDS}
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
                table.update(replacing(entry), doc_ids=[int(doc_id)])
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

    def quarantined(self) -> list[dict[str, Any]]:
        """The store's rejected list: what the models or the server refused, oldest first."""
        self.store.refresh()
        return sorted((dict(doc) for doc in self.store.db.table(REJECTED)), key=lambda d: str(d.get("at")))

    def take_server(self, keys: list[str]) -> list[str]:
        """Undo refused local changes: the server's current version of each document replaces this desk's
        (audited as a sync conflict, so the local version is kept in the audit). The keys not on the server."""
        current = self.client.fetch(keys)
        missing = [key for key in keys if key not in current]
        with self.store.transaction():
            state = self._state_of(list(current))
            # as if this desk had not edited them: each is then taken like any newer revision
            forgotten = {key: {**entry, "rev": None} for key, entry in state.items()}
            for key in current:
                kind, _, record_id = key.partition(":")
                doc_id = self.store.journal.id_index(kind).get(record_id) if kind in KINDS else None
                local = table_of(self.store, kind).doc(int(doc_id)) if doc_id is not None else None
                if local is not None:
                    self.store.audit(self.actor, "take_server", kind, record_id, record_fields(local), None,
                                     note="the local version, replaced by the server's")
                    forgotten[key] = {"rev": None, "updated_at": local.get("_updated_at")}
            incoming = Incoming(self.store, self.actor, forgotten, SyncResult(), count_pulled=False)
            for doc in current.values():
                incoming.take(doc)
            self._set_state(incoming.entries)
            incoming.finish()
        return missing

    def _meta(self) -> dict[str, Any]:
        found = self.store.db.table(META).get(doc_id=1)
        return dict(found) if isinstance(found, dict) else {}

    def checkpoint(self) -> Any:
        found = self.store.db.table(META).get(doc_id=1)
        return found.get("since", 0) if found else 0

    # -- push ----------------------------------------------------------------------------------
    def outgoing(self) -> list[Outgoing]:
        """What the next push sends: every pending record, then a tombstone for every record deleted here."""
        dirty = self.pending()
        state = self._state_of([remote_id(kind, doc["id"]) for kind, doc in dirty])
        out = [Outgoing(remote_id(kind, doc["id"]), kind, doc, state.get(remote_id(kind, doc["id"]), {}).get("rev"))
               for kind, doc in dirty]
        assert self._pending is not None
        out += [Outgoing(key, key.split(":", 1)[0], None, rev) for key, rev in self._pending.removed()]
        return out

    def _wire(self, item: Outgoing, rev: str | None) -> dict[str, Any]:
        if item.doc is None:
            return {"_id": item.key, "_rev": rev, "_deleted": True, "type": item.kind}
        return wire_doc(item.kind, self.shapes[item.kind], item.doc, rev)

    def push(self, result: SyncResult, progress: Progress | None = None) -> None:
        """Send every pending record in `_bulk_docs` batches, two requests in flight, answers taken in order.

        Each worker builds and encodes its own batch, so the first request leaves at once and the server
        is never idle while this thread records the answers of the batch before."""
        items = self.outgoing()
        batches = [items[start:start + BATCH] for start in range(0, len(items), BATCH)]

        def send(batch: list[Outgoing]) -> list[dict[str, Any]]:
            return self.client.bulk_docs([self._wire(item, item.rev) for item in batch])

        sent = 0
        with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
            futures = [pool.submit(send, batch) for batch in batches]
            try:
                for batch, future in zip(batches, futures, strict=True):
                    answers = future.result()
                    self._take_push_answers(batch, answers, result)
                    sent += len(batch)
                    if progress is not None:
                        progress("push", sent, len(items))
            finally:
                for future in futures:
                    future.cancel()

    def _take_push_answers(self, batch: list[Outgoing], answers: list[dict[str, Any]], result: SyncResult) -> None:
        done: list[dict[str, Any]] = []
        conflicted: list[Outgoing] = []
        refused: list[Rejection] = []
        now = stamp(utcnow())
        by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
        for item, answer in zip(batch, answers, strict=False):
            answer = by_id.get(item.key, answer)  # by id: PouchDB answers refusals out of order
            if answer.get("ok"):
                done.append(self._sent(item, answer["rev"]))
            elif answer.get("error") == "conflict":
                conflicted.append(item)
            elif answer.get("error") in ("forbidden", "unauthorized"):
                # the server's rules refuse this change: kept here, shown once, not sent again until edited
                refused.append(Rejection(item.key, item.rev, f"refused by the server: {answer.get('reason', '')}", now))
                done.append(state_entry(item.key, item.rev, item.doc.get("_updated_at") if item.doc else None,
                                        deleted=item.doc is None))
            else:
                raise SyncError(f"{self.client.remote.shown}: {item.key} refused: {answer.get('error')} "
                                f"{answer.get('reason', '')}")
        with self.store.transaction():
            self._set_state(done)
            refused_keys = {r.key for r in refused}
            record_rejections(self.store, refused, [e["key"] for e in done if e["key"] not in refused_keys],
                              source="refused")
        result.pushed += len(done) - len(refused)
        result.refused += refused
        if conflicted:
            self._resolve_push_conflicts(conflicted, result)

    @staticmethod
    def _sent(item: Outgoing, rev: str) -> dict[str, Any]:
        if item.doc is None:
            return state_entry(item.key, rev, None, deleted=True)
        return state_entry(item.key, rev, item.doc.get("_updated_at"))

    def _resolve_push_conflicts(self, conflicted: list[Outgoing], result: SyncResult) -> None:
        """The server holds a revision this desk has not seen: resolve; push ours on top, or take theirs."""
        current = self.client.fetch([item.key for item in conflicted])
        retry: list[tuple[Outgoing, str | None]] = []
        take: list[dict[str, Any]] = []
        same: list[dict[str, Any]] = []
        now = utcnow()
        for item in conflicted:
            theirs = current.get(item.key)
            if theirs is None:  # never there (a revision we hold that it forgot): create it
                retry.append((item, None))
                continue
            if theirs.get("_deleted"):
                if item.doc is None:
                    same.append(state_entry(item.key, theirs["_rev"], None, deleted=True))
                else:  # a stale edit does not bring a deleted record back: the deletion wins, audited
                    take.append(theirs)
                continue
            verdict = admit(theirs, MODELS, now)
            if isinstance(verdict, Refused):  # an invalid revision there: ours, valid, replaces it
                retry.append((item, theirs["_rev"]))
                continue
            their_fields = merged(verdict.fields, verdict.extra)
            if item.doc is None:  # deleted here, edited there: the deletion wins, the edit is audited
                result.conflicts += 1
                self._audit(item.kind, item.key.split(":", 1)[1], their_fields, None,
                            "an edit on the server lost to this desk's deletion")
                retry.append((item, theirs["_rev"]))
                continue
            mine = record_fields(item.doc)
            if their_fields == mine:
                same.append(state_entry(item.key, theirs["_rev"], item.doc.get("_updated_at")))
                continue  # the same version already: take its revision, nothing to resolve
            if item.kind == "audit":  # append-only: ours was there first
                retry.append((item, theirs["_rev"]))
                continue
            mine_at = item.doc.get("_updated_at") or ""
            if winner(item.kind, mine, mine_at, their_fields, verdict.conflict_time) == "mine":
                result.conflicts += 1
                retry.append((item, theirs["_rev"]))
                self._audit(item.kind, item.doc["id"], their_fields, mine, LOSER_NOTE)
            else:
                take.append(theirs)  # applied as a pull: the same rule, counted and audited there
        if same:
            with self.store.transaction():
                self._set_state(same)
        if take:
            self._apply(take, result, count_pulled=False)
        if retry:
            answers = self.client.bulk_docs([self._wire(item, rev) for item, rev in retry])
            by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
            done = [self._sent(item, by_id[item.key]["rev"]) for item, _ in retry
                    if by_id.get(item.key, {}).get("ok")]
            with self.store.transaction():
                self._set_state(done)
                record_rejections(self.store, [], [e["key"] for e in done])
            result.pushed += len(done)

    def _audit(self, kind: str, key: str, loser: dict[str, Any] | None, kept: dict[str, Any] | None,
               note: str) -> None:
        with self.store.transaction():
            self.store.audit(self.actor, "sync_conflict", kind, key, loser, kept, note=note)

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
                    progress("pull", seen, seen + remaining(page, last, latest))
                since = last
                if done:
                    break
        if since != start or pages % 10:
            self._checkpoint_remote(since)
        result.checkpoint = since

    def _checkpoint_remote(self, seq: Any) -> None:
        self.client.put_local(self.replication_id, {"last_seq": seq, "updated_at": stamp(utcnow())})
        meta = self.store.db.table(META)
        if not self._meta().get("checkpointed"):
            with self.store.transaction():
                if meta.get(doc_id=1):
                    meta.update({"checkpointed": True}, doc_ids=[1])
                else:
                    meta.insert({"since": 0, "checkpointed": True})

    def _agreed_checkpoint(self, result: SyncResult) -> Any:
        """Our checkpoint, unless the server's copy differs or is gone: then the pull starts over."""
        remote = self._remote_checkpoint(result)
        local = self.checkpoint()
        if local in (0, "0", None) or remote is None or remote.get("last_seq") != local:
            return 0
        return local

    def _remote_checkpoint(self, result: SyncResult) -> dict[str, Any] | None:
        """Our `_local` checkpoint on the server. When it is gone although this desk left one there, the
        database was recreated or restored without us: its revisions are not the ones we hold, so we
        forget them, and everything is pushed again and pulled from the start. (A first sync cut off before
        its checkpoint left none: that is no loss, and its revisions are still good.)"""
        remote = self.client.get_local(self.replication_id)
        meta = self.store.db.table(META)
        if remote is None and self._meta().get("checkpointed"):
            with self.store.transaction():
                self.store.db.table(STATE).truncate()
                meta.update({"since": 0, "checkpointed": False}, doc_ids=[1])
            result.server_reset = True
        return remote

    def _apply(self, docs: list[dict[str, Any]], result: SyncResult, checkpoint: Any = None,
               count_pulled: bool = True) -> None:
        """Apply remote revisions in one durable write (see `Incoming`)."""
        with self.store.transaction():  # caught up with other writers: the id indexes are current
            state = self._state_of([remote["_id"] for remote in docs])
            incoming = Incoming(self.store, self.actor, state, result, count_pulled)
            for remote in docs:
                incoming.take(remote)
            self._set_state(incoming.entries)
            incoming.finish()
            if checkpoint is not None:
                meta = self.store.db.table(META)
                if meta.get(doc_id=1):
                    meta.update({"since": checkpoint}, doc_ids=[1])
                else:
                    meta.insert({"since": checkpoint})

    # -- together ------------------------------------------------------------------------------
    def sync(self, push: bool = True, pull: bool = True, progress: Progress | None = None) -> SyncResult:
        result = SyncResult()
        self.client.ensure_database()
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
