"""Applying the server's revisions to the store: a revision this desk does not hold is a new version, whatever
its `updated_at` says; a local edit since the last revision in step makes it a conflict, resolved by the domain's
winner rule and audited; what the models refuse goes to the rejected list; deletions remove (audited), except
of audit entries, which are append-only."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, cast

from triagedesk.domain.instants import stamp
from triagedesk.domain.records import utcnow
from triagedesk.domain.requests.conflicts import winner
from triagedesk.store.repositories import Store, replace_with
from triagedesk.store.table import JournalTable
from triagedesk.store.validity import MODELS, REJECTED
from triagedesk.sync.arrival import Admitted, Refused, admit, merged, stored
from triagedesk.sync.wire import record_fields

STATE = "_sync"        # per record: the remote revision and the `_updated_at` last in step with the server
KEPT_LOCAL = "conflict-kept-local"  # a state's `updated_at` that leaves the record pending: pushed over theirs
LOSER_NOTE = "the losing revision; the kept one is `after`"


@dataclass
class Rejection:
    key: str
    rev: str | None
    error: str
    at: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.key, "rev": self.rev, "error": self.error, "at": self.at}


@dataclass
class Tally:
    pulled: int = 0
    conflicts: int = 0
    rejected: list[Rejection] = field(default_factory=list)


def table_of(store: Store, name: str) -> JournalTable:
    """One of the store's tables, as the journal's table it is (with `doc`)."""
    return store.db.table(name)


def replacing(doc: dict[str, Any]) -> Callable[[MutableMapping[Any, Any]], None]:
    """A TinyDB update that makes the stored document exactly `doc`."""
    return cast(Callable[[MutableMapping[Any, Any]], None], replace_with(doc))


def state_entry(key: str, rev: str | None, updated_at: str | None, deleted: bool = False) -> dict[str, Any]:
    return {"key": key, "rev": rev, "updated_at": updated_at, "deleted": deleted}


class Incoming:
    """One durable write of server documents into the store (the caller holds the transaction)."""

    def __init__(self, store: Store, actor: str, state: dict[str, dict[str, Any]], tally: Tally,
                 count_pulled: bool = True) -> None:
        self.store = store
        self.actor = actor
        self.state = state
        self.tally = tally
        self.count_pulled = count_pulled
        self.now = utcnow()
        self.entries: list[dict[str, Any]] = []
        self.cleared: list[str] = []
        self._new: dict[str, dict[str, dict[str, Any]]] = {}
        """Records this desk does not hold yet, by kind and id: inserted together by `flush` (one table write a
        kind, not one a record: a page of 1,000 new records cost 1,000 writes of the table)."""
        rejected = [dict(doc) for doc in table_of(store, REJECTED)]
        self.rejected_revs = {d.get("id"): d.get("rev") for d in rejected if d.get("source") == "server"}
        self.refused = {d.get("id") for d in rejected if d.get("source") == "refused"}  # kept here, not there

    # -- one document ------------------------------------------------------------------------
    def take(self, remote: dict[str, Any]) -> None:
        key = str(remote.get("_id", ""))
        if key.startswith(("_design/", "_local/")):
            return
        rev = remote.get("_rev")
        known = self.state.get(key, {})
        if rev is not None and known.get("rev") == rev:
            return  # the revision this desk holds already (its own push, echoed back)
        if remote.get("_deleted"):
            self._deletion(key, rev, known)
            return
        if rev is not None and self.rejected_revs.get(key) == rev:
            return  # refused before
        verdict = admit(remote, MODELS, self.now)
        if isinstance(verdict, Refused):
            self._reject(key, rev, verdict.error)
            return
        self._live(key, rev, known, verdict)

    def flush(self) -> None:
        """Insert the records new to this desk that `take` gathered (in the page's transaction)."""
        for kind, records in self._new.items():
            table_of(self.store, kind).insert_multiple(list(records.values()))
        self._new.clear()

    def _local(self, kind: str, record_id: str) -> tuple[int | None, dict[str, Any] | None]:
        if record_id in self._new.get(kind, ()):
            self.flush()  # the same record again in this page: held, so found, as the store will hold it
        doc_id = self.store.journal.id_index(kind).get(record_id)
        if doc_id is None:
            return None, None
        return int(doc_id), table_of(self.store, kind).doc(int(doc_id))

    def _live(self, key: str, rev: str | None, known: dict[str, Any], arrived: Admitted) -> None:
        kind, record_id = arrived.kind, arrived.record_id
        doc_id, local = self._local(kind, record_id)
        incoming = stored(arrived)
        theirs = merged(arrived.fields, arrived.extra)
        table = table_of(self.store, kind)
        self.cleared.append(key)
        if local is None:
            if known and not known.get("deleted"):  # deleted here, not yet pushed: the deletion wins
                self.tally.conflicts += 1
                self.store.audit(self.actor, "sync_conflict", kind, record_id, theirs, None,
                                 note="an edit from the server lost to this desk's deletion")
                self.entries.append(state_entry(key, rev, None))
                return
            self._new.setdefault(kind, {})[record_id] = incoming  # a later revision in the page replaces it
            self._took(key, rev, arrived.updated_at)
            return
        mine = record_fields(local)
        dirty = not known or known.get("updated_at") != local.get("_updated_at")
        if mine == theirs:  # the same content: nothing to resolve, only the revision to take
            self.entries.append(state_entry(key, rev, local.get("_updated_at")))
            return
        if kind == "audit":
            self._reject(key, rev, "audit entries are append-only: a change to an existing one is refused")
            self.entries.append(state_entry(key, rev, KEPT_LOCAL))  # ours goes back over it
            return
        if not dirty:
            if key in self.refused:  # the change the server refused gives way to its newer version: audited
                self.store.audit(self.actor, "sync_conflict", kind, record_id, mine, theirs,
                                 note="a change the server refused, replaced by the server's newer version")
            table.update(replacing(incoming), doc_ids=[doc_id])
            self._took(key, rev, arrived.updated_at)
            return
        self.tally.conflicts += 1
        if winner(kind, mine, local.get("_updated_at") or "", theirs, arrived.conflict_time) == "theirs":
            self.store.audit(self.actor, "sync_conflict", kind, record_id, mine, theirs, note=LOSER_NOTE)
            table.update(replacing(incoming), doc_ids=[doc_id])
            self._took(key, rev, arrived.updated_at)
        else:
            self.store.audit(self.actor, "sync_conflict", kind, record_id, theirs, mine, note=LOSER_NOTE)
            self.entries.append(state_entry(key, rev, KEPT_LOCAL))

    def _took(self, key: str, rev: str | None, updated_at: str) -> None:
        entry = state_entry(key, rev, updated_at)
        self.entries.append(entry)
        self.state[key] = entry  # a later revision in the same page finds this one taken, not a local edit
        if self.count_pulled:
            self.tally.pulled += 1

    def _deletion(self, key: str, rev: str | None, known: dict[str, Any]) -> None:
        """A tombstone, as any CouchDB client writes it (`_deleted`, with or without a `type`)."""
        kind, _, record_id = key.partition(":")
        if kind not in MODELS or not record_id:
            return  # not one of ours
        doc_id, local = self._local(kind, record_id)
        self.cleared.append(key)
        if kind == "audit":
            self._reject(key, rev, "audit entries are append-only: a deletion is refused")
            if local is not None:
                self.entries.append(state_entry(key, rev, None))  # pending again: ours is sent back
            return
        if local is None:
            self.entries.append(state_entry(key, rev, None, deleted=True))
            return
        mine = record_fields(local)
        dirty = not known or known.get("updated_at") != local.get("_updated_at")
        table_of(self.store, kind).remove(doc_ids=[doc_id])
        if dirty and known:
            self.tally.conflicts += 1
            self.store.audit(self.actor, "sync_conflict", kind, record_id, mine, None,
                             note="a local edit lost to a deletion on the server")
        else:
            self.store.audit(self.actor, "sync_delete", kind, record_id, mine, None, note="deleted on the server")
        self.entries.append(state_entry(key, rev, None, deleted=True))
        if self.count_pulled:
            self.tally.pulled += 1

    def _reject(self, key: str, rev: str | None, error: str) -> None:
        self.tally.rejected.append(Rejection(key, rev, error, stamp(self.now)))

    # -- the write -------------------------------------------------------------------------------
    def finish(self) -> None:
        """Insert what `take` gathered, record the rejected revisions, and drop the rejections a valid revision
        replaced."""
        self.flush()
        refused = {r.key: r for r in self.tally.rejected}
        record_rejections(self.store, list(refused.values()), [key for key in self.cleared if key not in refused])


def record_rejections(store: Store, rejected: list[Rejection], cleared: list[str], source: str = "server") -> None:
    """Put (or replace) rejected revisions in the store's rejected list; remove the server's and refused ones
    of the `cleared` keys (a valid revision replaced them). Local records `db repair` moved there stay."""
    if not rejected and not cleared:
        return
    table = table_of(store, REJECTED)
    index = store.journal.id_index(REJECTED)
    gone = []
    for key in set(cleared):
        doc_id = index.get(key)
        if doc_id is not None and (table.doc(int(doc_id)) or {}).get("source") != "local":
            gone.append(int(doc_id))
    if gone:
        table.remove(doc_ids=gone)
    for rejection in rejected:
        kind, _, record_id = rejection.key.partition(":")
        entry = {**rejection.as_dict(), "kind": kind, "record_id": record_id, "source": source}
        doc_id = index.get(rejection.key)
        if doc_id is None:
            table.insert(entry)
        else:
            table.update(replacing(entry), doc_ids=[int(doc_id)])
