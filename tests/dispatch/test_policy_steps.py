"""The policy stepped through time with `dispatch --once --now` over a demo store, as an operator would replay it:
an unacknowledged critical assignment is reassigned after the response SLA, the third miss goes to the senior,
then a coordinator is flagged; a breach escalates; the same instant twice does nothing the second time."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.clock import T0_Z as T0
from triagedesk.app.dispatching import open_dispatching
from triagedesk.domain.requests.policy import STEP_KINDS

CRITICAL = {"id": "CRIT-1", "title": "Production outage: checkout down", "profile": "infrastructure",
            "description": "The checkout cluster is down for every customer.", "users_affected": 950,
            "created_at": T0}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("policy")
    db = folder / "desk.json"
    made = run_cli("demo", "--issues", "80", "--seed", "5", "--now", T0, "--db", str(db))
    assert made.returncode == 0, made.stderr
    (folder / "crit.json").write_text(json.dumps([CRITICAL, {**CRITICAL, "id": "CRIT-2"}]), "utf-8")
    assert run_cli("import", str(folder / "crit.json"), "--db", str(db)).returncode == 0
    return db


def _once(db: Path, now: str) -> list[dict]:
    done = run_cli("dispatch", "--once", "--now", now, "--db", str(db), "--log-format", "json")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]


def _steps(db: Path, now: str, request_id: str) -> list[str]:
    """The policy steps one pass took for one request (deliveries left out)."""
    return [e["event"] for e in _once(db, now) if e.get("request") == request_id and e["event"] in STEP_KINDS]


def _explain(db: Path, request_id: str, now: str) -> dict:
    shown = run_cli("policy", "explain", request_id, "--now", now, "--db", str(db), "--json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def _plan(db: Path, request_id: str) -> list[dict]:
    """The plan as `policy explain` computes it, without a process per look."""
    d = open_dispatching(str(db), create=False)
    try:
        request = d.request(request_id)
        assert request is not None
        return [s.as_dict() for s in d.plan_for(request, d.step_history().get(request_id, []))]
    finally:
        d.close()


def _request(db: Path, request_id: str):
    d = open_dispatching(str(db), create=False)
    try:
        return d.request(request_id)
    finally:
        d.close()


def _walk(db: Path, request_id: str, until: str) -> list[tuple[str, list[dict], list[dict]]]:
    """Step `dispatch --once` to each next due time up to `until`: (when, what explain said the pass would take,
    what the pass took)."""
    out = []
    for _ in range(12):
        plan = _plan(db, request_id)
        if not plan or plan[0]["due"] > until:
            return out
        when = plan[0]["due"]
        promised = _explain(db, request_id, when)["next_pass"]
        taken = [e for e in _once(db, when) if e.get("request") == request_id and e["event"] in STEP_KINDS]
        out.append((when, promised, taken))
    raise AssertionError("the policy never settled")


def test_reassignments_never_move_the_resolve_target_and_every_due_step_is_taken(store: Path) -> None:
    """The issue's reproduction: stepping through a morning, due_at moved with each (re)assignment, the breach
    never came, and `policy explain` listed steps the pass did not take."""
    escalated = run_cli("escalate", "CRIT-1", "--now", T0, "--db", str(store), "--json")
    assert escalated.returncode == 0, escalated.stderr
    request_id = json.loads(escalated.stdout)["id"]
    due = _request(store, request_id).due_at
    assert due is not None
    assert _steps(store, T0, request_id) == ["auto_assign"]
    assert _steps(store, T0, request_id) == []   # same instant: nothing
    first = _request(store, request_id).assigned_expert_id
    walked = _walk(store, request_id, _stamp(due))
    assert walked, "the policy had steps to take"
    for when, promised, taken in walked:
        assert [p["kind"] for p in promised] == [t["event"] for t in taken], when  # explain = the pass
        assert [p["action"] for p in promised] == [t["action"] for t in taken], when
        assert _request(store, request_id).due_at == due  # no reassignment moves the resolve target
    kinds = [t["event"] for _, _, taken in walked for t in taken]
    assert kinds[0] == "ack_reassign" and "at_risk_notice" in kinds and kinds[-1] in ("breach_senior", "breach_flag")
    assert walked[-1][0] == _stamp(due)   # the breach came at the due time set when the request opened
    request = _request(store, request_id)
    assert first in request.lapsed_expert_ids and request.assigned_expert_id not in request.lapsed_expert_ids
    text = run_cli("policy", "explain", request_id, "--now", _stamp(due), "--db", str(store))
    assert text.returncode == 0 and "taken: ack_reassign" in text.stdout


def test_a_breach_with_nobody_more_senior_flags_a_coordinator_and_says_why(store: Path) -> None:
    request_id = json.loads(run_cli("escalate", "CRIT-2", "--now", T0, "--db", str(store), "--json").stdout)["id"]
    _once(store, T0)
    ack = run_cli("request", "acknowledge", request_id, "--now", "2026-01-05T09:05:00Z", "--db", str(store))
    assert ack.returncode == 0, ack.stderr
    request = _request(store, request_id)
    plan = {"steps": _plan(store, request_id)}
    assert [s["kind"] for s in plan["steps"]] == ["at_risk_notice", "breach_senior"]
    assert plan["steps"][1]["due"] == _stamp(request.due_at)
    assert _steps(store, plan["steps"][0]["due"], request_id) == ["at_risk_notice"]
    assert _request(store, request_id).assigned_expert_id == request.assigned_expert_id
    events = [e for e in _once(store, plan["steps"][1]["due"]) if e.get("request") == request_id]
    breach = next(e for e in events if e["event"] == "breach_senior")
    holder = _request(store, request_id)
    if breach["action"] == "senior":  # someone above the holder specialises in it: they take it
        assert holder.escalated_to_senior and holder.assigned_expert_id != request.assigned_expert_id
    else:  # nobody does: the holder keeps it, and a coordinator is told why
        assert breach["action"] == "notify" and "a coordinator must decide" in breach["reason"]
        assert holder.assigned_expert_id == request.assigned_expert_id
        d = open_dispatching(str(store), create=False)
        try:
            assert any(m.kind == "coordinator" and m.event.endswith(":breach:" + _stamp(request.due_at))
                       for m in d.outbox(request_id))
        finally:
            d.close()
    assert _steps(store, plan["steps"][1]["due"], request_id) == []


def test_explain_names_a_missing_request_in_one_line(store: Path) -> None:
    shown = run_cli("policy", "explain", "req-nope", "--db", str(store))
    assert shown.returncode == 2 and shown.stderr.count("\n") == 1 and "req-nope" in shown.stderr


def test_backtest_replays_a_changed_policy_against_the_shipped_one(store: Path, tmp_path: Path) -> None:
    shipped = (Path(__file__).resolve().parents[2] / "data" / "profiles" / "infrastructure.toml").read_text("utf-8")
    changed = shipped.replace('urgencies = ["critical"]', 'urgencies = ["critical", "high", "medium"]', 1)
    assert changed != shipped
    (tmp_path / "wider.toml").write_text(changed, "utf-8")
    done = run_cli("policy", "backtest", "--profile", str(tmp_path / "wider.toml"), "--db", str(store),
                   "--now", T0, "--days", "60", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows["current"]["requests"] == rows["changed"]["requests"] > 0
    assert rows["changed"]["auto_assigned"] > rows["current"]["auto_assigned"]
    assert rows["changed"]["assignment_wait_saved_minutes"] >= rows["current"]["assignment_wait_saved_minutes"]
    bad = run_cli("policy", "backtest", "--profile", str(tmp_path / "nope.toml"), "--db", str(store))
    assert bad.returncode == 2 and "nope.toml" in bad.stderr and bad.stderr.count("\n") == 1
