"""Schedules and calendars travel through `export` and `import --kind` like every other record: the same bytes
back in each format, and a file naming someone who is no expert here refused with its line, writing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_cli
from triagedesk.resources import data_dir


def _ok(*args: str) -> str:
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "desk.json"
    _ok("import", str(data_dir() / "experts" / "infrastructure.jsonl"), "--kind", "experts", "--db", str(path))
    _ok("schedule", "add", "ops", "--member", "net-ana", "--member", "cloud-tom", "--start", "2026-01-05T09:00",
        "--length", "1w", "--timezone", "Europe/Berlin", "--covers", "infrastructure", "--db", str(path))
    _ok("schedule", "override", "ops", "--member", "cloud-tom", "--start", "2026-01-06T09:00",
        "--end", "2026-01-06T18:00", "--note", "swap, \"quoted\"\nand a newline", "--db", str(path))
    _ok("calendar", "add", "office", "--hours", "mon-fri 09:00-17:00", "--timezone", "Europe/Berlin",
        "--expert", "net-ana", "--db", str(path))
    return path


@pytest.mark.parametrize("kind", ["schedules", "calendars"])
@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_an_export_imports_back_to_the_same_bytes(db: Path, tmp_path: Path, kind: str, fmt: str) -> None:
    exported = _ok("export", "--kind", kind, "--format", fmt, "--db", str(db))
    assert exported.strip() and ("ops" if kind == "schedules" else "office") in exported
    source = tmp_path / f"{kind}.{fmt}"
    source.write_text(exported)
    other = tmp_path / "other.json"
    _ok("import", str(data_dir() / "experts" / "infrastructure.jsonl"), "--kind", "experts", "--db", str(other))
    said = _ok("import", str(source), "--kind", kind, "--db", str(other))
    assert said.startswith(f"imported 1 {kind} (1 new, 0 updated)")
    assert _ok("export", "--kind", kind, "--format", fmt, "--db", str(other)) == exported
    if kind == "schedules":
        assert "cloud-tom" in _ok("oncall", "--at", "2026-01-06T12:00:00Z", "--db", str(other))


@pytest.mark.parametrize("kind, fmt, line", [("schedules", "jsonl", 1), ("calendars", "csv", 2)])
def test_someone_who_is_no_expert_here_is_refused_with_the_line_and_nothing_written(
        db: Path, tmp_path: Path, kind: str, fmt: str, line: int) -> None:
    source = tmp_path / f"{kind}.{fmt}"
    source.write_text(_ok("export", "--kind", kind, "--format", fmt, "--db", str(db)))
    empty = tmp_path / "empty.json"
    _ok("import", str(data_dir() / "experts" / "appraisal.jsonl"), "--kind", "experts", "--db", str(empty))
    done = run_cli("import", str(source), "--kind", kind, "--db", str(empty))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    field = "layers" if kind == "schedules" else "experts"
    assert done.stderr.startswith(f"triagedesk: error: {source}:{line}: {field}: no expert 'net-ana'")
    assert _ok("export", "--kind", kind, "--format", "jsonl", "--db", str(empty)) == ""


def test_a_schedule_the_model_refuses_names_file_line_and_field(db: Path, tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"id": "ops", "layers": [{"members": ["net-ana"], "length": "1w", "start": '
                      '"2026-01-05T09:00:00"}], "timezone": "Mars/Base"}\n')
    done = run_cli("import", str(source), "--kind", "schedules", "--db", str(db))
    assert done.returncode == 2
    assert done.stderr.strip() == f"triagedesk: error: {source}:1: timezone: unknown time zone 'Mars/Base'"
