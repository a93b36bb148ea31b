"""The server enforcing who may change what: `server setup`, `server user add/list`, roles from `_session`,
403s reported once and kept; against a real PouchDB Server with an admin (its own, not the shared one)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.flows import act
from tests.support.http import HTTP
from tests.sync.team import PASSWORDS, Team, seeded, sync_as
from triagedesk.app.commands import Refused
from triagedesk.app.desk import Desk
from triagedesk.domain.models import Issue
from triagedesk.domain.requests.actions import Actor
from triagedesk.store.database import open_store


def test_setup_is_idempotent_and_a_malformed_put_is_refused(team: Team) -> None:
    again = run_cli("server", "setup", "--url", team.url("admin"))
    assert again.returncode == 0 and "validation unchanged, access unchanged" in again.stdout
    url = team.url("cora").rsplit("/", 1)[0] + "/team"
    for doc, reason in [({"type": "issues", "data": {"id": "X", "title": 123}}, "data.title must be a string"),
                        ({"type": "requests", "data": {"id": "X"}}, 'type must be "issues"'),
                        ({"type": "issues", "data": []}, "data must be an object")]:
        answer = HTTP.put(f"{url}/issues:X", json=doc)
        assert answer.status_code == 403 and reason in answer.json()["reason"]
    widget = HTTP.put(f"{url}/widgets:1", json={"type": "widgets", "data": {}})
    assert widget.status_code == 403 and "_id must be KIND:ID" in widget.json()["reason"]
    assert HTTP.get(f"http://{team.host}/team").status_code == 401  # no role, no access
    listed = run_cli("server", "user", "list", "--url", team.url("admin"), "--json")
    users = {u["name"]: u for u in json.loads(listed.stdout)}
    assert users["ann"]["roles"] == ["expert"] and users["ann"]["expert"] == "ann"
    assert users["lee"]["roles"] == ["lead"] and all(p not in listed.stdout for p in PASSWORDS.values())


def test_an_expert_completes_their_own_request_and_not_anothers(team: Team, tmp_path: Path) -> None:
    db, pair = seeded(team, tmp_path)
    mine, theirs = pair.split("|")
    ann_url = team.url("ann", db)
    assert sync_as(tmp_path / "ann.json", ann_url).refused == []
    store = open_store(tmp_path / "ann.json")
    desk = Desk(store)
    act(desk, mine, "start", "ann")
    act(desk, mine, "complete", "ann")
    with pytest.raises(Refused, match="not yours"):  # the desk refuses it: Bob holds it
        desk.commands.run(Actor("ann", "expert", "ann"), desk.commands.intent_for_request(theirs, "start"))
    forged = store.requests.require(theirs)  # written past the desk's rules (an old desk, another client)
    store.requests.save(forged.model_copy(update={"status": "in_review", "started_at": forged.submitted_at}),
                        actor="ann", action="start")  # not hers: the server refuses
    store.close()
    shown = run_cli("sync", "--url", ann_url, "--db", str(tmp_path / "ann.json"))
    assert shown.returncode == 0, shown.stderr
    assert "refused by the server 1" in shown.stdout
    assert f"refused requests:{theirs}" in shown.stderr and "not assigned to ann" in shown.stderr
    again = run_cli("sync", "--url", ann_url, "--db", str(tmp_path / "ann.json"))
    assert "refused" not in again.stdout + again.stderr and "pushed 0" in again.stdout  # not retried forever
    # kept here, visible, nothing lost; the others see her completion and not the refused start
    assert open_store(tmp_path / "ann.json").requests.require(theirs).status == "in_review"
    listed = json.loads(run_cli("sync", "--url", ann_url, "--db", str(tmp_path / "ann.json"), "--json").stdout)
    assert [r["id"] for r in listed["rejected"] if r["source"] == "refused"] == [f"requests:{theirs}"]
    sync_as(tmp_path / "coord.json", team.url("cora", db))
    coord = open_store(tmp_path / "coord.json")
    assert coord.requests.require(mine).status == "completed"
    assert coord.requests.require(theirs).status == "assigned"
    # undo: take the server's version
    took = run_cli("sync", "--url", ann_url, "--db", str(tmp_path / "ann.json"), "--take-server", f"requests:{theirs}")
    assert took.returncode == 0 and "took the server version" in took.stdout
    ann = open_store(tmp_path / "ann.json")
    assert ann.requests.require(theirs).status == "assigned" and len(ann.db.table("_rejected")) == 0


def test_a_lead_cannot_write_and_an_audit_entry_cannot_be_changed(team: Team, tmp_path: Path) -> None:
    db, _ = seeded(team, tmp_path)
    assert sync_as(tmp_path / "lee.json", team.url("lee", db)).pulled > 0  # a lead reads
    store = open_store(tmp_path / "lee.json")
    store.issues.add(Issue(id="lead-1", title="by a lead"), actor="lee")
    store.close()
    refused = sync_as(tmp_path / "lee.json", team.url("lee", db)).refused
    assert refused and all("a lead reads only" in r.error for r in refused)
    cora = team.url("cora", db)
    audit = next(r["id"] for r in HTTP.get(f"{cora}/_all_docs").json()["rows"] if r["id"].startswith("audit:"))
    doc = HTTP.get(f"{cora}/{audit}").json()
    doc["data"]["actor"] = "cora"
    answer = HTTP.put(f"{cora}/{audit}", json=doc)
    assert answer.status_code == 403 and "append-only" in answer.json()["reason"]
    forged = {"type": "audit", "data": {"id": "forged", "at": "2026-01-01T00:00:00Z", "actor": "admin",
                                        "action": "delete", "kind": "issues", "target_id": "i0"}}
    answer = HTTP.put(f"{cora}/audit:forged", json=forged)
    assert answer.status_code == 403 and "actor must be the writing user" in answer.json()["reason"]


def test_the_desk_role_cannot_exceed_the_servers(team: Team, tmp_path: Path) -> None:
    db, _ = seeded(team, tmp_path)
    ann = team.url("ann", db)
    shown = run_cli("--role", "coordinator", "--sync", ann, "--db", str(tmp_path / "coord.json"))
    assert shown.returncode == 2 and "may not open the desk as coordinator" in shown.stderr
    assert len(shown.stderr.strip().splitlines()) == 1
    other = run_cli("--role", "expert", "--expert", "bob", "--sync", ann, "--db", str(tmp_path / "coord.json"))
    assert other.returncode == 2 and "is expert 'ann' on the server" in other.stderr


def test_credentials_never_reach_the_store_or_any_output(team: Team, tmp_path: Path) -> None:
    db, _ = seeded(team, tmp_path)
    outputs = []
    for user in ("cora", "ann", "lee"):
        for extra in ((), ("--json",)):
            shown = run_cli("sync", "--url", team.url(user, db), "--db", str(tmp_path / f"{user}.json"), *extra)
            outputs.append(shown.stdout + shown.stderr)
    wrong = run_cli("sync", "--url", team.url("ann", db).replace(PASSWORDS["ann"], "wrong-pw-1"), "--db",
                    str(tmp_path / "x.json"))
    assert wrong.returncode == 2
    outputs.append(wrong.stdout + wrong.stderr)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files
    text = "\n".join(outputs) + "".join(p.read_text(errors="replace") for p in files)
    for secret in (*PASSWORDS.values(), "wrong-pw-1"):
        assert secret not in text


def test_only_a_coordinator_changes_a_schedule(team: Team) -> None:
    doc = {"type": "schedules", "data": {"id": "ops", "layers": [{"members": ["ann"], "start": "2026-01-05T09:00:00"}]}}
    refused = HTTP.put(team.url("ann").rsplit("/", 1)[0] + "/team/schedules:ops", json=doc)
    assert refused.status_code == 403 and "only a coordinator changes schedules" in refused.json()["reason"]
    malformed = HTTP.put(team.url("cora").rsplit("/", 1)[0] + "/team/schedules:ops",
                          json={"type": "schedules", "data": {"id": "ops"}})
    assert malformed.status_code == 403 and "data.layers is required" in malformed.json()["reason"]
    assert HTTP.put(team.url("cora").rsplit("/", 1)[0] + "/team/schedules:ops", json=doc).status_code == 201
