"""A push answered 409: the server holds a revision this desk has not seen. Resolved by the domain's rule (the
lifecycle, else the server's revision stands): ours goes on top of theirs, or theirs is taken; audited."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from triagedesk.app.replica import Replica
from triagedesk.domain.kinds import MODELS
from triagedesk.domain.records import utcnow
from triagedesk.domain.requests.conflicts import winner
from triagedesk.sync.arrival import Refused, admit, merged
from triagedesk.sync.client import CouchClient
from triagedesk.sync.embedded import carried_rev
from triagedesk.sync.incoming import LOSER_NOTE, record_rejections, state_entry
from triagedesk.sync.results import Outgoing, SyncResult
from triagedesk.sync.wire import RECORDS, record_fields, top_level


class PushConflicts:
    """Mixed into the `Replicator`."""

    replica: Replica
    client: CouchClient
    actor: str

    def _wire(self, item: Outgoing, rev: str | None) -> dict[str, Any]:
        raise NotImplementedError

    def _set_state(self, entries: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def _apply(self, docs: list[dict[str, Any]], result: SyncResult, checkpoint: Any = None,
               count_pulled: bool = True) -> None:
        raise NotImplementedError

    @staticmethod
    def _sent(item: Outgoing, rev: str) -> list[dict[str, Any]]:
        """The sync states after the server took the item at `rev`: its own, and the carried records'."""
        if item.doc is None:
            return [state_entry(item.key, rev, None, deleted=True)]
        return [state_entry(item.key, rev, item.doc.get("_updated_at")),
                *(state_entry(f"{kind}:{doc['id']}", carried_rev(rev), doc.get("_updated_at"))
                  for kind, doc in item.carried)]

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
            # written over theirs: their attachments and the records they carry stay
            item = replace(item, top={**top_level(theirs), **({RECORDS: theirs[RECORDS]}
                                                              if isinstance(theirs.get(RECORDS), dict) else {})})
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
            if winner(item.kind, mine, their_fields) == "mine":
                result.conflicts += 1
                retry.append((item, theirs["_rev"]))
                self._audit(item.kind, item.doc["id"], their_fields, mine, LOSER_NOTE)
            else:
                take.append(theirs)  # applied as a pull: the same rule, counted and audited there
        if same:
            with self.replica.transaction():
                self._set_state(same)
        if take:
            self._apply(take, result, count_pulled=False)
        if retry:
            answers = self.client.bulk_docs([self._wire(item, rev) for item, rev in retry])
            by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
            done = [entry for item, _ in retry if by_id.get(item.key, {}).get("ok")
                    for entry in self._sent(item, by_id[item.key]["rev"])]
            with self.replica.transaction():
                self._set_state(done)
                record_rejections(self.replica, [], [e["key"] for e in done])
            result.pushed += sum(1 for item, _ in retry if by_id.get(item.key, {}).get("ok"))

    def _audit(self, kind: str, key: str, loser: dict[str, Any] | None, kept: dict[str, Any] | None,
               note: str) -> None:
        with self.replica.transaction():
            self.replica.audit(self.actor, "sync_conflict", kind, key, loser, kept, note=note)

