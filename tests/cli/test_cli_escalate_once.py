"""`escalate` refuses while the issue has an open request (naming it) unless --again; the audit names a person."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli
from triagedesk.resources import data_dir
from triagedesk.store.database import open_store


def test_escalate_twice_refuses_naming_the_open_request(tmp_path: Path) -> None:
    db = tmp_path / "desk.json"
    env = {"USER": "ana", "LOGNAME": "ana"}
    made = run_cli("import", str(data_dir() / "examples" / "ransomware.json"), "--db", str(db))
    assert made.returncode == 0, made.stderr
    first = run_cli("escalate", "INC-1002", "--db", str(db), "--json", env=env)
    assert first.returncode == 0, first.stderr
    opened = json.loads(first.stdout)["id"]
    second = run_cli("escalate", "INC-1002", "--db", str(db), env=env)
    assert second.returncode == 2
    assert opened in second.stderr and "already has an open request" in second.stderr and "--again" in second.stderr
    assert "Traceback" not in second.stderr and len(second.stderr.strip().splitlines()) == 1
    store = open_store(db)
    assert [r.id for r in store.requests.all()] == [opened]  # nothing written by the refusal
    store.close()
    third = run_cli("escalate", "INC-1002", "--again", "--db", str(db), "--json", env=env)
    assert third.returncode == 0, third.stderr
    store = open_store(db)
    assert len(store.requests.all()) == 2
    actors = {entry.actor for entry in store.audit_log.all() if entry.action == "escalate"}
    store.close()
    assert actors == {"ana"}  # the login name, not "cli" or a role


def test_the_configured_actor_wins_over_the_login_name(tmp_path: Path) -> None:
    db = tmp_path / "desk.json"
    config = tmp_path / "config.toml"
    config.write_text('[desk]\nactor = "Ana Ferreira"\n', "utf-8")
    env = {"USER": "ana", "LOGNAME": "ana", "TRIAGEDESK_CONFIG": str(config)}
    assert run_cli("import", str(data_dir() / "examples" / "ransomware.json"), "--db", str(db)).returncode == 0
    result = run_cli("escalate", "INC-1002", "--db", str(db), env=env)
    assert result.returncode == 0, result.stderr
    store = open_store(db)
    assert {e.actor for e in store.audit_log.all() if e.action == "escalate"} == {"Ana Ferreira"}
    store.close()
