"""The demo's fold keeps no copy of a journal that held the demo alone (at 1M it was 3.3 GB beside the 4.1 GB
snapshot until the next compaction); a demo added with `--force` to a store whose journal held other records keeps
it, as every compaction does."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import run_cli
from triagedesk.store.check import check
from triagedesk.store.table import JournalDB, JournalStorage

DEMO = ("--issues", "120", "--seed", "3", "--now", "2026-01-15T12:00:00Z", "--chunk", "40")


def test_a_demo_into_a_new_store_leaves_no_copy_of_its_journal(tmp_path: Path) -> None:
    db = tmp_path / "desk.json"
    made = run_cli("demo", "--db", str(db), *DEMO)
    assert made.returncode == 0, made.stderr
    assert not db.with_name("desk.json.journal.prev").exists()
    assert check(db).ok
    exported = run_cli("export", "--db", str(db), "--kind", "issues", "--format", "jsonl")
    assert exported.stdout.count("\n") == 120


def test_a_demo_added_to_a_store_with_records_in_its_journal_keeps_the_copy(tmp_path: Path) -> None:
    db = tmp_path / "desk.json"
    first = run_cli("demo", "--db", str(db), "--issues", "10", "--seed", "1", "--chunk", "10")
    assert first.returncode == 0, first.stderr
    other = JournalDB(str(db), storage=JournalStorage, create=False)
    other.table("notes").insert({"text": "written before the second demo"})
    other.close()
    again = run_cli("demo", "--db", str(db), "--force", *DEMO)
    assert again.returncode == 0, again.stderr
    kept = db.with_name("desk.json.journal.prev")
    assert kept.exists() and b"written before the second demo" in kept.read_bytes()
    assert check(db).ok
