"""Applying the server's revisions to the desk's records (through the replica port): a revision this desk does
not hold is a new version, whatever its `updated_at` says; a local edit since the last revision in step makes it
a conflict, resolved by the domain's winner rule and audited; what the models refuse goes to the rejected list;
deletions remove (audited), except of audit entries, which are append-only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from triagedesk.app.replica import Replica
from triagedesk.app.replica import record_fields as model_fields
from triagedesk.domain.instants import stamp
from triagedesk.domain.kinds import MODELS
from triagedesk.domain.records import ExpertRequest, utcnow
from triagedesk.domain.requests.conflicts import winner
from triagedesk.domain.requests.rights import UNNAMED, deletion_refusal, refusal
from triagedesk.sync.arrival import Admitted, Refused, admit, as_record, merged
from triagedesk.sync.embedded import EMBEDDED, unpack
from triagedesk.sync.embedded import refusal as carried_refusal
from triagedesk.sync.wire import BY, generation, record_fields, shape_of, top_level

REQUEST_DEFAULTS = shape_of(ExpertRequest).defaults


def writer_of(by: Any, rev: str | None) -> tuple[str, str | None]:
    """(role, expert id) a revision says wrote it; one that says nothing fresh (another client, an older desk, or
    a stamp carried over from an earlier revision) is `unnamed`: held to what some move writes, only forward."""
    if isinstance(by, dict) and by.get("role") in ("coordinator", "expert", "lead", "admin") \
            and by.get("gen") == generation(rev):
        return str(by["role"]), by.get("expert") if isinstance(by.get("expert"), str) else None
    return UNNAMED, None

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


def state_entry(key: str, rev: str | None, updated_at: str | None, deleted: bool = False,
                top: dict[str, Any] | None = None) -> dict[str, Any]:
    """A record's sync state; `top` (what other clients keep beside its data) only where it arrived: an entry
    without it keeps the one held."""
    entry: dict[str, Any] = {"key": key, "rev": rev, "updated_at": updated_at, "deleted": deleted}
    if top is not None or deleted:
        entry["top"] = top or {}
    return entry


def keeping_top(entry: dict[str, Any], held: dict[str, Any] | None) -> dict[str, Any]:
    """The sync state `entry` becomes over the one `held`: its `top` kept unless the entry brings one."""
    top = (held or {}).get("top")
    return {**entry, "top": top} if "top" not in entry and top else entry


class Incoming:
    """One durable write of server documents into the replica (the caller holds the transaction)."""

    def __init__(self, replica: Replica, actor: str, state: dict[str, dict[str, Any]], tally: Tally,
                 count_pulled: bool = True) -> None:
        self.replica = replica
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
        self.unchecked: set[str] = set()
        """Documents that came out of a server conflict's resolution: each branch was checked against its own
        parent by the server, and the branch kept need not descend from the revision this desk holds."""
        rejected = replica.rejections()
        self.rejected_revs = {d.get("id"): d.get("rev") for d in rejected if d.get("source") == "server"}
        self.refused = {d.get("id") for d in rejected if d.get("source") == "refused"}  # kept here, not there

    # -- one document ------------------------------------------------------------------------
    def take(self, remote: dict[str, Any], carrier: tuple[str, str | None] | None = None) -> None:
        """One server document; `carrier`: the writer of the request document that carried it."""
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
        kind = key.partition(":")[0]
        writer = carrier or writer_of(remote.get(BY), rev)
        if carrier is None and kind in EMBEDDED and writer[0] == "expert":
            self._reject(key, rev, f"refused on arrival: an expert's {kind} travel in their request's document")
            return
        verdict = admit(remote, MODELS, self.now)
        if isinstance(verdict, Refused):
            self._reject(key, rev, verdict.error)
            return
        before = len(self.tally.rejected)
        self._live(key, rev, known, verdict, top_level(remote), remote.get(BY))
        if kind == "requests" and len(self.tally.rejected) == before:  # the request taken: then what it carries
            for carried in unpack(remote):
                why = carried_refusal(carried["type"], carried["data"], verdict.record_id, writer)
                if why is not None:
                    self._reject(carried["_id"], carried["_rev"], f"refused on arrival: {why}")
                else:
                    self.take(carried, writer)

    def flush(self) -> None:
        """Insert the records new to this desk that `take` gathered (in the page's transaction)."""
        for kind, records in self._new.items():
            self.replica.insert(kind, list(records.values()))
        self._new.clear()

    def _local(self, kind: str, record_id: str) -> dict[str, Any] | None:
        if record_id in self._new.get(kind, ()):
            self.flush()  # the same record again in this page: held, so found, as the desk will hold it
        return self.replica.record(kind, record_id)

    def _live(self, key: str, rev: str | None, known: dict[str, Any], arrived: Admitted,
              top: dict[str, Any], remote_by: Any) -> None:
        kind, record_id = arrived.kind, arrived.record_id
        local = self._local(kind, record_id)
        incoming = as_record(arrived)
        theirs = merged(arrived.fields, arrived.extra)
        self.cleared.append(key)
        if local is None:
            if known and not known.get("deleted"):  # deleted here, not yet pushed: the deletion wins
                self.tally.conflicts += 1
                self.replica.audit(self.actor, "sync_conflict", kind, record_id, theirs, None,
                                 note="an edit from the server lost to this desk's deletion")
                self.entries.append(state_entry(key, rev, None, top=top))
                return
            self._new.setdefault(kind, {})[record_id] = incoming  # a later revision in the page replaces it
            self._took(key, rev, arrived.updated_at, top)
            return
        mine = record_fields(local)
        dirty = not known or known.get("updated_at") != local.get("_updated_at")
        if mine == theirs:  # the same content: nothing to resolve, only the revision to take
            self.entries.append(state_entry(key, rev, local.get("_updated_at"), top=top))
            return
        if kind == "audit":
            self._reject(key, rev, "audit entries are append-only: a change to an existing one is refused")
            self.entries.append(state_entry(key, rev, KEPT_LOCAL, top=top))  # ours goes back over it
            return
        if not dirty:
            if kind == "requests" and key not in self.unchecked:
                reason = refusal(*writer_of(remote_by, rev), model_fields(local), arrived.fields, REQUEST_DEFAULTS)
                if reason is not None:  # whatever the server let through: this desk keeps its version
                    self._reject(key, rev, f"refused on arrival: {reason}")
                    return
            if key in self.refused:  # the change the server refused gives way to its newer version: audited
                self.replica.audit(self.actor, "sync_conflict", kind, record_id, mine, theirs,
                                 note="a change the server refused, replaced by the server's newer version")
            self.replica.replace(kind, record_id, incoming)
            self._took(key, rev, arrived.updated_at, top)
            return
        self.tally.conflicts += 1
        if winner(kind, mine, theirs) == "theirs":
            self.replica.audit(self.actor, "sync_conflict", kind, record_id, mine, theirs, note=LOSER_NOTE)
            self.replica.replace(kind, record_id, incoming)
            self._took(key, rev, arrived.updated_at, top)
        else:
            self.replica.audit(self.actor, "sync_conflict", kind, record_id, theirs, mine, note=LOSER_NOTE)
            self.entries.append(state_entry(key, rev, KEPT_LOCAL, top=top))

    def _took(self, key: str, rev: str | None, updated_at: str, top: dict[str, Any]) -> None:
        entry = state_entry(key, rev, updated_at, top=top)
        self.entries.append(entry)
        self.state[key] = entry  # a later revision in the same page finds this one taken, not a local edit
        if self.count_pulled:
            self.tally.pulled += 1

    def _deletion(self, key: str, rev: str | None, known: dict[str, Any]) -> None:
        """A tombstone, as any CouchDB client writes it (`_deleted`, with or without a `type`)."""
        kind, _, record_id = key.partition(":")
        if kind not in MODELS or not record_id:
            return  # not one of ours
        local = self._local(kind, record_id)
        self.cleared.append(key)
        if kind == "audit":
            self._reject(key, rev, "audit entries are append-only: a deletion is refused")
            if local is not None:
                self.entries.append(state_entry(key, rev, None))  # pending again: ours is sent back
            return
        if local is None:
            self.entries.append(state_entry(key, rev, None, deleted=True))
            return
        if kind == "requests" and key not in self.unchecked:
            why = deletion_refusal(local.get("status"))
            if why is not None:  # whatever the server let through (an unsecured one): this desk keeps it
                self._reject(key, rev, f"refused on arrival: {why}")
                self.entries.append(state_entry(key, rev, None))  # pending again: ours is sent back
                return
        mine = record_fields(local)
        dirty = not known or known.get("updated_at") != local.get("_updated_at")
        self.replica.remove(kind, record_id)
        if dirty and known:
            self.tally.conflicts += 1
            self.replica.audit(self.actor, "sync_conflict", kind, record_id, mine, None,
                             note="a local edit lost to a deletion on the server")
        else:
            self.replica.audit(self.actor, "sync_delete", kind, record_id, mine, None, note="deleted on the server")
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
        record_rejections(self.replica, list(refused.values()), [key for key in self.cleared if key not in refused])


def record_rejections(replica: Replica, rejected: list[Rejection], cleared: list[str], source: str = "server") -> None:
    """Put (or replace) rejected revisions in the rejected list; remove the server's and refused ones of the
    `cleared` keys (a valid revision replaced them). Local records `db repair` moved there stay."""
    if not rejected and not cleared:
        return
    gone = [key for key in set(cleared) if (replica.rejection(key) or {"source": "local"}).get("source") != "local"]
    replica.drop_rejections(gone)
    for rejection in rejected:
        kind, _, record_id = rejection.key.partition(":")
        replica.put_rejection({**rejection.as_dict(), "kind": kind, "record_id": record_id, "source": source})
