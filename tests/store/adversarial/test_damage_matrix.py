"""Fault injection over every store file: what `check` says, that no write lands on damage, what repair restores."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.adversarial import damage

CASES = damage.cases()  # data: each case is built in its test's own folder


def test_the_matrix_covers_every_file() -> None:
    files = {case.file for case in CASES}
    assert files == {"desk.json", "desk.json.journal", "desk.json.prev", "desk.json.journal.prev"}
    assert len(CASES) > 40


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_damage_case(case: damage.Case, tmp_path: Path) -> None:
    result = damage.run(case, tmp_path / "store")
    if case.detected:
        assert result.verdict.startswith("verdict: damaged"), result.verdict
        assert result.damaged_lines, "check names no damaged file"
        assert result.write_refused, "a write was accepted over damage"
        assert "db repair" in result.refusal and "\n" not in result.refusal
        if case.damage != "deleted":
            assert result.files_kept >= 1, "the damaged file was not kept aside"
    else:
        assert result.verdict == "verdict: ok"
        assert not result.write_refused, result.refusal
    assert result.recovered == set(case.recovers), (
        f"recovered {sorted(result.recovered)}, expected {sorted(case.recovers)}")
    assert result.second_repair == ["nothing to repair: the snapshot and the journal are intact"]
    assert result.check_after


def test_prev_damage_is_reported(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.file == "desk.json.journal.prev" and c.damage == "bit flip")
    result = damage.run(case, tmp_path / "store")
    assert any(line.startswith("journal.prev: DAMAGED") for line in result.damaged_lines), result.damaged_lines


def test_repair_twice_in_one_second_keeps_both_damaged_copies(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    damage.build(path)
    journal = path.with_name("desk.json.journal")
    from triagedesk.store.check import repair

    for _ in range(3):
        journal.write_bytes(damage.flip(journal.read_bytes(), 35))
        repair(path)
    assert len(list(tmp_path.glob("desk.json.journal.damaged-*"))) == 3
    assert damage.notes_of(path) == damage.ALL


def test_a_never_compacted_store_with_a_lost_snapshot_is_rebuilt_from_its_journal(tmp_path: Path) -> None:
    from triagedesk.store.check import check, repair
    from triagedesk.store.table import JournalDB, JournalStorage

    path = tmp_path / "desk.json"
    db = JournalDB(str(path), storage=JournalStorage)
    for n in range(30):
        db.table("notes").insert({"n": n})
    db.close()
    path.write_bytes(damage.flip(path.read_bytes(), 40))
    report = check(path)
    assert not report.ok
    assert not any("older than the snapshot" in line for line in report.lines())
    wanted = "recoverable: an empty store (no intact snapshot) + 30 records"
    assert any(line.startswith(wanted) for line in report.lines())
    repair(path)
    assert damage.notes_of(path) == set(range(30))
