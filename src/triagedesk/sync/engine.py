"""Replication with a CouchDB-protocol server: push dirty records in `_bulk_docs` batches, pull `_changes`
pages into durable local writes, resolve conflicts deterministically, checkpoint on both sides."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from triagedesk.app.replica import Changes, Replica
from triagedesk.domain.instants import stamp
from triagedesk.domain.kinds import MODELS
from triagedesk.domain.records import utcnow
from triagedesk.sync.branches import Loss, ServerConflicts
from triagedesk.sync.checkpoints import Checkpoints
from triagedesk.sync.client import CouchClient, SyncError
from triagedesk.sync.embedded import EMBEDDED, carried_keys, carried_rev, records_field
from triagedesk.sync.incoming import Incoming, Rejection, keeping_top, record_rejections, state_entry
from triagedesk.sync.push_conflicts import PushConflicts
from triagedesk.sync.results import Outgoing, SyncResult, remaining
from triagedesk.sync.security import whoami
from triagedesk.sync.wire import generation, record_fields, remote_id, shape_of, wire_doc

KINDS = ("experts", "issues", "requests", "sessions", "outcomes", "corrections", "knowledge", "schedules",
         "calendars", "audit", "outbox", "alerts", "maintenance")
"""What replicates: every record kind, the outbox too (every desk sees what was sent, failed or is pending,
whoever's dispatcher wrote it; the lease holder sends what is pending)."""
BATCH = 500           # documents per _bulk_docs request
PAGE = 1000           # changes per _changes page
IN_FLIGHT = 2          # _bulk_docs requests under way at once: the server works while we record answers

Progress = Callable[[str, int, int], None]


class Replicator(Checkpoints, PushConflicts):
    """Two-way replication between the desk's records (its replica port) and one remote database."""

    def __init__(self, replica: Replica, client: CouchClient, actor: str = "sync") -> None:
        self.replica = replica
        self.client = client
        self.actor = actor
        ident = f"{replica.identity}|{client.remote.identity}"
        self.replication_id = "triagedesk-" + hashlib.sha1(ident.encode()).hexdigest()[:16]
        self.shapes = {kind: shape_of(MODELS[kind]) for kind in KINDS}
        self._pending: Changes | None = None
        self.branches = ServerConflicts(client.bulk_get, client.bulk_docs, actor, utcnow)
        self.writer: dict[str, Any] | None = None
        """Who this desk's revisions say wrote them (`by`): the server's user, set by `identify`."""

    # -- local sync state ---------------------------------------------------------------------
    def _state_of(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The sync state of just these records (a pull page need not read them all)."""
        return self.replica.states(keys)

    def _set_state(self, entries: list[dict[str, Any]]) -> None:
        """Record (key, rev, updated_at) for pushed or pulled records, in the current transaction."""
        held = self.replica.states([entry["key"] for entry in entries if "top" not in entry])
        self.replica.set_states([keeping_top(entry, held.get(entry["key"])) for entry in entries])

    def pending(self) -> list[tuple[str, dict[str, Any]]]:
        """Records changed locally since they were last in step with the server (the replica's `changes`)."""
        if self._pending is None:
            self._pending = self.replica.changes(KINDS)
        return self._pending.records()

    def close(self) -> None:
        """Stop following the records' changes (the client is the caller's to close)."""
        if self._pending is not None:
            self._pending.close()
            self._pending = None

    def quarantined(self) -> list[dict[str, Any]]:
        """The rejected list: what the models or the server refused, oldest first."""
        self.replica.refresh()
        return sorted(self.replica.rejections(), key=lambda d: str(d.get("at")))

    def take_server(self, keys: list[str]) -> list[str]:
        """Undo refused local changes: the server's current version of each document replaces this desk's
        (audited as a sync conflict, so the local version is kept in the audit). The keys not on the server."""
        current = self.client.fetch(keys)
        missing = [key for key in keys if key not in current]
        with self.replica.transaction():
            state = self._state_of(list(current))
            # as if this desk had not edited them: each is then taken like any newer revision
            forgotten = {key: {**entry, "rev": None} for key, entry in state.items()}
            for key in current:
                kind, _, record_id = key.partition(":")
                local = self.replica.record(kind, record_id) if kind in KINDS else None
                if local is not None:
                    self.replica.audit(self.actor, "take_server", kind, record_id, record_fields(local), None,
                                     note="the local version, replaced by the server's")
                    forgotten[key] = {"rev": None, "updated_at": local.get("_updated_at")}
            incoming = Incoming(self.replica, self.actor, forgotten, SyncResult(), count_pulled=False)
            for doc in current.values():
                incoming.take(doc)
            self._set_state(incoming.entries)
            incoming.finish()
        return missing

    # -- push ----------------------------------------------------------------------------------
    def outgoing(self) -> list[Outgoing]:
        """What the next push sends: every pending record, then a tombstone for every record deleted here. An
        outcome or correction of a request this desk holds goes inside that request's document, with all the
        others of that request (`embedded`)."""
        dirty = self.pending()
        carriers = {doc["id"] for kind, doc in dirty if kind == "requests"}
        sent = []
        for kind, doc in dirty:
            owner = doc.get("request_id") if kind in EMBEDDED else None
            request = self.replica.record("requests", owner) if owner and owner not in carriers else None
            if not owner:
                sent.append((kind, doc))
            elif owner in carriers:
                continue  # its request goes anyway, carrying it
            elif request is None:
                sent.append((kind, doc))
            else:  # a request not changed itself goes again, carrying its new record
                carriers.add(owner)
                sent.append(("requests", request))
        carried = self.replica.carried(carriers, EMBEDDED)
        state = self._state_of([remote_id(kind, doc["id"]) for kind, doc in sent])
        out = []
        for kind, doc in sent:
            key = remote_id(kind, doc["id"])
            held = state.get(key, {})
            out.append(Outgoing(key, kind, doc, held.get("rev"), held.get("top") or {},
                                carried.get(doc["id"], ()) if kind == "requests" else ()))
        assert self._pending is not None
        out += [Outgoing(key, key.split(":", 1)[0], None, rev) for key, rev in self._pending.removed()]
        return out

    def _wire(self, item: Outgoing, rev: str | None) -> dict[str, Any]:
        if item.doc is None:
            return {"_id": item.key, "_rev": rev, "_deleted": True, "type": item.kind}
        by = {**self.writer, "gen": generation(rev) + 1} if self.writer else None
        records = records_field(self.shapes, item.carried) if item.carried else None
        return wire_doc(item.kind, self.shapes[item.kind], item.doc, rev, item.top, by, records)

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
        taken = 0
        for item, answer in zip(batch, answers, strict=False):
            answer = by_id.get(item.key, answer)  # by id: PouchDB answers refusals out of order
            if answer.get("ok"):
                done += self._sent(item, answer["rev"])
                taken += 1
            elif answer.get("error") == "conflict":
                conflicted.append(item)
            elif answer.get("error") in ("forbidden", "unauthorized"):
                # the server's rules refuse this change: kept here, shown once, not sent again until edited
                refused.append(Rejection(item.key, item.rev, f"refused by the server: {answer.get('reason', '')}", now))
                done.append(state_entry(item.key, item.rev, item.doc.get("_updated_at") if item.doc else None,
                                        deleted=item.doc is None))
                done += [state_entry(f"{kind}:{doc['id']}", carried_rev(item.rev), doc.get("_updated_at"))
                         for kind, doc in item.carried]
            else:
                raise SyncError(f"{self.client.remote.shown}: {item.key} refused: {answer.get('error')} "
                                f"{answer.get('reason', '')}")
        with self.replica.transaction():
            self._set_state(done)
            refused_keys = {r.key for r in refused}
            record_rejections(self.replica, refused, [e["key"] for e in done if e["key"] not in refused_keys],
                              source="refused")
        result.pushed += taken  # documents: a request's carried records travel in it
        result.refused += refused
        if conflicted:
            self._resolve_push_conflicts(conflicted, result)

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
                rows = [row for row in page.get("results", [])
                        if row.get("doc") and not str(row["doc"].get("_id", "")).startswith("_design/")]
                try:
                    settled = self.branches.settle(rows)  # server-side conflicts resolved first, then applied
                    result.server_conflicts += settled.resolved
                    self._apply(settled.docs, result, checkpoint=last, losses=settled.losses,
                                unchecked=settled.chosen)
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

    def _apply(self, docs: list[dict[str, Any]], result: SyncResult, checkpoint: Any = None,
               count_pulled: bool = True, losses: Sequence[Loss] = (), unchecked: set[str] | None = None) -> None:
        """Apply remote revisions in one durable write (see `Incoming`), with the audit of the server
        conflicts' losing branches this desk closed."""
        with self.replica.transaction():  # caught up with other writers: the id indexes are current
            for loss in losses:
                self.replica.audit(self.actor, "sync_conflict", loss.kind, loss.record_id, loss.fields, loss.kept,
                                 note=f"a server conflict's losing branch {loss.rev}; the kept one is `after`")
            state = self._state_of([remote["_id"] for remote in docs] + carried_keys(docs))
            incoming = Incoming(self.replica, self.actor, state, result, count_pulled)
            incoming.unchecked = unchecked or set()
            for remote in docs:
                incoming.take(remote)
            self._set_state(incoming.entries)
            incoming.finish()
            if checkpoint is not None:
                self._set_local_checkpoint(checkpoint)

    # -- together ------------------------------------------------------------------------------
    def identify(self) -> None:
        """Ask the server who this desk syncs as (`_session`): its revisions say so in `by`."""
        if self.writer is None:
            self.writer = whoami(self.client).writer

    def sync(self, push: bool = True, pull: bool = True, progress: Progress | None = None) -> SyncResult:
        result = SyncResult()
        self.client.ensure_database()
        self.identify()
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
                    self.identify()
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
