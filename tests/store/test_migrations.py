"""Schema versions: an old store migrates once, atomically, after a backup; a newer one is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triagedesk.store.database import open_store
from triagedesk.store.errors import StoreError
from triagedesk.store.journal import JOURNAL_MAGIC
from triagedesk.store.migrations import CURRENT_SCHEMA
from triagedesk.store.snapshot_file import decode_snapshot


def write_v1(path: Path) -> dict:
    snapshot = {
        "_meta": {"1": {"app": "triagedesk", "schema": 1, "generation": 1}},
        "issues": {"1": {"id": "INC-1", "title": "Old", "created_at": "2025-12-01T10:00:00Z"}},
        "experts": {"1": {"id": "e1", "name": "Ann"}},
    }
    path.write_text(json.dumps(snapshot), "utf-8")
    path.with_name(path.name + ".journal").write_bytes(JOURNAL_MAGIC + b"1\n")
    return snapshot


def test_v1_store_migrates_once_after_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    original = write_v1(path)
    store = open_store(path)
    assert store.journal.tables["_meta"]["1"]["schema"] == CURRENT_SCHEMA == 3
    raw_issue = store.issues.raw()[0]
    assert raw_issue["_updated_at"] == "2025-12-01T10:00:00Z"
    assert store.issues.require("INC-1").title == "Old"
    backups = list(tmp_path.glob("desk.json.backup-schema1-*"))
    assert len([b for b in backups if not b.name.endswith(".journal")]) == 1
    snapshot_copy = next(b for b in backups if not b.name.endswith(".journal"))
    assert decode_snapshot(snapshot_copy.read_bytes()) == original  # the older format was upgraded first, as is
    store.close()
    # on disk, atomically: the snapshot itself says schema 3; reopening does not migrate again
    assert path.read_bytes().startswith(b"#triagedesk-snapshot v3\n")  # migrated and written in the current format
    assert decode_snapshot(path.read_bytes())["_meta"]["1"]["schema"] == 3
    open_store(path).close()
    assert len(list(tmp_path.glob("desk.json.backup-*"))) == len(backups)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    snapshot = write_v1(path)
    snapshot["_meta"]["1"]["schema"] = CURRENT_SCHEMA + 1
    path.write_text(json.dumps(snapshot), "utf-8")
    with pytest.raises(StoreError, match=r"written by a newer triagedesk"):
        open_store(path)
