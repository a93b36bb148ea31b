"""The CLI names a state as the desk does ("new", "pending assignment"); its JSON keeps the token."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli
from triagedesk.resources import data_dir


def test_search_and_show_name_each_state_once(tmp_path: Path) -> None:
    db = str(tmp_path / "desk.json")
    assert run_cli("import", str(data_dir() / "examples" / "ransomware.json"), "--db", db).returncode == 0
    found = run_cli("search", "ransom", "--db", db)
    assert found.returncode == 0 and found.stdout.startswith("INC-1002  new ")
    opened = run_cli("escalate", "INC-1002", "--db", db)
    assert opened.returncode == 0 and ": pending assignment" in opened.stdout, opened.stdout
    text = run_cli("search", "ransom", "--db", db).stdout
    assert "pending assignment" in text and "pending_assignment" not in text
    shown = run_cli("show", "INC-1002", "--db", db).stdout
    assert "status pending assignment · " in shown and "status: new" not in shown
    assert [f["status"] for f in json.loads(run_cli("search", "ransom", "--db", db, "--json").stdout)] == [
        "pending_assignment"]
