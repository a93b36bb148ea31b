"""`schedule`, `calendar` and `oncall` from the command line: mistakes are one line with exit 2 and nothing written;
a schedule set up by hand and one from an ICS file answer `oncall --at`; overrides and removals are audited."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar
import pytest

from tests.support.cli import run_cli
from triagedesk.resources import data_dir
from triagedesk.store.database import open_store

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ics"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "desk.json"
    made = run_cli("import", str(data_dir() / "experts" / "infrastructure.jsonl"), "--kind", "experts",
                   "--db", str(path))
    assert made.returncode == 0, made.stderr
    return path


def _ok(*args: str) -> dict | list:
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _refused(*args: str, says: str) -> None:
    done = run_cli(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert says in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def _stored(db: Path, kind: str) -> list:
    store = open_store(db)
    try:
        return store.repository(kind).all()
    finally:
        store.close()


def test_mistakes_are_one_line_and_write_nothing(db: Path, tmp_path: Path) -> None:
    at = ("--db", str(db))
    _refused("schedule", "add", "ops", *at, says="give --member ID")
    _refused("schedule", "add", "ops", "--member", "net-ana", *at, says="--start LOCAL-TIME")
    _refused("schedule", "add", "ops", "--member", "ghost", "--start", "2026-01-05T09:00", *at,
             says="no expert 'ghost'")
    _refused("schedule", "add", "ops", "--member", "net-ana", "--start", "2026-01-05T09:00", "--length", "2x", *at,
             says="length")
    _refused("schedule", "add", "ops", "--member", "net-ana", "--start", "2026-01-05T09:00", "--restrict", "9-5",
             *at, says="--restrict")
    _refused("schedule", "add", "ops", "--member", "net-ana", "--start", "2026-01-05T09:00", "--timezone", "Mars/X",
             *at, says="timezone")
    _refused("schedule", "add", "bad name", "--member", "net-ana", "--start", "2026-01-05T09:00", *at, says="id")
    _refused("schedule", "override", "nope", "--member", "net-ana", "--start", "2026-01-05T09:00Z",
             "--end", "2026-01-05T10:00Z", *at, says="no schedule 'nope'")
    _refused("schedule", "import", str(tmp_path / "missing.ics"), "--as", "x", *at, says="no such file")
    (tmp_path / "broken.ics").write_text("BEGIN:VCALENDAR\nnot ical at all", "utf-8")
    _refused("schedule", "import", str(tmp_path / "broken.ics"), "--as", "x", *at, says="broken.ics: not an iCalendar")
    _refused("schedule", "import", str(FIXTURES / "Germany.ics"), "--as", "x", "--from", "2009-01-01",
             "--until", "2010-01-01", *at, says="names an expert")
    _refused("calendar", "import", "--holidays", "h", *at, says="give FILE.ics or --country")
    _refused("calendar", "import", "--holidays", "h", "--country", "XX", *at, says="--country XX")
    _refused("calendar", "add", "biz", "--hours", "mon-fri 09:00-17:00", *at, says="--expert ID or --team")
    _refused("oncall", "--at", "yesterday", *at, says="--at")
    _refused("oncall", *at, says="no schedules yet")
    assert _stored(db, "schedules") == [] and _stored(db, "calendars") == []


def test_a_schedule_set_up_by_hand_answers_oncall_with_overrides_and_is_audited(db: Path) -> None:
    at = ("--db", str(db))
    _ok("schedule", "add", "ops", "--member", "net-ana", "--member", "cloud-tom", "--start", "2026-01-05T09:00",
        "--length", "1w", "--timezone", "Europe/Berlin", "--covers", "infrastructure", *at, "--json")
    _ok("schedule", "add", "ops", "--add-layer", "--layer-name", "nights", "--member", "auto-sam", "--start",
        "2026-01-05T00:00", "--length", "1d", "--restrict", "mon-fri 22:00-06:00", *at, "--json")
    override = _ok("schedule", "override", "ops", "--member", "net-kenji", "--start", "2026-01-07T10:00Z",
                   "--end", "2026-01-07T12:00Z", "--note", "dentist", *at, "--json")
    answers = {t: _ok("oncall", "--at", t, *at, "--json")["schedules"][0] for t in
               ("2026-01-07T11:00:00Z", "2026-01-07T21:30:00Z", "2026-01-13T12:00:00Z")}
    assert answers["2026-01-07T11:00:00Z"]["member"] == "net-kenji"
    assert answers["2026-01-07T11:00:00Z"]["until"] == "2026-01-07T12:00:00Z"
    assert answers["2026-01-07T21:30:00Z"]["member"] == "auto-sam"
    assert answers["2026-01-07T21:30:00Z"]["source"] == "nights"
    assert answers["2026-01-13T12:00:00Z"]["member"] == "cloud-tom"  # the second week
    listed = _ok("schedule", "list", *at, "--json")
    assert listed == [{"id": "ops", "timezone": "Europe/Berlin", "layers": 2,
                       "members": ["net-ana", "cloud-tom", "auto-sam", "net-kenji"], "overrides": 1,
                       "covers": ["infrastructure"]}]
    shown = _ok("schedule", "show", "ops", "--at", "2026-01-07T00:00:00Z", "--days", "1", *at, "--json")
    assert "override" in {s["source"] for s in shown["shifts"]}
    _ok("schedule", "remove", "ops", "--override", override["override"]["id"], *at, "--json")
    assert _ok("oncall", "--at", "2026-01-07T11:00:00Z", *at, "--json")["schedules"][0]["member"] == "net-ana"
    _ok("schedule", "remove", "ops", *at, "--json")
    store = open_store(db)
    try:
        actions = [e.action for e in store.audit_log.all() if e.kind == "schedules"]
    finally:
        store.close()
    assert actions == ["schedule", "schedule_layer", "override", "override_remove", "delete"]


def test_a_schedule_from_an_ics_file_exports_and_imports_back(db: Path, tmp_path: Path) -> None:
    at = ("--db", str(db))
    shifts = tmp_path / "shifts.ics"
    shifts.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:On call: Ana Ferreira\r\n"
        "DTSTART;TZID=Europe/Lisbon:20260105T080000\r\nDTEND;TZID=Europe/Lisbon:20260105T200000\r\n"
        "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR\r\nEXDATE;TZID=Europe/Lisbon:20260107T080000\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Backup\r\nDTSTART:20260106T080000Z\r\nDTEND:20260106T200000Z\r\n"
        "ATTENDEE;CN=Tom:mailto:tom@example.net\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:c\r\nSUMMARY:Team lunch\r\nDTSTART:20260106T120000Z\r\nDTEND:20260106T130000Z\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n", "utf-8")
    imported = _ok("schedule", "import", str(shifts), "--as", "rota", "--from", "2026-01-01T00:00:00Z",
                   "--until", "2026-02-01T00:00:00Z", *at, "--json")
    assert imported == {"schedule": "rota", "shifts": 12, "members": ["net-ana", "cloud-tom"], "skipped": 1}
    who = {t: _ok("oncall", "--at", t, *at, "--json")["schedules"][0]["member"]
           for t in ("2026-01-05T09:00:00Z", "2026-01-06T09:00:00Z", "2026-01-07T09:00:00Z")}
    assert who == {"2026-01-05T09:00:00Z": "net-ana", "2026-01-06T09:00:00Z": "cloud-tom",
                   "2026-01-07T09:00:00Z": None}
    exported = tmp_path / "rota.ics"
    done = run_cli("schedule", "export", "rota", "--from", "2026-01-01T00:00:00Z", "--until", "2026-02-01T00:00:00Z",
                   "--out", str(exported), *at)
    assert done.returncode == 0, done.stderr
    assert "BEGIN:VEVENT" in exported.read_text("utf-8") and "mailto:ana@example.net" in exported.read_text("utf-8")
    _ok("schedule", "import", str(exported), "--as", "again", "--from", "2026-01-01T00:00:00Z",
        "--until", "2026-02-01T00:00:00Z", *at, "--json")
    for t in ("2026-01-05T09:00:00Z", "2026-01-06T19:59:00Z", "2026-01-07T09:00:00Z", "2026-01-30T10:00:00Z"):
        answers = {a["schedule"]: a["member"] for a in _ok("oncall", "--at", t, *at, "--json")["schedules"]}
        assert answers["rota"] == answers["again"], t


def test_holiday_calendars_from_a_file_and_a_country_with_their_scope(db: Path) -> None:
    at = ("--db", str(db))
    from_file = _ok("calendar", "import", str(FIXTURES / "Germany.ics"), "--holidays", "de-outlook",
                    "--from-year", "2009", "--to-year", "2010", "--team", "emea", *at, "--json")
    assert from_file["holidays"] > 10 and from_file["teams"] == ["emea"]
    country = _ok("calendar", "import", "--holidays", "bavaria", "--country", "DE", "--region", "BY",
                  "--from-year", "2026", "--to-year", "2026", "--expert", "cloud-tom", *at, "--json")
    assert country["source"] == "country:DE-BY" and country["experts"] == ["cloud-tom"]
    _ok("calendar", "add", "tom-hours", "--hours", "mon-thu 08:00-18:00", "--timezone", "Europe/Berlin",
        "--expert", "cloud-tom", *at, "--json")
    listed = {c["id"]: c for c in _ok("calendar", "list", *at, "--json")}
    assert set(listed) == {"de-outlook", "bavaria", "tom-hours"} and listed["tom-hours"]["kind"] == "business"
    done = run_cli("calendar", "remove", "bavaria", *at)
    assert done.returncode == 0, done.stderr
    _refused("calendar", "remove", "bavaria", *at, says="no calendar 'bavaria'")


# icalendar's own test calendars (shipped in its wheel, icalendar/tests/calendars/): an event with DTSTART twice
SHIPPED = Path(icalendar.__file__).parent / "tests" / "calendars"


@pytest.mark.parametrize("command", [["calendar", "import", "--holidays", "h", "--from-year", "2010", "--to-year",
                                      "2030"],
                                     ["schedule", "import", "--as", "s", "--from", "2010-01-01T00:00Z", "--until",
                                      "2030-01-01T00:00Z"]], ids=["calendar", "schedule"])
@pytest.mark.parametrize("name", ["pacific_fiji.ics", "america_new_york_forward_reference.ics"])
def test_a_real_calendar_with_an_events_start_given_twice_is_one_line_naming_file_line_and_event(
        db: Path, command: list[str], name: str) -> None:
    path = SHIPPED / name
    assert path.read_text("utf-8").count("UID:noend123") == 1  # the shipped fixture is there
    _refused(*command[:2], str(path), *command[2:], "--db", str(db),
             says=f"{name}: line ")
    done = run_cli(*command[:2], str(path), *command[2:], "--db", str(db))
    assert "event UID 'noend123': DTSTART a second time" in done.stderr
    assert _stored(db, "schedules") == [] and _stored(db, "calendars") == []


def test_a_calendar_file_is_checked_before_the_store_is_opened(tmp_path: Path) -> None:
    _refused("schedule", "import", str(SHIPPED / "pacific_fiji.ics"), "--as", "s", "--db",
             str(tmp_path / "none.json"), says="pacific_fiji.ics: line 49")


def test_a_holiday_calendar_name_with_a_space_or_a_slash_is_one_line(db: Path) -> None:
    at = ("--db", str(db))
    _refused("calendar", "import", str(FIXTURES / "Germany.ics"), "--holidays", "bad name/x", *at,
             says="--holidays: 'bad name/x' is not a schedule or calendar name")
    _refused("calendar", "import", "--country", "DE", "--holidays", "a/b", *at, says="--holidays: 'a/b'")
    assert _stored(db, "calendars") == []


@pytest.mark.parametrize("args", [
    ["oncall", "--at", "0001-01-01T00:00Z"], ["oncall", "--at", "9999-12-31T23:59Z"],
    ["oncall", "--at", "0001-01-01T00:00+05:00"],  # before year 1 in UTC: not a time at all
    ["schedule", "show", "ops", "--at", "9999-12-31T00:00Z"], ["timers", "--now", "9999-01-01T00:00Z"],
    ["schedule", "add", "far", "--member", "net-ana", "--start", "9999-12-31T00:00"],
    ["schedule", "add", "early", "--member", "net-ana", "--start", "0001-01-01T00:00"],
], ids=["oncall-year-1", "oncall-year-9999", "before-year-1", "show-year-9999", "timers-now-9999",
        "handoff-year-9999", "handoff-year-1"])
def test_an_instant_at_the_calendars_edge_is_one_line(db: Path, args: list[str]) -> None:
    _ok("schedule", "add", "ops", "--member", "net-ana", "--start", "2026-01-05T09:00", "--db", str(db), "--json")
    _refused(*args, "--db", str(db), says=args[-2])
    assert [s.id for s in _stored(db, "schedules")] == ["ops"]


@pytest.mark.parametrize("at", ["1970-01-01T00:00Z", "7999-12-31T23:59Z"])
def test_the_first_and_last_instants_the_desk_reckons_with_are_answered(db: Path, at: str) -> None:
    _ok("schedule", "add", "ops", "--member", "net-ana", "--start", "2026-01-05T09:00", "--db", str(db), "--json")
    answer = _ok("oncall", "--at", at, "--db", str(db), "--json")
    assert isinstance(answer, dict) and [s["schedule"] for s in answer["schedules"]] == ["ops"]
