"""Desk commands in a subprocess on a demo store: report, timers, kb, package, request, backtest."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import tomlkit

from tests.support.cli import run_cli
from tests.support.clock import DEMO_Z as NOW
from triagedesk.resources import data_dir


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "desk.json"
    made = run_cli("demo", "--db", str(db), "--issues", "400", "--seed", "5", "--now", NOW)
    assert made.returncode == 0, made.stderr
    return db


def test_report_json_contract(demo_db: Path) -> None:
    result = run_cli("report", "--db", str(demo_db), "--days", "30", "--now", NOW, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    for key in ("period_days", "total_requests", "completed", "cancelled", "refunded", "success_rate",
                "avg_resolution_hours", "mtta_minutes", "sla_compliance", "refunds_due", "refund_exposure",
                "revenue", "cost_per_resolution", "experts", "corrections_by_field", "opportunities"):
        assert key in data
    assert data["period_days"] == 30 and data["total_requests"] > 0
    assert {"expert_id", "completed", "avg_turnaround_hours", "sla_compliance", "corrections", "rating"} \
        <= set(data["experts"][0])
    again = run_cli("report", "--db", str(demo_db), "--days", "30", "--now", NOW, "--format", "json")
    assert again.stdout == result.stdout  # reproducible with --now
    md = run_cli("report", "--db", str(demo_db), "--now", NOW)
    assert md.stdout.startswith("# Expert Network Performance Report")


def test_timers_kb_package(demo_db: Path, tmp_path: Path) -> None:
    timers = json.loads(run_cli("timers", "--db", str(demo_db), "--now", NOW, "--json").stdout)
    assert timers["clocks"] and {"state", "fraction_left", "left_minutes", "due_at"} <= set(timers["clocks"][0])
    hits = json.loads(run_cli("kb", "search", "database outage", "--db", str(demo_db), "--json").stdout)
    assert hits and "outage" in hits[0]["matched"]
    out = tmp_path / "package.md"
    made = run_cli("package", "INC-000001", "--db", str(demo_db), "--out", str(out), "--now", NOW)
    assert made.returncode == 0, made.stderr
    assert out.read_text("utf-8").startswith("# Escalation package")
    missing = run_cli("package", "NOPE", "--db", str(demo_db))
    assert missing.returncode == 2 and "no issue 'NOPE'" in missing.stderr


def test_request_commands(demo_db: Path) -> None:
    listed = run_cli("export", "--db", str(demo_db), "--kind", "requests")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    pending = next(r for r in rows if r["status"] == "pending_assignment" and r["profile"] == "appraisal"
                   and r["item_category"] == "watches")
    outside = run_cli("request", "assign", pending["id"], "--expert", "expert-303", "--db", str(demo_db))
    assert outside.returncode == 2 and outside.stderr.strip() == (
        "triagedesk: error: Assign: Ruth Abara does not specialise in watches "
        "(--override with a --note takes it anyway)")
    assigned = run_cli("request", "assign", pending["id"], "--expert", "expert-101", "--db", str(demo_db), "--json")
    assert assigned.returncode == 0, assigned.stderr
    assert json.loads(assigned.stdout)["status"] == "assigned"
    illegal = run_cli("request", "complete", pending["id"], "--db", str(demo_db))
    assert illegal.returncode == 2
    assert illegal.stderr.strip() == "triagedesk: error: Complete: the review has not started (first: start)"


def test_backtest(demo_db: Path, tmp_path: Path) -> None:
    data = tomllib.loads((data_dir() / "profiles" / "infrastructure.toml").read_text("utf-8"))
    for rule in data["rules"]:
        if rule["id"] == "low_research_confidence":
            next(c for c in rule["when"] if c.get("fact") == "research_confidence")["value"] = 0.3
    path = tmp_path / "tuned.toml"
    path.write_text(tomlkit.dumps(data), "utf-8")
    result = run_cli("backtest", "--profile", str(path), "--db", str(demo_db), "--now", NOW, "--days", "60", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["considered"] > 0 and data["after"]["escalated"] <= data["before"]["escalated"]
    assert data["changed"] == len(data["changes"]) > 0
    table = run_cli("backtest", "--profile", str(path), "--db", str(demo_db), "--now", NOW, "--days", "60")
    assert "issues change" in table.stdout
