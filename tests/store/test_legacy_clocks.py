"""Schema 3: the release before the action table stored a request's `due_at` with its waits already in it; opening
such a store takes them out once, so no deadline moves. (From the review of issue #20: finding 4; the fixture in
fixtures/legacy_wait was written by that release, its README says how.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.cli_door import run
from triagedesk.store.database import open_store
from triagedesk.store.journal import JOURNAL_MAGIC
from triagedesk.store.migrations import CURRENT_SCHEMA

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_legacy_stores_resolve_target_is_not_pushed_twice(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "legacy"
    shutil.copytree(FIXTURES / "legacy_wait", target)
    code, out, err = run(capsys, "timers", "--json", "--now", "2026-01-05T14:00:00Z", "--db", str(target / "desk.json"))
    assert code == 0, err
    rows = json.loads(out)["clocks"]
    assert rows, out
    resolve = [t for t in rows[0]["targets"] if t["target"] == "resolve"]
    assert resolve, rows[0]
    # the previous release showed 2026-01-07T12:00Z: 48 h from submission plus the 180-minute wait, once
    assert resolve[0]["due_at"] == "2026-01-07T12:00:00Z", resolve[0]
    assert resolve[0]["budget_minutes"] == 48 * 60  # the tier's turnaround, the wait outside it
    assert list(target.glob("desk.json.backup-schema2-*"))  # migrated after a backup
    store = open_store(target / "desk.json")
    try:
        assert store.journal.tables["_meta"]["1"]["schema"] == CURRENT_SCHEMA == 3
        (request,) = store.requests.all()
        assert request.paused_minutes == 180 and request.due_at is not None
        assert request.due_at.isoformat() == "2026-01-07T09:00:00+00:00"  # the stored target, before any wait
    finally:
        store.close()
    code, out, err = run(capsys, "timers", "--json", "--now", "2026-01-05T14:00:00Z", "--db", str(target / "desk.json"))
    assert code == 0, err
    reread = [t for t in json.loads(out)["clocks"][0]["targets"] if t["target"] == "resolve"]
    assert [t["due_at"] for t in reread] == ["2026-01-07T12:00:00Z"]  # the same on every open


def _schema2(path: Path, requests: list[dict]) -> None:
    snapshot = {"_meta": {"1": {"app": "triagedesk", "schema": 2, "generation": 1}},
                "requests": {str(n): doc for n, doc in enumerate(requests, start=1)}}
    path.write_text(json.dumps(snapshot), "utf-8")
    path.with_name(path.name + ".journal").write_bytes(JOURNAL_MAGIC + b"1\n")


BASE = {"analysis_id": "APR-1", "profile": "appraisal", "status": "assigned", "submitted_at": "2026-01-05T09:00:00Z",
        "assigned_at": "2026-01-05T09:20:00Z", "due_at": "2026-01-07T12:00:00Z", "paused_minutes": 180.0,
        "_updated_at": "2026-01-05T13:00:00Z"}


def test_only_requests_the_old_release_wrote_are_moved(tmp_path: Path) -> None:
    """The action table's requests (schema 2 too) always carry `ack_due_at`: their due time is already the base."""
    path = tmp_path / "desk.json"
    _schema2(path, [{**BASE, "id": "old"}, {**BASE, "id": "new", "ack_due_at": "2026-01-05T10:20:00Z"},
                    {**BASE, "id": "never-waited", "paused_minutes": 0.0},
                    {**BASE, "id": "no-due", "due_at": None}])
    store = open_store(path)
    try:
        due = {r.id: r.due_at.isoformat() if r.due_at else None for r in store.requests.all()}
        assert due == {"old": "2026-01-07T09:00:00+00:00", "new": "2026-01-07T12:00:00+00:00",
                       "never-waited": "2026-01-07T12:00:00+00:00", "no-due": None}
    finally:
        store.close()
    again = open_store(path)  # once: a migrated record is marked (ack_due_at), reopening moves nothing
    try:
        assert again.requests.require("old").due_at.isoformat() == "2026-01-07T09:00:00+00:00"  # type: ignore[union-attr]
    finally:
        again.close()
