"""`triagedesk show` prints what the desk's issue screen shows; `search` finds closed issues too."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli
from triagedesk.resources import data_dir


def test_show_and_search_an_issue_with_its_history(tmp_path: Path) -> None:
    db = str(tmp_path / "desk.json")
    env = {"USER": "ana", "LOGNAME": "ana"}
    assert run_cli("import", str(data_dir() / "examples" / "ransomware.json"), "--db", db).returncode == 0
    opened = run_cli("escalate", "INC-1002", "--db", db, "--notes", "call [bold]ops[/] \x1b[31m", "--json", env=env)
    request_id = json.loads(opened.stdout)["id"]
    assert run_cli("request", "cancel", request_id, "--db", db, "--note", "duplicate", env=env).returncode == 0
    shown = run_cli("show", "INC-1002", "--db", db, "--json")
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["issue"]["description"].startswith("Several files renamed")
    assert record["issue"]["users_affected"] == 120 and record["requester"] == "ana"
    assert [r["request"]["status"] for r in record["requests"]] == ["cancelled"]
    assert [(h["actor"], h["action"], h["note"]) for h in record["history"]] == [
        ("ana", "escalate", "call [bold]ops[/] \x1b[31m"), ("ana", "cancel", "duplicate")]
    assert ["status", "pending_assignment", "cancelled"] in record["history"][1]["changes"]
    text = run_cli("show", "INC-1002", "--db", db)
    assert text.returncode == 0
    for needle in ("## Issue", "## Fields", f"## Request {request_id}", "## History", "users_affected: 120",
                   "status: pending assignment -> cancelled", "status cancelled · ", "note: duplicate", "ana · cancel"):
        assert needle in text.stdout
    assert "\x1b" not in text.stdout and "\\x1b[31m" in text.stdout  # control characters shown, never run
    found = run_cli("search", "ransom", "--db", db, "--json")
    assert [(f["issue_id"], f["status"], f["where"]) for f in json.loads(found.stdout)] == [
        ("INC-1002", "cancelled", "title")]  # closed, still found
    by_requester = run_cli("search", "ana", "--db", db).stdout
    assert "ana" in by_requester and "(requester)" in by_requester
    missing = run_cli("show", "NOPE-1", "--db", db)
    assert missing.returncode == 2 and "NOPE-1" in missing.stderr and "Traceback" not in missing.stderr
