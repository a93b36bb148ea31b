"""FINDING 3 (review of #25): a critical issue at 03:00 Berlin, in a profile a schedule covers, is assigned to
nobody when the person on call is not a specialist of the issue's category.

The README: "The dispatcher's auto-assignments and ack-timeout re-routes go to whoever is on call for the issue's
profile or category (before any strategy)". `steps.on_call_first` only takes the on-call member when they are in
the specialists' pool, so the night schedule covering `infrastructure` is ignored: the only security specialist
works Berlin business hours, the pass logs `no_candidate` and the ransomware issue waits for a coordinator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from triagedesk.resources import data_dir

THREE_AM_BERLIN = "2026-01-14T02:00:00Z"


def _expert(ident: str, specializations: list[str], cover: str) -> dict:
    return {"id": ident, "name": ident.upper(), "email": f"{ident}@example.org", "specializations": specializations,
            "rating": 4.5, "completed_reviews": 80, "timezone": "Europe/Berlin", "expertise_level": "senior",
            "availability": {"business_hours": "8x5", "after_hours": cover, "response_sla": "30_minutes"}}


def _ok(*args: str) -> str:
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.xfail(strict=True, reason="FINDING 3: the person on call for the issue's profile is skipped when they "
                                       "are not a specialist of its category: a critical issue at night gets nobody")
def test_finding_3_a_critical_issue_at_night_goes_to_whoever_is_on_call_for_its_profile(tmp_path: Path) -> None:
    db = str(tmp_path / "desk.json")
    experts = [_expert("day-sec", ["security_engineering", "incident_response"], "none"),
               _expert("night-net", ["network_architecture"], "on_call_rotation")]
    (tmp_path / "experts.jsonl").write_text("\n".join(json.dumps(e) for e in experts), "utf-8")
    _ok("import", str(tmp_path / "experts.jsonl"), "--kind", "experts", "--db", db)
    issue = json.loads((data_dir() / "examples" / "ransomware.json").read_text("utf-8"))
    (tmp_path / "issue.json").write_text(json.dumps({**issue, "created_at": THREE_AM_BERLIN}), "utf-8")
    _ok("import", str(tmp_path / "issue.json"), "--db", db)
    _ok("schedule", "add", "nights", "--member", "night-net", "--start", "2026-01-01T00:00", "--length", "1w",
        "--timezone", "Europe/Berlin", "--restrict", "18:00-08:00", "--covers", "infrastructure", "--db", db)
    on_call = json.loads(_ok("oncall", "--at", THREE_AM_BERLIN, "--db", db, "--json"))["schedules"]
    assert [s["member"] for s in on_call] == ["night-net"]
    request = json.loads(_ok("escalate", "INC-1002", "--now", THREE_AM_BERLIN, "--db", db, "--json"))
    assert request["urgency"] == "critical"
    _ok("dispatch", "--once", "--now", THREE_AM_BERLIN, "--db", db)
    shown = json.loads(_ok("show", "INC-1002", "--db", db, "--json"))
    assert shown["requests"][0]["request"]["assigned_expert_id"] == "night-net"
