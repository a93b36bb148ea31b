"""Damaged, foreign and torn files: a one-line error, the file untouched, check reports, repair restores."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_cli
from triagedesk.store.database import open_store
from triagedesk.store.errors import StoreCorrupt
from triagedesk.store.table import JournalDB, JournalStorage


def make_store(path: Path, notes: int = 5) -> None:
    db = JournalDB(str(path), storage=JournalStorage)
    for n in range(notes):
        db.table("notes").insert({"n": n})
    db.close()


@pytest.mark.parametrize("content", [b"not json at all", b'{"_default": {"1": {"a": 1}}}', b"[1, 2, 3]",
                                     b"\x00\xff\x10"])
def test_foreign_file_is_an_error_and_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "desk.json"
    path.write_bytes(content)
    with pytest.raises(StoreCorrupt, match=rf"^{path}: not a triagedesk store"):
        open_store(path)
    assert path.read_bytes() == content
    result = run_cli("export", "--db", str(path))
    assert result.returncode == 2
    detail = result.stderr.split(f"{path}: ", 1)[1].strip()
    assert result.stderr.strip().splitlines() == [f"triagedesk: error: {path}: " + detail]
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == content


def test_torn_tail_is_ignored_then_cut(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    make_store(path)
    journal = path.with_name("desk.json.journal")
    size = journal.stat().st_size
    with open(journal, "ab") as handle:  # a writer killed mid-line: the kernel stops it at a page boundary
        handle.write((b'deadbeef [["notes","6",{"n":' + b"x" * 4096)[: 4096 - size % 4096])
    db = JournalDB(str(path), storage=JournalStorage)
    assert [d["n"] for d in db.table("notes").all()] == [0, 1, 2, 3, 4]
    db.table("notes").insert({"n": 5})  # the next write cuts the torn tail first
    reopened = JournalDB(str(path), storage=JournalStorage)
    assert [d["n"] for d in reopened.table("notes").all()] == [0, 1, 2, 3, 4, 5]
    assert b"deadbeef" not in journal.read_bytes()


def _damage_line(journal: Path, line_number: int) -> bytes:
    lines = journal.read_bytes().split(b"\n")
    lines[line_number - 1] = lines[line_number - 1].replace(b'"n":2', b'"n":9')  # checksum no longer matches
    damaged = b"\n".join(lines)
    journal.write_bytes(damaged)
    return damaged


def test_damaged_journal_record(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    make_store(path)
    journal = path.with_name("desk.json.journal")
    damaged = _damage_line(journal, 4)  # header, then n=0, n=1, n=2 (damaged), n=3, n=4
    with pytest.raises(StoreCorrupt, match=r"desk.json.journal: damaged record"):
        JournalDB(str(path), storage=JournalStorage)
    assert journal.read_bytes() == damaged  # untouched
    check = run_cli("db", "check", "--db", str(path))
    assert check.returncode == 1
    assert "journal: DAMAGED: records at lines 4 fail their checksum, 2 intact records after them" in check.stdout
    repaired = run_cli("db", "repair", "--db", str(path))
    assert repaired.returncode == 0, repaired.stderr
    assert "replayed 4 intact records of desk.json.journal" in repaired.stdout
    db = JournalDB(str(path), storage=JournalStorage)
    assert sorted(d["n"] for d in db.table("notes").all()) == [0, 1, 3, 4]
    assert list(tmp_path.glob("desk.json.journal.damaged-*"))  # the damaged file is kept
    assert run_cli("db", "check", "--db", str(path)).returncode == 0


def test_repair_restores_the_previous_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    notes = db.table("notes")
    notes.insert({"n": 0})
    db.journal.compact()          # snapshot generation 2 holds n=0; desk.json.prev is generation 1
    notes.insert({"n": 1})
    db.journal.compact()          # generation 3 holds 0 and 1; prev (generation 2) holds 0, its journal n=1
    notes.insert({"n": 2})        # in the live journal
    db.close()
    path.write_bytes(b"{garbage")  # the current snapshot is lost
    result = run_cli("db", "repair", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert "rebuilt from desk.json.prev (generation 2)" in result.stdout
    reopened = JournalDB(str(path), storage=JournalStorage)
    assert sorted(d["n"] for d in reopened.table("notes").all()) == [0, 1, 2]


def test_check_on_a_healthy_store(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    make_store(path)
    result = run_cli("db", "check", "--db", str(path), "--json")
    assert result.returncode == 0
    assert '"ok": true' in result.stdout
