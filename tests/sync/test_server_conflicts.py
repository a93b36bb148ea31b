"""Conflicts that live on the server: two PouchDB Servers replicating to each other with a desk on each, and an
offline PouchDB 9 client replicating its branch in (`new_edits:false`). Every desk keeps the same winner, the
losing branches are closed and audited, and no `_conflicts` is left on either server."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.flows import act, escalate
from tests.support.http import HTTP
from tests.support.sync_desks import replicator, seed_desk
from tools.pouchdb import PouchServer, node_client, replicate
from triagedesk.app.desk import Desk
from triagedesk.store.database import open_store
from triagedesk.sync.engine import KINDS


@pytest.fixture(scope="module")
def second_site(tmp_path_factory: pytest.TempPathFactory):
    server = PouchServer(tmp_path_factory.mktemp("site2")).start()
    yield server
    server.stop()


class Sites:
    def __init__(self, one: PouchServer, two: PouchServer) -> None:
        self.one, self.two = one, two
        self.db = f"sites-{uuid.uuid4().hex[:8]}"
        self.urls = (f"{one.url}/{self.db}", f"{two.url}/{self.db}")
        for url in self.urls:
            HTTP.put(url).raise_for_status()

    def exchange(self) -> None:
        """Both directions once, as a two-site team's continuous replication would."""
        replicate(self.one, self.urls[0], self.urls[1])
        replicate(self.one, self.urls[1], self.urls[0])

    def conflicts(self, key: str) -> list[list[str]]:
        return [HTTP.get(f"{url}/{key}", params={"conflicts": "true"}).json().get("_conflicts", [])
                for url in self.urls]


def sync(path: Path, url: str):
    rep = replicator(path, url)
    try:
        return rep.sync()
    finally:
        rep.client.close()
        rep.replica.store.close()


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def records(path: Path) -> dict[str, dict[str, dict]]:
    store = open_store(path)
    try:
        return {kind: {r.id: r.model_dump(mode="json") for r in store.repository(kind).all()}
                for kind in KINDS if kind != "audit"}
    finally:
        store.close()


def losers(path: Path, target: str) -> list[dict]:
    store = open_store(path)
    try:
        return [e.before or {} for e in store.history(target) if e.action == "sync_conflict"]
    finally:
        store.close()


def test_two_sites_resolve_concurrent_moves_and_deletions_alike(tmp_path: Path, couch: PouchServer,
                                                                  second_site: PouchServer) -> None:
    sites = Sites(couch, second_site)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    seed_desk(a, 4)
    store = open_store(a)
    desk = Desk(store)
    ids = []
    for n in range(3):
        request = escalate(desk, f"i{n}", "cora")
        act(desk, request.id, "pay", "cora")
        act(desk, request.id, "assign", "cora", "ann")
        act(desk, request.id, "start", "ann")
        ids.append(request.id)
    act(desk, ids[2], "complete", "ann")
    store.close()
    sync(a, sites.urls[0])
    sites.exchange()
    sync(b, sites.urls[1])
    # concurrently, one desk on each site: complete vs reassign, delete vs edit, refund vs edit
    store_a, store_b = open_store(a), open_store(b)
    desk_a, desk_b = Desk(store_a), Desk(store_b)
    act(desk_a, ids[0], "complete", "cora")
    act(desk_b, ids[0], "reassign", "bea", "bob")
    assert store_a.issues.delete("i3", actor="cora")
    store_b.issues.save(store_b.issues.require("i3").model_copy(update={"title": "Teapot 3, edited on B"}))
    act(desk_a, ids[2], "refund", "cora")
    store_b.requests.save(store_b.requests.require(ids[2]).model_copy(update={"expert_notes": "B's note"}))
    store_a.close()
    store_b.close()
    sync(a, sites.urls[0])
    sync(b, sites.urls[1])
    sites.exchange()  # now both servers hold both branches of each
    assert all(sites.conflicts(f"requests:{ids[0]}"))
    resolved = [sync(a, sites.urls[0]), sync(b, sites.urls[1])]
    assert sum(r.server_conflicts for r in resolved) >= 3
    for _ in range(2):
        sites.exchange()
        sync(a, sites.urls[0])
        sync(b, sites.urls[1])
    # every desk holds the same records, and the lifecycle never went backwards
    mine, theirs = records(a), records(b)
    assert mine["requests"] and mine == theirs
    first, third = mine["requests"][ids[0]], mine["requests"][ids[2]]
    assert (first["status"], first["assigned_expert_id"]) == ("completed", "ann") and first["completed_at"]
    assert third["status"] == "refunded" and third["refunded_at"]
    assert "i3" not in mine["issues"] and {"i0", "i1", "i2"} <= set(mine["issues"])
    assert mine["requests"][ids[1]]["status"] == "in_review"  # untouched records are all there
    # no branch is left on either server, and every losing one is in every desk's audit
    for key in (f"requests:{ids[0]}", f"requests:{ids[2]}"):
        assert sites.conflicts(key) == [[], []]
    for url in sites.urls:
        assert HTTP.get(f"{url}/issues:i3").status_code == 404
    for path in (a, b):
        assert any(lost.get("assigned_expert_id") == "bob" for lost in losers(path, ids[0]))
        assert any(lost.get("title") == "Teapot 3, edited on B" for lost in losers(path, "i3"))
        assert any(lost.get("expert_notes") == "B's note" for lost in losers(path, ids[2]))
    again = [sync(a, sites.urls[0]), sync(b, sites.urls[1])]
    assert [(r.server_conflicts, r.conflicts, r.pushed) for r in again] == [(0, 0, 0), (0, 0, 0)]


