"""Writers nobody here wrote (nano, PouchDB 9, curl-like PUTs): the server refuses what a role may not write with a
readable reason, the desk refuses it too when an unsecured server lets it through, other clients' attachments and
fields survive the desk's edits, and a removed checkpoint is re-verified instead of believed."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.support.flows import act, escalate, record_outcome
from tests.support.http import HTTP
from tests.support.sync_desks import replicator, seed_desk
from tests.sync.team import PASSWORDS, Team, seeded, sync_as
from tools.pouchdb import node_client
from triagedesk.app.desk import Desk
from triagedesk.store.database import open_store


def nano(team: Team, user: str, db: str, docs: list[dict]) -> list[dict]:
    server = f"http://{user}:{PASSWORDS[user]}@{team.host}"
    return node_client({"op": "nano_insert", "server": server, "db": db, "docs": docs})


def fetched(team: Team, user: str, db: str, key: str) -> dict:
    server = f"http://{user}:{PASSWORDS[user]}@{team.host}"
    return node_client({"op": "nano_get", "server": server, "db": db, "id": key})


def changed(doc: dict, **fields) -> dict:
    out = copy.deepcopy(doc)
    out["data"].update(fields)
    return out


def test_each_forbidden_write_is_refused_by_the_server_with_its_reason(team: Team, tmp_path: Path) -> None:
    db, pair = seeded(team, tmp_path)
    mine, theirs = pair.split("|")
    own = fetched(team, "ann", db, f"requests:{mine}")
    assert own["data"]["assigned_expert_id"] == "ann"
    forged = {
        "price": changed(own, price=0.01), "tier_id": changed(own, tier_id="premium"),
        "due_at": changed(own, due_at="2099-01-01T00:00:00Z"),
        "submitted_at": changed(own, submitted_at="2099-01-01T00:00:00Z"),
        "analysis_id": changed(own, analysis_id="i1"), "assigned_expert_id": changed(own, assigned_expert_id="bob"),
    }
    answers = nano(team, "ann", db, list(forged.values()))
    assert [a["status"] for a in answers] == [403] * len(forged)
    for (name, _), answer in zip(forged.items(), answers, strict=True):
        assert answer["reason"] == f"an expert may not change {name} of a request (assigned to assigned)"
    other = fetched(team, "ann", db, f"requests:{theirs}")
    [answer] = nano(team, "ann", db, [changed(other, status="in_review")])
    assert (answer["status"], answer["reason"]) == (403, "this request is not assigned to ann")
    # one of her own moves goes through: it is what the table lets her write
    [started] = nano(team, "ann", db, [changed(own, status="in_review", started_at="2026-12-01T10:00:00Z")])
    assert started["status"] == 201
    # a revision may not claim another writer
    [claimed] = nano(team, "ann", db, [{**changed(own), "_rev": started["rev"],
                                        "by": {"user": "cora", "role": "coordinator",
                                               "gen": int(started["rev"].split("-")[0]) + 1}}])
    assert claimed["status"] == 403 and claimed["reason"].startswith("by must name the writing user")
    # a coordinator completes it (one of her moves); then nobody moves it back, and she does not reprice it
    current = fetched(team, "cora", db, f"requests:{mine}")
    [done] = nano(team, "cora", db, [changed(current, status="completed", completed_at="2026-12-01T11:00:00Z")])
    assert done["status"] == 201
    current = fetched(team, "cora", db, f"requests:{mine}")
    back, price = nano(team, "cora", db, [changed(current, status="in_review"), changed(current, price=1.0)])
    assert back == {"status": 403, "reason": "a coordinator's revision may not move a request from completed to "
                                             "in review"}
    assert price["status"] == 403 and "a coordinator may not change price" in price["reason"]
    [undone] = nano(team, "admin", db, [changed(current, status="pending_assignment")])
    assert undone == {"status": 403, "reason": "a request never moves back from completed to pending assignment"}
    [lead] = nano(team, "lee", db, [changed(current, expert_notes="a lead")])
    assert lead == {"status": 403, "reason": "a lead reads only"}



def test_the_desk_refuses_what_an_unsecured_server_let_through(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 2)
    store = open_store(tmp_path / "a.json")
    desk = Desk(store)
    ids = []
    for n in range(2):
        request = escalate(desk, f"i{n}", "cora")
        act(desk, request.id, "pay", "cora")
        act(desk, request.id, "assign", "cora", "ann")
        ids.append(request.id)
    store.close()
    replicator(tmp_path / "a.json", db_url).sync()
    first = HTTP.get(f"{db_url}/requests:{ids[0]}").json()
    priced = changed(first, price=0.01, due_at="2099-01-01T00:00:00Z")
    gen = int(first["_rev"].split("-")[0]) + 1
    priced["by"] = {"user": "ann", "role": "expert", "expert": "ann", "gen": gen}  # as her desk stamps it
    assert HTTP.put(f"{db_url}/requests:{ids[0]}", json=priced).status_code == 201
    second = HTTP.get(f"{db_url}/requests:{ids[1]}").json()  # an admin's PUT, naming no writer
    backwards = changed(second, status="pending_payment")  # paid already: no move leads back there
    assert HTTP.put(f"{db_url}/requests:{ids[1]}", json=backwards).status_code == 201
    result = replicator(tmp_path / "a.json", db_url).sync()
    reasons = {r.key: r.error for r in result.rejected}
    assert reasons == {
        f"requests:{ids[0]}": "refused on arrival: an expert may not change due_at of a request (assigned to assigned)",
        f"requests:{ids[1]}": "refused on arrival: a request never moves back from assigned to pending payment"}
    store = open_store(tmp_path / "a.json")
    kept = [store.requests.require(key) for key in ids]
    assert kept[0].price > 1 and kept[0].due_at is not None and kept[0].due_at.year < 2099
    assert kept[1].status == "assigned"
    listed = {d["id"] for d in store.db.table("_rejected")}
    assert listed == set(reasons)


def test_attachments_and_other_clients_fields_survive_desk_edits(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 1)
    replicator(tmp_path / "a.json", db_url).sync()
    node_client({"op": "attach", "url": db_url, "id": "issues:i0", "name": "note.txt", "text": "from a client",
                 "top": {"source": "pouchdb-client"}})
    replicator(tmp_path / "a.json", db_url).sync()
    for title in ("Edited once", "Edited twice"):
        store = open_store(tmp_path / "a.json")
        store.issues.save(store.issues.require("i0").model_copy(update={"title": title}))
        store.close()
        assert replicator(tmp_path / "a.json", db_url).sync().pushed >= 1
    doc = HTTP.get(f"{db_url}/issues:i0").json()
    assert doc["data"]["title"] == "Edited twice" and doc["source"] == "pouchdb-client"
    assert doc["_attachments"]["note.txt"]["stub"] is True
    assert HTTP.get(f"{db_url}/issues:i0/note.txt").text == "from a client"


def test_a_removed_checkpoint_is_reverified_not_taken_for_a_reset(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 3)
    rep = replicator(tmp_path / "a.json", db_url)
    first = rep.sync()
    doc = HTTP.get(f"{db_url}/issues:i1").json()
    doc["data"]["title"] = "A client's edit"
    doc["updated_at"] = "2020-01-01T00:00:00Z"  # a client that keeps an old time
    assert HTTP.put(f"{db_url}/issues:i1", json=doc).status_code == 201
    local = HTTP.get(f"{db_url}/_local/{rep.replication_id}").json()
    HTTP.delete(f"{db_url}/_local/{rep.replication_id}", params={"rev": local["_rev"]}).raise_for_status()
    again = replicator(tmp_path / "a.json", db_url).sync()
    assert not again.server_reset and again.reverified == first.pushed
    assert (again.pushed, again.conflicts, again.pulled) == (0, 0, 1)
    assert open_store(tmp_path / "a.json").issues.require("i1").title == "A client's edit"
    assert HTTP.get(f"{db_url}/issues:i1").json()["data"]["title"] == "A client's edit"


@pytest.mark.parametrize("value", [0.0, 1.0, 2.5])
def test_a_float_keeps_its_type_through_the_server(tmp_path: Path, db_url: str, value: float) -> None:
    """PouchDB Server is JavaScript: `0.0` comes back as `0`. An audit entry's fields are typed by its kind's model."""
    seed_desk(tmp_path / "a.json", 1)
    store = open_store(tmp_path / "a.json")
    with store.transaction():  # the store writes only inside one
        store.audit("cora", "note", "requests", "r1", {"paused_minutes": value, "price": value, "rating": 2},
                    {"paused_minutes": 3.0}, note="floats")
    store.close()
    replicator(tmp_path / "a.json", db_url).sync()
    replicator(tmp_path / "b.json", db_url).sync()
    exports = []
    for path in ("a.json", "b.json"):
        entries = [e for e in open_store(tmp_path / path).audit_log.all() if e.note == "floats"]
        assert len(entries) == 1
        exports.append(json.dumps([entries[0].before, entries[0].after]))
    assert exports[0] == exports[1]
    assert f'"paused_minutes": {value}' in exports[1] and "\"rating\": 2}" in exports[1]


def outcome_data(key: str, expert: str, request_id: str, issue: str = "i0") -> dict:
    return {"id": key, "issue_id": issue, "expert_id": expert, "request_id": request_id, "resolution_achieved": True,
            "created_at": "2026-12-01T10:00:00Z"}


def test_an_expert_writes_outcomes_only_into_her_own_request(team: Team, tmp_path: Path) -> None:
    db, pair = seeded(team, tmp_path)
    mine, theirs = pair.split("|")
    forged = {"_id": "outcomes:o-forged", "type": "outcomes", "data": outcome_data("o-forged", "ann", theirs, "i1")}
    [alone] = nano(team, "ann", db, [forged])
    assert alone["status"] == 403 and alone["reason"].startswith("an expert's outcomes travel in their request's")
    bobs = fetched(team, "ann", db, f"requests:{theirs}")
    bobs["records"] = {"outcomes:o-2": {"data": outcome_data("o-2", "ann", theirs, "i1")}}
    own = fetched(team, "ann", db, f"requests:{mine}")
    as_bob = {**own, "records": {"outcomes:o-3": {"data": outcome_data("o-3", "bob", mine)}}}
    elsewhere = {**own, "records": {"outcomes:o-4": {"data": outcome_data("o-4", "ann", theirs)}}}
    other_issue = {**own, "records": {"outcomes:o-5": {"data": outcome_data("o-5", "ann", mine, "i1")}}}
    answers = nano(team, "ann", db, [bobs, as_bob, elsewhere, other_issue])
    assert [(a["status"], a["reason"]) for a in answers] == [
        (403, "this request is not assigned to ann"), (403, "an expert writes only their own outcomes"),
        (403, f"a record carried by requests:{mine} names that request"),
        (403, f"a record carried by requests:{mine} names its issue (i0)")]  # the review of #22: bob's issue
    # her own desk: the outcome goes inside her request's document, the server takes it, every desk reads it
    assert sync_as(tmp_path / "ann.json", team.url("ann", db)).refused == []
    store = open_store(tmp_path / "ann.json")
    desk = Desk(store)
    act(desk, mine, "start", "ann")
    record_outcome(desk, mine, "ann", rating=5)
    store.close()
    result = sync_as(tmp_path / "ann.json", team.url("ann", db))
    assert result.refused == [] and result.rejected == []
    carried = fetched(team, "cora", db, f"requests:{mine}")
    assert carried["data"]["status"] == "completed" and [k.split(":")[0] for k in carried["records"]] == ["outcomes"]
    assert sync_as(tmp_path / "coord.json", team.url("cora", db)).rejected == []
    coordinator = open_store(tmp_path / "coord.json")
    assert [(o.expert_id, o.request_id, o.rating) for o in coordinator.outcomes.all()] == [("ann", mine, 5)]
    # and she may not take it back out
    [removed] = nano(team, "ann", db, [{**carried, "records": {}}])
    assert removed["status"] == 403 and "does not change or remove a record" in removed["reason"]


def test_the_desk_refuses_an_experts_outcome_outside_her_request(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 1)
    store = open_store(tmp_path / "a.json")
    desk = Desk(store)
    request = escalate(desk, "i0", "cora")
    act(desk, request.id, "pay", "cora")
    act(desk, request.id, "assign", "cora", "ann")
    store.close()
    replicator(tmp_path / "a.json", db_url).sync()
    doc = HTTP.get(f"{db_url}/requests:{request.id}").json()
    stamp = {"user": "ann", "role": "expert", "expert": "ann", "gen": int(doc["_rev"].split("-")[0]) + 1}
    doc.update(by=stamp, records={"outcomes:o-bob": {"data": outcome_data("o-bob", "bob", request.id)}})
    assert HTTP.put(f"{db_url}/requests:{request.id}", json=doc).status_code == 201
    alone = {"_id": "outcomes:o-alone", "type": "outcomes", "data": outcome_data("o-alone", "ann", request.id),
             "by": {"user": "ann", "role": "expert", "expert": "ann", "gen": 1}}
    assert HTTP.put(f"{db_url}/outcomes:o-alone", json=alone).status_code == 201
    result = replicator(tmp_path / "a.json", db_url).sync()
    assert {r.key: r.error for r in result.rejected} == {
        "outcomes:o-bob": "refused on arrival: an expert writes only their own outcomes",
        "outcomes:o-alone": "refused on arrival: an expert's outcomes travel in their request's document"}
    assert len(open_store(tmp_path / "a.json").outcomes) == 0


def test_a_request_something_happened_to_is_never_deleted(team: Team, tmp_path: Path) -> None:
    """Deleting is withdrawing (a request nothing has happened to), whoever deletes: so a completed request cannot be
    tombstoned and written again in an earlier state (the admin's delete-then-write found by the review of #22)."""
    db, pair = seeded(team, tmp_path)
    mine, _ = pair.split("|")
    held = fetched(team, "cora", db, f"requests:{mine}")
    assert held["data"]["status"] == "assigned"
    for user in ("cora", "admin"):
        [gone] = nano(team, user, db, [{"_id": held["_id"], "_rev": held["_rev"], "_deleted": True}])
        assert gone == {"status": 403, "reason": "only a request nothing has happened to is deleted (withdraw), "
                                                 "not one assigned"}
    fresh = {"_id": "requests:req-fresh", "type": "requests",
             "data": {"id": "req-fresh", "analysis_id": "i1", "profile": "infrastructure",
                      "submitted_at": "2026-12-01T09:00:00Z", "status": "pending_assignment"}}
    [made] = nano(team, "cora", db, [fresh])
    assert made["status"] == 201, made
    [withdrawn] = nano(team, "cora", db, [{"_id": fresh["_id"], "_rev": made["rev"], "_deleted": True}])
    assert withdrawn["status"] == 201, withdrawn  # nothing had happened to it: a withdrawal
