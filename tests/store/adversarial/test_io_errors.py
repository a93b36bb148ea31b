"""Full disks and I/O errors: a write commits and says so, or fails with one line and commits nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import triagedesk.store.journal as journal_module
from tests.store.adversarial.faults import EIO, ENOSPC, Faulty, injected
from triagedesk.store.check import check
from triagedesk.store.errors import StoreError
from triagedesk.store.table import JournalDB, JournalStorage

ROWS = [{"n": n, "pad": "x" * 200} for n in range(300)]


def _store(path: Path) -> JournalDB:
    db = JournalDB(str(path), storage=JournalStorage)
    db.table("notes").insert({"n": -1})
    return db


def _temps(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if name.endswith(".tmp") or ".tmp-" in name]


@pytest.mark.parametrize("fault", [
    Faulty("write", ENOSPC, where="/desk.json.journal"),
    Faulty("write", ENOSPC, where="/desk.json.journal", short=True),
    Faulty("fsync", EIO, where="/desk.json.journal"),
    Faulty("open", EIO, where="/desk.json.journal"),
], ids=["ENOSPC on write", "a short write, then ENOSPC", "EIO on fsync", "EIO on open"])
def test_a_failed_commit_says_so_in_one_line_and_commits_nothing(tmp_path: Path, fault: Faulty) -> None:
    path = tmp_path / "desk.json"
    db = _store(path)
    db.close()   # a fresh open: the journal is opened by the commit
    db = JournalDB(str(path), storage=JournalStorage)
    before = path.with_name("desk.json.journal").read_bytes()
    with injected(fault), pytest.raises(StoreError) as caught:
        db.table("notes").insert_multiple(ROWS)
    message = str(caught.value)
    assert fault.failed >= 1
    assert "\n" not in message and "nothing was written" in message
    assert os.strerror(fault.code) in message
    assert path.with_name("desk.json.journal").read_bytes() == before
    assert len(db.table("notes")) == 1                      # the process's own view rolled back too
    assert len(JournalDB(str(path), storage=JournalStorage).table("notes")) == 1
    db.table("notes").insert({"n": 0})                       # the disk has room again: writes work
    assert len(JournalDB(str(path), storage=JournalStorage).table("notes")) == 2
    assert check(path).ok


@pytest.mark.parametrize("fault", [
    Faulty("write", ENOSPC, where=".tmp", times=1),              # the new snapshot's temporary file
    Faulty("fsync", EIO, where=".tmp", times=1),
    Faulty("replace", EIO, where="/desk.json", times=1),          # renaming it over the snapshot
    Faulty("mkstemp", ENOSPC, times=1),
    Faulty("write", ENOSPC, where=".tmp", after=1, times=1),     # the new journal's header, after the snapshot
], ids=["ENOSPC writing the snapshot", "EIO on its fsync", "EIO on its rename", "no room for a temp file",
        "ENOSPC writing the new journal"])
def test_a_failed_compaction_keeps_the_committed_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         fault: Faulty) -> None:
    path = tmp_path / "desk.json"
    db = _store(path)
    monkeypatch.setattr(journal_module, "COMPACT_MIN_BYTES", 1000)   # the next commit compacts
    with injected(fault):
        db.table("notes").insert_multiple(ROWS)                     # acknowledged: no error
    assert fault.failed == 1
    assert len(db.table("notes")) == 301
    assert not _temps(tmp_path), "a failed compaction left its temporary file"
    reopened = JournalDB(str(path), storage=JournalStorage)
    assert len(reopened.table("notes")) == 301
    reopened.table("notes").insert({"n": 1000})                    # later writes work; compaction retried
    db.table("notes").insert({"n": 1001})
    db.journal.compact()
    final = JournalDB(str(path), storage=JournalStorage)
    assert len(final.table("notes")) == 303
    assert check(path).ok


def test_an_explicit_compaction_that_fails_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    db = _store(path)
    with injected(Faulty("write", ENOSPC, where=".tmp")), pytest.raises(StoreError) as caught:
        db.journal.compact()
    assert "cannot compact: No space left on device" in str(caught.value)
    assert "every write is kept" in str(caught.value)
    assert not _temps(tmp_path)
    assert len(JournalDB(str(path), storage=JournalStorage).table("notes")) == 1


def test_repeated_full_disk_never_fills_the_folder_with_temp_files(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "desk.json"
    db = _store(path)
    monkeypatch.setattr(journal_module, "COMPACT_MIN_BYTES", 500)
    with injected(Faulty("write", ENOSPC, where=".tmp")) as fault:
        for n in range(40):
            db.table("notes").insert({"n": n, "pad": "y" * 300})
    assert fault.failed >= 1
    assert fault.failed < 40, "compaction is retried after more writes, not on every one"
    assert not _temps(tmp_path)
    assert len(JournalDB(str(path), storage=JournalStorage).table("notes")) == 41


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from triagedesk.cli import main

    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def _issues_file(tmp_path: Path, count: int = 50) -> Path:
    source = tmp_path / "issues.jsonl"
    source.write_text("".join(f'{{"id": "INC-{n}", "title": "Disk {n}"}}\n' for n in range(count)), "utf-8")
    return source


def test_import_on_a_full_disk_is_one_line_and_imports_nothing(tmp_path: Path, capsys) -> None:
    db = tmp_path / "desk.json"
    source = _issues_file(tmp_path)
    assert _cli(capsys, "import", str(source), "--db", str(db))[0] == 0
    with injected(Faulty("write", ENOSPC, where="/desk.json.journal")):
        code, out, err = _cli(capsys, "import", str(_issues_file(tmp_path, 900)), "--db", str(db))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "No space left on device; nothing was written" in err
    assert _cli(capsys, "db", "check", "--db", str(db))[0] == 0


def test_import_whose_compaction_hits_a_full_disk_still_reports_the_commit(tmp_path: Path, capsys,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "desk.json"
    assert _cli(capsys, "import", str(_issues_file(tmp_path, 5)), "--db", str(db))[0] == 0
    monkeypatch.setattr(journal_module, "COMPACT_MIN_BYTES", 1000)
    with injected(Faulty("write", ENOSPC, where=".tmp")) as fault:
        code, out, err = _cli(capsys, "import", str(_issues_file(tmp_path, 900)), "--db", str(db))
    assert fault.failed >= 1
    assert code == 0, err
    assert out.startswith("imported 900 issues")
    assert not _temps(tmp_path)
    code, out, _ = _cli(capsys, "export", "--db", str(db))
    assert code == 0 and out.count("\n") == 900


def test_a_lock_that_cannot_be_taken_is_one_line(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    from filelock import FileLock

    db = tmp_path / "desk.json"
    _cli(capsys, "import", str(_issues_file(tmp_path)), "--db", str(db))

    def denied(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied", self.lock_file)

    monkeypatch.setattr(FileLock, "acquire", denied)
    code, out, err = _cli(capsys, "import", str(_issues_file(tmp_path)), "--db", str(db))
    assert code == 2 and err.count("\n") == 1
    assert "desk.json.lock: cannot lock the store: Permission denied" in err


@pytest.mark.parametrize("name", ["desk.json.lock", "desk.json.journal"])
def test_a_directory_in_place_of_a_store_file_is_one_line(tmp_path: Path, capsys, name: str) -> None:
    db = tmp_path / "desk.json"
    _cli(capsys, "import", str(_issues_file(tmp_path)), "--db", str(db))
    target = tmp_path / name
    target.unlink()
    target.mkdir()
    code, out, err = _cli(capsys, "import", str(_issues_file(tmp_path)), "--db", str(db))
    assert code == 2 and err.count("\n") == 1, err
    assert f"{name}:" in err and "Traceback" not in err
