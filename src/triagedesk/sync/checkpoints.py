"""The replication's checkpoints: the local one (moved in each page's durable write), our `_local/` document on
the server (as CouchDB's replicator keeps it), and what happens when the two disagree: the revisions this desk
holds are re-verified against the server's history (`_revs_diff`) rather than believed or thrown away."""

from __future__ import annotations

from typing import Any

from triagedesk.app.replica import Replica
from triagedesk.domain.instants import stamp
from triagedesk.domain.records import utcnow
from triagedesk.sync.client import CouchClient
from triagedesk.sync.results import SyncResult

VERIFY_BATCH = 2000    # revisions per _revs_diff request when a checkpoint is re-verified


class Checkpoints:
    """Mixed into the `Replicator`: its replica, client and replication id."""

    replica: Replica
    client: CouchClient
    replication_id: str

    def _meta(self) -> dict[str, Any]:
        return self.replica.sync_meta()

    def checkpoint(self) -> Any:
        return self._meta().get("since", 0)

    def _checkpoint_remote(self, seq: Any) -> None:
        self.client.put_local(self.replication_id, {"last_seq": seq, "updated_at": stamp(utcnow())})
        if not self._meta().get("checkpointed"):
            with self.replica.transaction():
                self.replica.set_sync_meta({"checkpointed": True})

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
        another sequence than ours, the database may have been recreated or brought back, or the checkpoint
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
        self.replica.refresh()
        held = {str(d.get("key")): str(d.get("rev")) for d in self.replica.all_states() if d.get("rev")}
        keys = list(held)
        missing: set[str] = set()
        for start in range(0, len(keys), VERIFY_BATCH):
            part = keys[start:start + VERIFY_BATCH]
            missing |= set(self.client.revs_diff({key: [held[key]] for key in part}))
        with self.replica.transaction():
            if held and len(missing) == len(held):
                self.replica.forget_states()
                result.server_reset = True
            elif missing:
                self.replica.forget_states(missing)
            result.reverified = len(held) - len(missing)
            self.replica.set_sync_meta({"since": 0, "checkpointed": False})

    def _set_local_checkpoint(self, checkpoint: Any) -> None:
        """In the caller's transaction: the pull's checkpoint moves with the page it applied."""
        self.replica.set_sync_meta({"since": checkpoint})
