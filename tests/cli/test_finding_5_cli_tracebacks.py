"""FINDING 5 (review of #25): user mistakes on the on-call commands that end in a traceback (exit 1) instead of
one line and exit 2: a holiday calendar named with a space or `/` (pydantic's ValidationError escapes
`calendar import`), and an `--at` at the edge of the calendar (`oncall --at 0001-01-01T00:00Z`, `9999-12-31`:
OverflowError from the horizon arithmetic; `schedule show --at 9999-12-31T00:00Z` too)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

HOLIDAY = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//review//EN
BEGIN:VEVENT
UID:h1@review
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20260501
SUMMARY:Labour Day
END:VEVENT
END:VCALENDAR
"""


def _store(folder: Path) -> str:
    db = str(folder / "desk.json")
    (folder / "e.jsonl").write_text('{"id": "ana", "name": "Ana", "specializations": ["x"]}', "utf-8")
    assert run_cli("import", str(folder / "e.jsonl"), "--kind", "experts", "--db", db).returncode == 0
    return db


def _refused(done) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in done.stderr
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.xfail(strict=True, reason="FINDING 5: `calendar import --holidays 'bad name/x'` is a pydantic "
                                       "traceback, exit 1")
def test_finding_5_a_bad_holiday_calendar_name_is_one_line(tmp_path: Path) -> None:
    db = _store(tmp_path)
    (tmp_path / "h.ics").write_text(HOLIDAY, "utf-8")
    assert run_cli("calendar", "import", str(tmp_path / "h.ics"), "--holidays", "good", "--db", db).returncode == 0
    _refused(run_cli("calendar", "import", str(tmp_path / "h.ics"), "--holidays", "bad name/x", "--db", db))


@pytest.mark.xfail(strict=True, reason="FINDING 5: `oncall --at` and `schedule show --at` at year 1 or 9999 end in "
                                       "an OverflowError traceback")
@pytest.mark.parametrize("args", [["oncall", "--at", "0001-01-01T00:00Z"], ["oncall", "--at", "9999-12-31T23:59Z"],
                                  ["schedule", "show", "ops", "--at", "9999-12-31T00:00Z"]],
                         ids=["oncall-year-1", "oncall-year-9999", "show-year-9999"])
def test_finding_5_an_instant_at_the_calendars_edge_is_one_line(tmp_path: Path, args: list[str]) -> None:
    db = _store(tmp_path)
    added = run_cli("schedule", "add", "ops", "--member", "ana", "--start", "2026-01-05T09:00", "--db", db)
    assert added.returncode == 0, added.stderr
    _refused(run_cli(*args, "--db", db))