def test_an_offline_pouchdb_clients_branch_loses_to_the_desks_refund(tmp_path: Path, db_url: str) -> None:
    a = tmp_path / "a.json"
    seed_desk(a, 1)
    store = open_store(a)
    desk = Desk(store)
    request = escalate(desk, "i0", "cora")
    for action, who in (("pay", "cora"), ("assign", "cora"), ("start", "ann"), ("complete", "ann")):
        act(desk, request.id, action, who, "ann" if action == "assign" else None)
    store.close()
    sync(a, db_url)
    go, ready = tmp_path / "go", tmp_path / "ready"
    answer: dict = {}
    client = threading.Thread(target=lambda: answer.update(node_client({
        "op": "offline_edit", "url": db_url, "id": f"requests:{request.id}", "dir": str(tmp_path / "pouch"),
        "data": {"status": "in_review", "expert_notes": "offline client"}, "wait": str(go), "ready": str(ready)})))
    client.start()
    try:
        wait_for(ready.exists)
        store = open_store(a)
        act(Desk(store), request.id, "refund", "cora")  # while the client is offline
        store.close()
        sync(a, db_url)
    finally:
        go.touch()
        client.join(timeout=120)
    assert answer.get("errors") == 0 and answer.get("docs_written", 0) >= 1  # new_edits:false: no 409 seen
    before = HTTP.get(f"{db_url}/requests:{request.id}", params={"conflicts": "true"}).json()
    assert before.get("_conflicts")  # the server holds both branches
    result = sync(a, db_url)
    assert result.server_conflicts == 1
    kept = open_store(a).requests.require(request.id)
    assert kept.status == "refunded"
    after = HTTP.get(f"{db_url}/requests:{request.id}", params={"conflicts": "true"}).json()
    assert "_conflicts" not in after and after["data"]["status"] == "refunded"
    lost = losers(a, request.id)
    assert [entry.get("expert_notes") for entry in lost] == ["offline client"]
    fresh = sync(tmp_path / "b.json", db_url)  # a desk joining later gets the winner and the audit of the loser
    assert fresh.server_conflicts == 0 and losers(tmp_path / "b.json", request.id) == lost


def test_a_losing_branchs_outcome_is_kept_in_the_merged_winner(tmp_path: Path, db_url: str) -> None:
    a = tmp_path / "a.json"
    seed_desk(a, 1)
    store = open_store(a)
    desk = Desk(store)
    request = escalate(desk, "i0", "cora")
    for action, who in (("pay", "cora"), ("assign", "cora"), ("start", "ann")):
        act(desk, request.id, action, who, "ann" if action == "assign" else None)
    store.close()
    sync(a, db_url)
    ready, go = tmp_path / "ready", tmp_path / "go"
    outcome = {"data": {"id": "o-client", "issue_id": "i0", "expert_id": "ann", "request_id": request.id,
                        "resolution_achieved": True, "created_at": "2026-12-01T10:00:00Z"}}
    answer: dict = {}
    client = threading.Thread(target=lambda: answer.update(node_client({
        "op": "offline_edit", "url": db_url, "id": f"requests:{request.id}", "dir": str(tmp_path / "pouch"),
        "data": {"expert_notes": "offline"}, "top": {"records": {"outcomes:o-client": outcome}},
        "wait": str(go), "ready": str(ready)})))
    client.start()
    try:
        wait_for(ready.exists)
        store = open_store(a)
        act(Desk(store), request.id, "complete", "cora")
        store.close()
        sync(a, db_url)
    finally:
        go.touch()
        client.join(timeout=120)
    assert answer.get("errors") == 0
    assert sync(a, db_url).server_conflicts == 1
    after = HTTP.get(f"{db_url}/requests:{request.id}", params={"conflicts": "true"}).json()
    assert "_conflicts" not in after and after["data"]["status"] == "completed"
    assert list(after["records"]) == ["outcomes:o-client"]  # the winner, written with what only the loser carried
    store = open_store(a)
    assert store.requests.require(request.id).status == "completed"
    assert [o.id for o in store.outcomes.all()] == ["o-client"]
