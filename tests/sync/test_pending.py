"""Pending records kept from the store's change notices agree with a full comparison, whatever happens."""

from __future__ import annotations

from pathlib import Path

from triagedesk.app.replica_store import StoreReplica
from triagedesk.domain.models import Expert, Issue
from triagedesk.store.database import open_store
from triagedesk.store.repositories import Store
from triagedesk.store.validity import SYNC_STATE as STATE
from triagedesk.sync.client import CouchClient, parse_remote
from triagedesk.sync.engine import KINDS, Replicator
from triagedesk.sync.wire import remote_id


def full_comparison(store: Store) -> list[tuple[str, str]]:
    """What is pending, worked out from scratch: every record against its sync state."""
    state = {d["key"]: d.get("updated_at") for _, d in store.db.table(STATE).raw_items()}
    return [(kind, doc["id"]) for kind in KINDS for doc in store.repository(kind).raw()
            if state.get(remote_id(kind, doc["id"]), object()) != doc.get("_updated_at")]


def shown(replicator: Replicator) -> list[tuple[str, str]]:
    return [(kind, doc["id"]) for kind, doc in replicator.pending()]


def pushed(replicator: Replicator) -> None:
    """As if the server took every pending record."""
    entries = [{"key": remote_id(kind, doc["id"]), "rev": "1-x", "updated_at": doc.get("_updated_at")}
               for kind, doc in replicator.pending()]
    with replicator.replica.transaction():
        replicator._set_state(entries)


def test_pending_follows_every_kind_of_change(tmp_path: Path) -> None:
    store = open_store(tmp_path / "a.json")
    rep = Replicator(StoreReplica(store), CouchClient(parse_remote("http://127.0.0.1:9/desk")))
    store.issues.put_many([Issue(id=f"i{n}", title=f"Issue {n}") for n in range(50)])
    store.experts.add(Expert(id="ann", name="Ann"))
    assert shown(rep) == sorted(full_comparison(store), key=lambda s: KINDS.index(s[0])) and len(shown(rep)) > 50
    pushed(rep)
    assert shown(rep) == [] == full_comparison(store)

    store.issues.save(store.issues.require("i7").model_copy(update={"title": "edited here"}))
    assert shown(rep) == full_comparison(store) == [("issues", "i7"), ("audit", shown(rep)[1][1])]

    other = open_store(tmp_path / "a.json")  # another desk on the same file
    other.issues.save(other.issues.require("i9").model_copy(update={"title": "edited there"}))
    other.experts.add(Expert(id="bob", name="Bob"))
    other.close()
    assert sorted(shown(rep)) == sorted(full_comparison(store))
    assert {("issues", "i7"), ("issues", "i9"), ("experts", "bob")} <= set(shown(rep))

    pushed(rep)
    assert shown(rep) == [] == full_comparison(store)
    with store.transaction():  # the server forgot this desk: every record is pending again
        store.db.table(STATE).truncate()
    assert sorted(shown(rep)) == sorted(full_comparison(store)) and len(shown(rep)) > 52
    rep.close()
    store.close()
