"""The replication's checkpoints: the local one (moved in each page's durable write), our `_local/` document on
the server (as CouchDB's replicator keeps it), and what happens when the two disagree: the revisions this desk
holds are re-verified against the server's history (`_revs_diff`) rather than believed or thrown away."""

from __future__ import annotations

from typing import Any

from triagedesk.domain.instants import stamp
from triagedesk.domain.records import utcnow
from triagedesk.store.repositories import Store
from triagedesk.sync.client import CouchClient
from triagedesk.sync.incoming import STATE, table_of
from triagedesk.sync.results import SyncResult

META = "_sync_meta"    # the pull checkpoint, and whether this desk ever left one on the server
VERIFY_BATCH = 2000    # revisions per _revs_diff request when a checkpoint is re-verified


class Checkpoints:
    """Mixed into the `Replicator`: its store, client and replication id."""

    store: Store
    client: CouchClient
    replication_id: str

    def _meta(self) -> dict[str, Any]:
        found = self.store.db.table(META).get(doc_id=1)
        return dict(found) if isinstance(found, dict) else {}

    def checkpoint(self) -> Any:
        found = self.store.db.table(META).get(doc_id=1)
        return found.get("since", 0) if found else 0

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
        """Our checkpoint, unless the server's copy differs or is gone: then the pull starts over (the revisions
        this desk holds are skipped) after they are checked against the server's (`_revs_diff`)."""
        remote = self._remote_checkpoint(result)
        local = self.checkpoint()
        if local in (0, "0", None) or remote is None or remote.get("last_seq") != local:
            return 0
        return local

    def _remote_checkpoint(self, result: SyncResult) -> dict[str, Any] | None:
        """Our `_local` checkpoint on the server. When it is gone although this desk left one there, or names
        another sequence than ours, the database may have been recreated or restored, or the checkpoint
        removed by any member (CouchDB lets every member write `_local/` documents and validates none): the
        revisions this desk holds are checked against the server's history, and only those it lacks are
        forgotten (their records pushed again). All of them lacking is a reset. (A first sync cut off before
        its checkpoint left none: that is no loss, and its revisions are still good.)"""
        remote = self.client.get_local(self.replication_id)
        meta = self._meta()
        if meta.get("checkpointed") and (remote is None or remote.get("last_seq") != meta.get("since")):
            self._reverify(result)
        return remote

    def _reverify(self, result: SyncResult) -> None:
        """Forget the revisions the server does not hold; a server that holds none of them was reset."""
        self.store.refresh()
        held = {str(d.get("key")): str(d.get("rev")) for d in table_of(self.store, STATE) if d.get("rev")}
        keys = list(held)
        missing: set[str] = set()
        for start in range(0, len(keys), VERIFY_BATCH):
            part = keys[start:start + VERIFY_BATCH]
            missing |= set(self.client.revs_diff({key: [held[key]] for key in part}))
        with self.store.transaction():
            meta = self.store.db.table(META)
            if held and len(missing) == len(held):
                self.store.db.table(STATE).truncate()
                result.server_reset = True
            elif missing:
                index = self.store.journal.id_index(STATE)
                self.store.db.table(STATE).remove(doc_ids=[int(index[k]) for k in missing if k in index])
            result.reverified = len(held) - len(missing)
            meta.update({"since": 0, "checkpointed": False}, doc_ids=[1])

    def _set_local_checkpoint(self, checkpoint: Any) -> None:
        """In the caller's transaction: the pull's checkpoint moves with the page it applied."""
        meta = self.store.db.table(META)
        if meta.get(doc_id=1):
            meta.update({"since": checkpoint}, doc_ids=[1])
        else:
            meta.insert({"since": checkpoint})
