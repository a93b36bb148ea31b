"""Documents any CouchDB client may write: validated on arrival, the malformed ones rejected and listed, revisions
(not timestamps) deciding what is new, deletions travelling both ways, the audit append-only."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.flows import act, escalate
from tests.support.http import HTTP
from tests.support.sync_desks import replicator, seed_desk
from triagedesk.domain.models import Issue
from triagedesk.store.database import open_store
from triagedesk.sync.engine import Replicator


def put(db_url: str, doc: dict) -> dict:
    answer = HTTP.put(f"{db_url}/{doc['_id']}", json=doc)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def edit(db_url: str, key: str, **fields) -> dict:
    """A third-party edit of `data`, leaving `updated_at` as it was."""
    doc = HTTP.get(f"{db_url}/{key}").json()
    doc["data"].update(fields)
    return put(db_url, doc)


def synced(path: Path, db_url: str) -> Replicator:
    rep = replicator(path, db_url)
    rep.result = rep.sync()  # type: ignore[attr-defined]
    return rep


def test_a_malformed_document_is_rejected_listed_and_replaced_by_the_next_valid_one(tmp_path: Path,
                                                                                    db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 2)
    replicator(tmp_path / "a.json", db_url).sync()
    put(db_url, {"_id": "issues:EXT-2", "type": "issues",
                 "data": {"id": "EXT-2", "title": 123, "users_affected": "lots"}})
    shown = run_cli("sync", "--url", db_url, "--db", str(tmp_path / "a.json"))
    assert shown.returncode == 0, shown.stderr
    assert "rejected 1" in shown.stdout and "pulled 0" in shown.stdout
    assert "issues:EXT-2" in shown.stderr and "data.title" in shown.stderr
    listed = json.loads(run_cli("sync", "--url", db_url, "--db", str(tmp_path / "a.json"), "--json").stdout)
    assert [(r["id"], r["source"]) for r in listed["rejected"]] == [("issues:EXT-2", "server")]
    assert listed["rejected"][0]["error"].startswith("data.title:") and listed["rejected"][0]["rev"].startswith("1-")
    exported = run_cli("export", "--kind", "issues", "--db", str(tmp_path / "a.json"))
    assert exported.returncode == 0 and "Traceback" not in exported.stderr and "EXT-2" not in exported.stdout
    assert run_cli("db", "check", "--db", str(tmp_path / "a.json")).returncode == 0
    # whoever wrote it fixes it: the valid revision is taken, the rejection goes
    doc = HTTP.get(f"{db_url}/issues:EXT-2").json()
    doc["data"] = {"id": "EXT-2", "title": "Disk full", "users_affected": 40}
    put(db_url, doc)
    fixed = synced(tmp_path / "a.json", db_url)
    assert fixed.result.pulled == 1 and fixed.quarantined() == []
    assert open_store(tmp_path / "a.json").issues.require("EXT-2").users_affected == 40


def test_unknown_kinds_bad_ids_and_mismatched_types_are_rejected_never_a_crash(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 1)
    replicator(tmp_path / "a.json", db_url).sync()
    hostile = [
        {"_id": "widgets:1", "type": "widgets", "data": {"id": "1"}},
        {"_id": "no-colon", "type": "issues", "data": {"id": "no-colon"}},
        {"_id": "issues:X1", "type": "requests", "data": {"id": "X1", "title": "t"}},
        {"_id": "issues:X2", "type": "issues", "data": ["not", "an", "object"]},
        {"_id": "issues:X3", "type": "issues", "data": {"id": "other"}},
        {"_id": "issues:X4", "data": {"id": "X4"}},
        {"_id": "experts:E1", "type": "experts", "data": {"id": "E1", "availability": {"business_hours": "9x9"}}},
        {"_id": "issues:\x1b[31mred", "type": "issues", "data": {"title": 5}},
    ]
    for doc in hostile:
        HTTP.post(db_url, json=doc).raise_for_status()
    rep = synced(tmp_path / "a.json", db_url)
    assert len(rep.result.rejected) == len(hostile) and rep.result.pulled == 0
    errors = {r.key: r.error for r in rep.result.rejected}
    assert errors["widgets:1"].startswith("_id: unknown kind")
    assert errors["no-colon"].startswith("_id: not of the form")
    assert errors["issues:X1"].startswith("type:") and errors["issues:X4"].startswith("type:")
    assert errors["issues:X2"].startswith("data: not an object")
    assert errors["issues:X3"].startswith("data.id:")
    assert errors["experts:E1"].startswith("data.availability.")
    store = open_store(tmp_path / "a.json")
    assert len(store.issues) == 1 and "X1" not in store.requests
    shown = run_cli("sync", "--url", db_url, "--db", str(tmp_path / "a.json"))
    assert shown.returncode == 0 and "rejected 8" in shown.stdout and "\x1b" not in shown.stdout + shown.stderr


def test_an_edit_without_updated_at_is_a_new_version(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 2)
    replicator(tmp_path / "a.json", db_url).sync()
    replicator(tmp_path / "b.json", db_url).sync()
    edit(db_url, "issues:i0", title="Edited by a script")  # updated_at untouched
    for path in ("a.json", "b.json"):
        assert synced(tmp_path / path, db_url).result.pulled == 1
        assert open_store(tmp_path / path).issues.require("i0").title == "Edited by a script"
    # a later local edit of the same record goes out: no conflict, nothing overwritten unseen
    store = open_store(tmp_path / "a.json")
    store.issues.save(store.issues.require("i0").model_copy(update={"description": "more"}))
    store.close()
    out = synced(tmp_path / "a.json", db_url).result
    assert (out.pushed, out.conflicts) == (2, 0)  # the issue and its audit entry
    assert HTTP.get(f"{db_url}/issues:i0").json()["data"]["title"] == "Edited by a script"


def test_concurrent_edits_are_a_conflict_resolved_alike_on_both_desks(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 1)
    replicator(tmp_path / "a.json", db_url).sync()
    replicator(tmp_path / "b.json", db_url).sync()
    edit(db_url, "issues:i0", title="From a script")
    store = open_store(tmp_path / "a.json")
    store.issues.save(store.issues.require("i0").model_copy(update={"title": "From desk A"}))
    store.close()
    results = [synced(tmp_path / p, db_url).result for p in ("a.json", "b.json", "a.json", "b.json")]
    assert sum(r.conflicts for r in results) == 1
    titles = {open_store(tmp_path / p).issues.require("i0").title for p in ("a.json", "b.json")}
    assert len(titles) == 1 and titles <= {"From a script", "From desk A"}
    assert HTTP.get(f"{db_url}/issues:i0").json()["data"]["title"] in titles
    losers = [e for e in open_store(tmp_path / "a.json").audit_log.all() if e.action == "sync_conflict"]
    assert len(losers) == 1
    assert {losers[0].before["title"], losers[0].after["title"]} == {"From a script", "From desk A"}


def test_missing_and_future_updated_at(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 1)
    put(db_url, {"_id": "issues:N1", "type": "issues", "data": {"id": "N1", "title": "no time"}})
    put(db_url, {"_id": "issues:F1", "type": "issues", "updated_at": "2099-01-01T00:00:00Z",
                 "data": {"id": "F1", "title": "from the future"}})
    rep = synced(tmp_path / "a.json", db_url)
    assert rep.result.rejected == [] and rep.result.pulled == 2
    store = open_store(tmp_path / "a.json")
    stamps = {d["id"]: d["_updated_at"] for d in store.issues.raw()}
    assert stamps["N1"].startswith("20") and not stamps["F1"].startswith("2099")  # the arrival time for both
    # no stamp decides a conflict, 2099 or not: the server's revision stands over an edit not based on it
    replicator(tmp_path / "b.json", db_url).sync()
    edit(db_url, "issues:F1", title="server, 2099")
    store.issues.save(store.issues.require("F1").model_copy(update={"title": "desk, now"}))
    store.close()
    synced(tmp_path / "a.json", db_url)
    assert open_store(tmp_path / "a.json").issues.require("F1").title == "server, 2099"
    lost = [e for e in open_store(tmp_path / "a.json").history("F1") if e.action == "sync_conflict"]
    assert lost and lost[-1].before["title"] == "desk, now"


def test_nested_fields_from_a_newer_desk_are_kept_and_sent_back(tmp_path: Path, db_url: str) -> None:
    put(db_url, {"_id": "issues:V2", "type": "issues", "updated_at": "2026-01-01T00:00:00Z",
                 "data": {"id": "V2", "title": "Vase", "estimatedValue": {"min": 1, "max": 2, "currency": "EUR"},
                          "mood": "calm"}})
    synced(tmp_path / "a.json", db_url)
    store = open_store(tmp_path / "a.json")
    issue = store.issues.require("V2")
    assert issue.estimated_value is not None and issue.estimated_value.max == 2
    store.issues.save(issue.model_copy(update={"title": "Vase, Ming"}))
    store.close()
    synced(tmp_path / "a.json", db_url)
    data = HTTP.get(f"{db_url}/issues:V2").json()["data"]
    assert data["title"] == "Vase, Ming" and data["mood"] == "calm"
    assert data["estimated_value"] == {"min": 1, "max": 2, "currency": "EUR"}


def test_deletions_travel_both_ways_and_a_stale_edit_does_not_resurrect(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 3)
    replicator(tmp_path / "a.json", db_url).sync()
    replicator(tmp_path / "b.json", db_url).sync()
    # a plain CouchDB deletion (no type), as curl or Fauxton sends it
    rev = HTTP.get(f"{db_url}/issues:i0").json()["_rev"]
    HTTP.delete(f"{db_url}/issues:i0", params={"rev": rev}).raise_for_status()
    for path in ("a.json", "b.json"):
        assert synced(tmp_path / path, db_url).result.pulled >= 1  # B also gets A's audit of it
        store = open_store(tmp_path / path)
        assert "i0" not in store.issues
        assert [e.action for e in store.history("i0")][-1] == "sync_delete"
    # deleted on desk A; desk B edits the same record meanwhile (stale)
    a = open_store(tmp_path / "a.json")
    assert a.issues.delete("i1", actor="coordinator")
    a.close()
    b = open_store(tmp_path / "b.json")
    b.issues.save(b.issues.require("i1").model_copy(update={"title": "stale edit"}))
    b.close()
    assert synced(tmp_path / "a.json", db_url).result.pushed >= 1
    assert HTTP.get(f"{db_url}/issues:i1").status_code == 404
    result = synced(tmp_path / "b.json", db_url).result
    assert result.conflicts == 1
    assert HTTP.get(f"{db_url}/issues:i1").status_code == 404  # not brought back
    b = open_store(tmp_path / "b.json")
    assert "i1" not in b.issues
    lost = [e for e in b.history("i1") if e.action == "sync_conflict"]
    assert lost and lost[-1].before["title"] == "stale edit"  # the stale edit is kept in the audit
    again = synced(tmp_path / "b.json", db_url).result
    assert (again.pushed, again.pulled, again.conflicts) == (0, 0, 0)


def test_the_audit_is_append_only_on_arrival(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 1)
    replicator(tmp_path / "a.json", db_url).sync()
    audit = next(row["id"] for row in HTTP.get(f"{db_url}/_all_docs").json()["rows"] if row["id"].startswith("audit:"))
    doc = HTTP.get(f"{db_url}/{audit}").json()
    doc["data"]["actor"] = "mallory"
    put(db_url, doc)
    rep = synced(tmp_path / "a.json", db_url)
    assert [r.key for r in rep.result.rejected] == [audit]
    store = open_store(tmp_path / "a.json")
    key = audit.split(":", 1)[1]
    assert store.audit_log.require(key).actor != "mallory"
    assert HTTP.get(f"{db_url}/{audit}").json()["data"]["actor"] != "mallory"  # ours went back over it
    # a deletion marker naming the audit deletes nothing either
    current = HTTP.get(f"{db_url}/{audit}").json()
    put(db_url, {"_id": audit, "_rev": current["_rev"], "_deleted": True, "type": "audit"})
    synced(tmp_path / "a.json", db_url)
    assert key in open_store(tmp_path / "a.json").audit_log


def test_a_deletion_of_a_request_something_happened_to_is_refused_on_arrival(tmp_path: Path, db_url: str) -> None:
    """An unsecured server (or an admin's curl) lets any deletion through; the desk deletes only what the server's
    own rule would (a request nothing has happened to: withdraw), keeps the rest and sends it back."""
    from tests.support.clock import T0
    from triagedesk.app.desk import Desk

    seed_desk(tmp_path / "a.json", 2)
    a = open_store(tmp_path / "a.json")
    desk = Desk(a, clock=lambda: T0)
    held = escalate(desk, "i0", "coordinator")
    act(desk, held.id, "pay", "coordinator")
    act(desk, held.id, "assign", "coordinator", "ann")
    fresh = escalate(desk, "i1", "coordinator")
    a.close()
    replicator(tmp_path / "a.json", db_url).sync()
    for request_id in (held.id, fresh.id):
        rev = HTTP.get(f"{db_url}/requests:{request_id}").json()["_rev"]
        HTTP.delete(f"{db_url}/requests:{request_id}", params={"rev": rev}).raise_for_status()
    rep = synced(tmp_path / "a.json", db_url)
    assert [(r.key, r.error) for r in rep.result.rejected] == [
        (f"requests:{held.id}", "refused on arrival: only a request nothing has happened to is deleted (withdraw), "
                                "not one assigned")]
    store = open_store(tmp_path / "a.json")
    assert store.requests.require(held.id).status == "assigned"       # kept
    assert fresh.id not in store.requests                                # a withdrawal: taken
    store.close()
    assert HTTP.get(f"{db_url}/requests:{held.id}").json()["data"]["status"] == "assigned"  # ours went back


def test_own_revisions_and_identical_content_are_not_conflicts(tmp_path: Path, db_url: str) -> None:
    for path in ("a.json", "b.json"):  # the same file imported on two desks, at different moments
        seed_desk(tmp_path / path, 30)
    first = synced(tmp_path / "a.json", db_url).result
    second = synced(tmp_path / "b.json", db_url).result
    assert first.conflicts == 0 and second.conflicts == 0
    store = open_store(tmp_path / "a.json")
    for n in range(10):
        store.issues.save(store.issues.require(f"i{n}").model_copy(update={"title": f"edit {n}"}))
    store.close()
    for _ in range(3):
        for path in ("a.json", "b.json"):
            assert synced(tmp_path / path, db_url).result.conflicts == 0
    for path in ("a.json", "b.json"):
        store = open_store(tmp_path / path)
        assert not [e for e in store.audit_log.all() if e.action == "sync_conflict"]
        assert store.issues.require("i3").title == "edit 3"


def test_an_interrupted_first_push_is_not_lost_history(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 5)
    from triagedesk.sync.engine import SyncResult

    cut = replicator(tmp_path / "a.json", db_url)
    cut.push(SyncResult())  # the answers are recorded, then the desk is killed before any checkpoint
    again = synced(tmp_path / "a.json", db_url).result
    assert not again.server_reset and again.pushed == 0 and again.conflicts == 0


def test_a_retried_checkpoint_put_that_had_arrived_is_not_an_error(tmp_path: Path, db_url: str) -> None:
    rep = replicator(tmp_path / "a.json", db_url)
    rep.client.put_local("cp", {"last_seq": 1})
    real = rep.client.get_local
    calls = {"n": 0}

    def forgetful(local_id: str):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(local_id)  # as if the first PUT's answer never came back

    rep.client.get_local = forgetful  # type: ignore[method-assign]
    rep.client.put_local("cp", {"last_seq": 2})
    assert real("cp")["last_seq"] == 2


def test_a_missing_database_is_not_created_anonymously(tmp_path: Path, missing_db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 1)
    shown = run_cli("sync", "--url", missing_db_url, "--db", str(tmp_path / "a.json"))
    assert shown.returncode == 2 and "no such database: run server setup" in shown.stderr
    assert len(shown.stderr.strip().splitlines()) == 1
    assert HTTP.get(missing_db_url).status_code == 404


def test_bad_urls_are_one_line(tmp_path: Path) -> None:
    for url in ("http://127.0.0.1:99999/desk", "http://u:p@[::1/x", "ftp://host/desk", "http://host:abc/d"):
        shown = run_cli("sync", "--url", url, "--db", str(tmp_path / "a.json"))
        assert shown.returncode == 2 and "Traceback" not in shown.stderr, url
        assert len(shown.stderr.strip().splitlines()) == 1 and ":p@" not in shown.stderr


def test_a_hand_damaged_record_is_named_skipped_and_repaired(tmp_path: Path) -> None:
    seed_desk(tmp_path / "a.json", 2)
    store = open_store(tmp_path / "a.json")
    store.db.table("issues").insert({"id": "BAD", "title": 123, "users_affected": "lots", "_updated_at": "x"})
    store.close()
    checked = run_cli("db", "check", "--db", str(tmp_path / "a.json"))
    assert checked.returncode == 1 and "issues 'BAD': title" in checked.stdout
    exported = run_cli("export", "--kind", "issues", "--db", str(tmp_path / "a.json"))
    assert exported.returncode == 0 and "Traceback" not in exported.stderr
    assert "skipped" in exported.stderr and "BAD" in exported.stderr and "i1" in exported.stdout
    repaired = run_cli("db", "repair", "--db", str(tmp_path / "a.json"))
    assert repaired.returncode == 0 and "BAD" in repaired.stdout
    assert run_cli("db", "check", "--db", str(tmp_path / "a.json")).returncode == 0
    store = open_store(tmp_path / "a.json")
    assert "BAD" not in store.issues and len(store.issues) == 2
    kept = [dict(d) for d in store.db.table("_rejected")]
    assert kept and kept[0]["doc"]["title"] == 123 and kept[0]["source"] == "local"  # nothing lost


def test_a_pull_never_stores_what_the_models_cannot_load(tmp_path: Path, db_url: str) -> None:
    """Whatever arrives, every stored record loads (the store's invariant)."""
    seed_desk(tmp_path / "a.json", 1)
    for n, data in enumerate([{"title": None}, {"confidence": 7}, {"created_at": "yesterday"},
                              {"estimated_value": {"min": 5, "max": 1}}, {"symptoms": "x"}]):
        put(db_url, {"_id": f"issues:H{n}", "type": "issues", "data": {"id": f"H{n}", **data}})
    rep = synced(tmp_path / "a.json", db_url)
    assert len(rep.result.rejected) == 5
    store = open_store(tmp_path / "a.json")
    assert [Issue.model_validate({k: v for k, v in d.items() if k[0] != "_"}) for d in store.issues.raw()]


def test_complete_on_one_desk_and_cancel_on_the_other_ends_completed(tmp_path: Path, db_url: str) -> None:
    from datetime import timedelta

    from tests.support.clock import T0
    from triagedesk.app.desk import Desk

    seed_desk(tmp_path / "a.json", 1)
    a = open_store(tmp_path / "a.json")
    desk = Desk(a, clock=lambda: T0)
    request = escalate(desk, "i0", "coordinator")
    act(desk, request.id, "pay", "coordinator")
    act(desk, request.id, "assign", "coordinator", "ann")
    act(desk, request.id, "start", "ann")
    a.close()
    replicator(tmp_path / "a.json", db_url).sync()
    replicator(tmp_path / "b.json", db_url).sync()
    a, b = open_store(tmp_path / "a.json"), open_store(tmp_path / "b.json")
    act(Desk(a, clock=lambda: T0 + timedelta(hours=1)), request.id, "complete", "ann")
    act(Desk(b, clock=lambda: T0 + timedelta(hours=2)), request.id, "cancel", "coordinator")  # later, but no move
    a.close()
    b.close()
    for path in ("a.json", "b.json", "a.json", "b.json"):
        synced(tmp_path / path, db_url)
    finals = {open_store(tmp_path / p).requests.require(request.id).status for p in ("a.json", "b.json")}
    assert finals == {"completed"}  # completed -> cancelled is no legal move: the lifecycle decides
    lost = [e for e in open_store(tmp_path / "b.json").history(request.id) if e.action == "sync_conflict"]
    assert lost and lost[-1].before["status"] == "cancelled"


def test_workloads_and_reviews_are_counted_from_the_requests_so_merges_cannot_drift(tmp_path: Path,
                                                                                     db_url: str) -> None:
    from tests.support.clock import T0
    from triagedesk.app.desk import Desk
    from triagedesk.domain.models import Expert

    store = open_store(tmp_path / "a.json")
    names = [f"e{n}" for n in range(10)]
    store.experts.put_many([Expert(id=n, name=n, specializations=["automation_engineering"], completed_reviews=5)
                            for n in names])
    store.issues.put_many([Issue(id=f"i{n}", profile="infrastructure", title=f"Outage {n}") for n in range(10)])
    desk = Desk(store, clock=lambda: T0)
    requests = []
    for n in range(10):
        request = escalate(desk, f"i{n}", "coordinator")
        act(desk, request.id, "assign", "coordinator", names[n])
        requests.append(request.id)
    act(desk, requests[0], "start", "e0")
    store.close()
    replicator(tmp_path / "a.json", db_url).sync()
    replicator(tmp_path / "b.json", db_url).sync()
    a, b = open_store(tmp_path / "a.json"), open_store(tmp_path / "b.json")
    desk_a, desk_b = Desk(a, clock=lambda: T0), Desk(b, clock=lambda: T0)
    for n in range(1, 10):  # the same requests reassigned on both desks, to different experts
        act(desk_a, requests[n], "reassign", "coordinator", names[(n + 1) % 10])
        act(desk_b, requests[n], "reassign", "coordinator", names[(n + 3) % 10])
    act(desk_a, requests[0], "complete", "e0")  # completed on one desk, cancelled on the other
    act(desk_b, requests[0], "cancel", "coordinator")
    a.close()
    b.close()
    for path in ("a.json", "b.json", "a.json", "b.json"):
        synced(tmp_path / path, db_url)
    figures = []
    for path in ("a.json", "b.json"):
        desk = Desk(open_store(tmp_path / path))
        experts = {e.id: (e.current_workload, e.completed_reviews) for e in desk.figures.experts()}
        held = sum(1 for r in desk.store.requests.all() if r.status in ("assigned", "in_review", "waiting"))
        assert len(experts) == 10 and sum(w for w, _ in experts.values()) == held == 9
        assert sum(r for _, r in experts.values()) == 10 * 5 + 1  # one completion, counted once
        figures.append(experts)
    assert figures[0] == figures[1]


def test_a_quarantined_local_record_is_not_deleted_on_the_server(tmp_path: Path, db_url: str) -> None:
    seed_desk(tmp_path / "a.json", 2)
    replicator(tmp_path / "a.json", db_url).sync()
    store = open_store(tmp_path / "a.json")
    doc_id = store.journal.id_index("issues")["i1"]
    store.db.table("issues").update({"users_affected": "lots"}, doc_ids=[int(doc_id)])  # damaged by hand
    store.close()
    assert run_cli("db", "repair", "--db", str(tmp_path / "a.json")).returncode == 0
    after = synced(tmp_path / "a.json", db_url).result
    assert after.pushed == 0 and HTTP.get(f"{db_url}/issues:i1").status_code == 200  # no tombstone sent
    took = run_cli("sync", "--url", db_url, "--db", str(tmp_path / "a.json"), "--take-server", "issues:i1")
    assert took.returncode == 0 and open_store(tmp_path / "a.json").issues.require("i1").users_affected == 0
