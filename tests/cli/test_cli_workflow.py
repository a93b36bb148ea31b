"""Headless parity: every desk action is a command with --json, bulk included; a refusal alone exits 2 with the
table's reason on one line; `show --json` lists each request's clocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.clock import T0_Z as NOW
from tests.support.world import network, outage, teapot


@pytest.fixture
def db(tmp_path: Path) -> Path:
    issues = tmp_path / "issues.jsonl"
    rows = [teapot("APR-1"), teapot("APR-2", category="art"), outage("INC-1"), outage("INC-2")]
    issues.write_text("\n".join(i.model_dump_json(exclude_none=True) for i in rows), "utf-8")
    experts = tmp_path / "experts.jsonl"
    experts.write_text("\n".join(e.model_dump_json(exclude_none=True) for e in network()), "utf-8")
    path = tmp_path / "desk.json"
    for file, kind in ((experts, "experts"), (issues, "issues")):
        made = run_cli("import", str(file), "--kind", kind, "--db", str(path))
        assert made.returncode == 0, made.stderr
    return path


def cli(db: Path, *args: str, when: str = NOW) -> tuple[int, str, str]:
    done = run_cli(*args, "--db", str(db), "--now", when, "--actor", "cora")
    return done.returncode, done.stdout, done.stderr


def test_bulk_assign_by_issue_ids_plans_each_issue_and_says_why_it_skips(db: Path) -> None:
    code, out, err = cli(db, "request", "assign", "--issues", "INC-1,APR-1,INC-2,NOPE", "--expert", "net-ana",
                         "--json")
    assert code == 0, err
    rows = {r["issue_id"]: r for r in json.loads(out)}
    assert rows["INC-1"]["done"] and rows["INC-2"]["done"] and rows["INC-1"]["request_id"]
    assert rows["APR-1"] == {"issue_id": "APR-1", "done": False,
                             "reason": "the issue must be escalated and paid first"}
    assert rows["NOPE"]["reason"] == "no issue 'NOPE'"
    # every row refused: exit 2, nothing written
    code, out, _ = cli(db, "request", "assign", "--issues", "APR-1,APR-2", "--expert", "net-ana", "--json")
    assert code == 2 and all(not r["done"] for r in json.loads(out))


def test_a_refusal_is_one_line_with_the_tables_reason(db: Path) -> None:
    code, out, _ = cli(db, "escalate", "APR-1", "--json")
    request_id = json.loads(out)["id"]
    code, _, err = cli(db, "request", "assign", request_id, "--expert", "expert-456")
    assert code == 2 and err == "triagedesk: error: Assign: the request must be paid first (first: pay)\n"
    assert cli(db, "request", "pay", request_id)[0] == 0
    code, _, err = cli(db, "request", "assign", request_id, "--expert", "expert-303")  # art, not silver
    assert code == 2 and "Ruth Abara does not specialise in silver" in err and err.count("\n") == 1
    code, out, err = cli(db, "request", "assign", request_id, "--expert", "expert-303", "--override",
                         "--note", "only appraiser in today", "--json")
    assert code == 0, err and json.loads(out)["assigned_expert_id"] == "expert-303"


def test_sessions_outcomes_and_corrections_from_the_command_line(db: Path) -> None:
    _, out, _ = cli(db, "escalate", "INC-1", "--json")
    request_id = json.loads(out)["id"]
    assert cli(db, "request", "assign", request_id, "--expert", "net-ana")[0] == 0
    code, _, err = cli(db, "session", "start", request_id, "--expert", "net-kenji")
    assert code == 2 and "the request is not yours (held by net-ana)" in err
    code, out, err = cli(db, "session", "start", request_id, "--expert", "net-ana", "--json")
    assert code == 0, err
    session = json.loads(out)["session"]
    assert session["expert_id"] == "net-ana" and json.loads(out)["request"]["status"] == "in_review"
    assert cli(db, "session", "pause", request_id, "--expert", "net-ana", when="2026-01-05T09:10:00Z")[0] == 0
    code, _, err = cli(db, "session", "pause", request_id, "--expert", "net-ana")
    assert code == 2 and "already paused" in err
    assert cli(db, "session", "resume", request_id, "--expert", "net-ana", when="2026-01-05T09:20:00Z")[0] == 0
    code, _, err = cli(db, "correction", "add", request_id, "--expert", "net-ana", "--field", "category[/]",
                       "--corrected", "x")
    assert code == 2 and "is not a correctable field of infrastructure" in err
    code, out, err = cli(db, "correction", "add", request_id, "--expert", "net-ana", "--field", "root_cause",
                         "--corrected", "a flapping uplink", "--original", "config push", "--json")
    assert code == 0, err and json.loads(out)["correction"]["field"] == "root_cause"
    code, out, err = cli(db, "outcome", "add", request_id, "--expert", "net-ana", "--learned", "check uplinks",
                         "--action", "replaced the optic", "--rating", "5", "--json", when="2026-01-05T10:00:00Z")
    assert code == 0, err
    done = json.loads(out)
    assert done["request"]["status"] == "completed" and done["outcome"]["time_to_resolution_minutes"] == 50.0
    shown = json.loads(run_cli("show", "INC-1", "--json", "--db", str(db), "--now", NOW).stdout)
    clocks = {c["target"]: c for c in shown["requests"][0]["clocks"]}
    assert set(clocks) == {"resolve", "acknowledge"}
    assert clocks["resolve"]["state"] == "met" and clocks["acknowledge"]["state"] == "met"
    assert clocks["resolve"]["due_at"] == shown["requests"][0]["request"]["due_at"]


def test_an_experts_email_and_contacts_are_validated(db: Path, tmp_path: Path) -> None:
    """The issue's reproduction: expert edit saved the email "not an email"."""
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x1", "name": "X", "email": "not an email"}\n'
                   '{"id": "x2", "name": "Y", "contacts": {"phone": "+1 555 0100"}}\n', "utf-8")
    done = run_cli("import", str(bad), "--kind", "experts", "--db", str(db))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "bad.jsonl:1: email: 'not an email' is not an email address" in done.stderr
    bad.write_text('{"id": "x2", "name": "Y", "contacts": {"phone": "+1 555 0100"}}\n', "utf-8")
    done = run_cli("import", str(bad), "--kind", "experts", "--db", str(db))
    assert done.returncode == 2 and "contacts: phone: '+1 555 0100' is neither a URL" in done.stderr
