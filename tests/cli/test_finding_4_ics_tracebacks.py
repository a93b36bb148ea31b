"""FINDING 4 (review of #25): real calendars nobody here wrote end `calendar import` and `schedule import` in a
traceback (exit 1): icalendar's own test calendars `pacific_fiji.ics` and `america_new_york_forward_reference.ics`
(shipped in the icalendar wheel, `icalendar/tests/calendars/`) have an event with DTSTART twice;
recurring-ical-events raises AttributeError ('list' object has no attribute 'dt'), which `formats/ics.py`
does not catch. A bad file must be one line naming it, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import icalendar
import pytest

from tests.conftest import run_cli

SHIPPED = Path(icalendar.__file__).parent / "tests" / "calendars"
FILES = ["pacific_fiji.ics", "america_new_york_forward_reference.ics"]
COMMANDS = {"calendar": ["calendar", "import", "--holidays", "h", "--from-year", "2010", "--to-year", "2030"],
            "schedule": ["schedule", "import", "--as", "s", "--from", "2010-01-01T00:00Z",
                         "--until", "2030-01-01T00:00Z"]}


@pytest.mark.xfail(strict=True, reason="FINDING 4: an ICS event with two DTSTART lines (icalendar's own test "
                                       "calendars) is a traceback and exit 1, not a one-line error")
@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", FILES)
def test_finding_4_a_malformed_real_calendar_is_one_line_and_exit_2(tmp_path: Path, command: str, name: str) -> None:
    path = SHIPPED / name
    assert "DTSTART" in path.read_text("utf-8")  # the shipped fixture is there
    args = COMMANDS[command]
    done = run_cli(*args[:2], str(path), *args[2:], "--db", str(tmp_path / "desk.json"))
    assert "Traceback" not in done.stderr
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert name in done.stderr
