"""The read commands check only the spans of the snapshot they read: damage there is the one-line error (exit 2,
nothing printed), damage in a table they do not read lets them answer, and `db check` finds it either way. An
export holds its output until every span of its table is checked: a damaged table lets nothing out."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.clock import T0
from triagedesk.app.reading import open_reading
from triagedesk.domain.models import Issue
from triagedesk.domain.records import KnowledgeEntry
from triagedesk.store import snapshot_file
from triagedesk.store.database import open_store
from triagedesk.store.errors import StoreCorrupt


def build(path: Path) -> None:
    store = open_store(path)
    store.issues.put_many([Issue(id=f"INC-{n}", title=f"printer outage {n}", description="x" * 300)
                           for n in range(400)])
    store.knowledge.put_many([KnowledgeEntry(id=f"KB-{n}", issue_id=f"INC-{n}", title=f"disk full {n}",
                                             problem="the disk filled", resolution="rotated the logs",
                                             created_at=T0)
                              for n in range(50)])
    store.journal.compact()
    store.close()


def flip_in(path: Path, marker: bytes, last: bool = False) -> None:
    """Flip a bit 3 bytes into `marker`'s first occurrence (a record), or its last (a column after them)."""
    data = bytearray(path.read_bytes())
    data[(data.rindex if last else data.index)(marker) + 3] ^= 0x01
    path.write_bytes(bytes(data))


def refused(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 2, done
    assert done.stdout == ""
    err = done.stderr.strip()
    assert "\n" not in err and "db repair" in err and "Traceback" not in err, err


def test_search_refuses_damage_in_a_column_it_reads(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    build(path)
    flip_in(path, b'"printer outage 17"', last=True)  # inside the issues' `title` column
    refused(run_cli("search", "outage", "--db", str(path)))
    assert "DAMAGED" in run_cli("db", "check", "--db", str(path)).stdout


def test_search_answers_from_intact_columns_over_a_damaged_record(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    build(path)
    flip_in(path, b'"printer outage 17"')  # the record: search reads the columns only
    found = run_cli("search", "outage 17", "--db", str(path), "--json")
    assert found.returncode == 0 and '"INC-17"' in found.stdout, found.stderr
    refused(run_cli("show", "INC-17", "--db", str(path)))  # show reads that record
    assert "DAMAGED" in run_cli("db", "check", "--db", str(path)).stdout


def test_show_refuses_damage_in_the_record_it_reads(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    build(path)
    data = bytearray(path.read_bytes())
    at = data.index(b'{"id":"INC-3"') if b'{"id":"INC-3"' in data else data.index(b'"INC-3"')
    data[at + data[at:].index(b"xxxx") + 2] ^= 0x01  # the description of INC-3's record
    path.write_bytes(bytes(data))
    refused(run_cli("show", "INC-3", "--db", str(path)))


def test_commands_answer_over_damage_in_a_table_they_do_not_read(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    build(path)
    flip_in(path, b'"rotated the logs"')  # a knowledge record: neither `search` nor `show` reads it
    found = run_cli("search", "outage 17", "--db", str(path), "--json")
    assert found.returncode == 0, found.stderr
    assert '"INC-17"' in found.stdout
    shown = run_cli("show", "INC-3", "--db", str(path))
    assert shown.returncode == 0 and "printer outage 3" in shown.stdout, shown.stderr
    refused(run_cli("kb", "search", "disk full", "--db", str(path)))  # it reads the knowledge records
    check = run_cli("db", "check", "--db", str(path))
    assert check.returncode != 0 and "DAMAGED" in check.stdout


def test_an_export_over_a_damaged_span_late_in_its_table_lets_nothing_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from triagedesk.app import exporting

    monkeypatch.setattr(snapshot_file, "CHUNK", 4096)  # many spans
    path = tmp_path / "desk.json"
    build(path)
    flip_in(path, b'{"id":"INC-399"')
    monkeypatch.setattr(exporting, "HELD", 0)  # past the first chunk it would let out what it has
    monkeypatch.setattr(exporting, "_chunks", lambda lines: (line for line in lines))  # a chunk per record
    reading = open_reading(path)
    out: list[bytes] = []
    try:
        with pytest.raises(StoreCorrupt, match="db repair"):
            out.extend(reading.export("issues", "jsonl"))
    finally:
        reading.close()
    assert out == []
    reading = open_reading(path)
    try:
        assert len(b"".join(reading.export("experts", "jsonl"))) == 0  # another table: answered
    finally:
        reading.close()
