"""Routing, clocks and pages follow the schedules. Done when: a critical page at 03:00 Berlin goes to the Singapore
half of a follow-the-sun rotation through the dispatcher, and a holiday stops a business-hours clock. Also Zammad
#4432: a page due outside the holder's service hours goes to whoever covers, or waits for their hours."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import run_cli
from triagedesk.app.dispatching import open_dispatching
from triagedesk.domain.routing.schedules import Layer, Restriction, Schedule
from triagedesk.resources import data_dir

SECURITY = ["security_engineering", "incident_response"]


def _expert(ident: str, zone: str, cover: str, rating: float, level: str = "senior") -> dict:
    return {"id": ident, "name": ident.upper(), "email": f"{ident}@example.org", "specializations": SECURITY,
            "rating": rating, "completed_reviews": 120, "timezone": zone, "expertise_level": level,
            "availability": {"business_hours": "8x5", "after_hours": cover, "response_sla": "30_minutes"}}


def _store(folder: Path, experts: list[dict], created: str) -> Path:
    db = folder / "desk.json"
    (folder / "experts.jsonl").write_text("\n".join(json.dumps(e) for e in experts), "utf-8")
    assert run_cli("import", str(folder / "experts.jsonl"), "--kind", "experts", "--db", str(db)).returncode == 0
    issue = json.loads((data_dir() / "examples" / "ransomware.json").read_text("utf-8"))
    (folder / "issue.json").write_text(json.dumps({**issue, "created_at": created}), "utf-8")
    assert run_cli("import", str(folder / "issue.json"), "--db", str(db)).returncode == 0
    return db


def _cli(*args: str) -> dict:
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip().startswith(("{", "[")) else {}


THREE_AM_BERLIN = "2026-01-14T02:00:00Z"
# Berlin's experts are the better match and cover 24x7: without a schedule the dispatcher picks one of them
NETWORK = [_expert("ber-1", "Europe/Berlin", "24x7", 5.0, "expert"), _expert("ber-2", "Europe/Berlin", "24x7", 4.9),
           _expert("sg-1", "Asia/Singapore", "on_call_rotation", 3.6), _expert("sg-2", "Asia/Singapore",
                                                                               "on_call_rotation", 3.5)]


@pytest.mark.parametrize("with_schedule", [True, False], ids=["follow-the-sun", "no schedule"])
def test_a_critical_page_at_3am_berlin_goes_to_the_singapore_half_of_a_follow_the_sun_rotation(
        tmp_path: Path, with_schedule: bool) -> None:
    db = _store(tmp_path, NETWORK, THREE_AM_BERLIN)
    if with_schedule:
        _cli("schedule", "add", "fts", "--region", "berlin=Europe/Berlin:ber-1,ber-2",
             "--region", "singapore=Asia/Singapore:sg-1,sg-2", "--start", "2026-01-01T00:00",
             "--covers", "infrastructure", "--db", str(db), "--json")
    request = _cli("escalate", "INC-1002", "--now", THREE_AM_BERLIN, "--db", str(db), "--json")
    assert request["urgency"] == "critical" and request["status"] == "pending_assignment"
    passed = run_cli("dispatch", "--once", "--now", THREE_AM_BERLIN, "--db", str(db), "--log-format", "json")
    assert passed.returncode == 0, passed.stderr
    shown = _cli("show", "INC-1002", "--db", str(db), "--json")
    holder = shown["requests"][0]["request"]["assigned_expert_id"]
    outbox = _cli("outbox", "--db", str(db), "--json")
    paged = {m["expert_id"] for m in outbox if m["kind"] == "assignment"}
    if not with_schedule:
        assert holder in {"ber-1", "ber-2"} and paged == {holder}
        return
    on_call = _cli("oncall", "--at", THREE_AM_BERLIN, "--db", str(db), "--json")["schedules"][0]
    assert on_call["source"] == "singapore" and on_call["member"] in {"sg-1", "sg-2"}
    assert holder == on_call["member"] and paged == {holder}


def test_a_holiday_stops_a_business_hours_clock(tmp_path: Path) -> None:
    day = _expert("day-ber", "Europe/Berlin", "none", 4.8)
    db = _store(tmp_path, [day, {**day, "id": "day-two"}], "2024-12-24T14:00:00Z")
    _cli("calendar", "import", "--holidays", "de-public", "--country", "DE", "--from-year", "2024", "--to-year",
         "2025", "--expert", "day-ber", "--db", str(db), "--json")
    due = {}
    for who in ("day-ber", "day-two"):
        request = _cli("escalate", "INC-1002", "--again", "--now", "2024-12-24T14:00:00Z", "--db", str(db), "--json")
        assigned = _cli("request", "assign", request["id"], "--expert", who, "--now", "2024-12-24T15:00:00Z",
                        "--db", str(db), "--json")  # Tuesday 16:00 in Berlin, an hour before closing
        due[who] = datetime.fromisoformat(assigned["due_at"].replace("Z", "+00:00"))
    # Christmas Day and Boxing Day are public holidays: the clock of the expert they apply to skips both
    assert due["day-ber"] - due["day-two"] == timedelta(days=2)
    assert due["day-ber"].date().isoformat() == "2024-12-27"

    def left(now: str) -> float:
        clocks = _cli("timers", "--now", now, "--db", str(db), "--json")["clocks"]
        return next(c["left_minutes"] for c in clocks if c["expert_id"] == "day-ber")

    on_christmas_morning, on_boxing_day_afternoon = left("2024-12-25T09:00:00Z"), left("2024-12-26T15:00:00Z")
    assert on_christmas_morning == on_boxing_day_afternoon == left("2024-12-24T16:00:00Z")
    assert left("2024-12-27T09:00:00Z") == on_christmas_morning - 60  # the clock runs again on the Friday


def _night_page(tmp_path: Path, covered: bool) -> tuple[dict, datetime]:
    """An at-risk page due at 17:00 Berlin, taken by a dispatcher that runs again only at 23:00."""
    db = _store(tmp_path, [_expert("day-ber", "Europe/Berlin", "none", 4.8),
                           _expert("night-owl", "America/Los_Angeles", "none", 4.0)], "2026-01-12T08:00:00Z")
    dispatching = open_dispatching(str(db))
    try:
        desk = dispatching.desk
        if covered:
            desk.oncall.add_schedule(Schedule(id="nights", timezone="Europe/Berlin", covers=["infrastructure"],
                                              layers=[Layer(members=["night-owl"], start=datetime(2026, 1, 1),
                                                            restrictions=[Restriction(start="17:00", end="09:00")])]),
                                     "test")
        issue = desk.issue("INC-1002")
        assert issue is not None
        budget = 30 + (desk.decide(issue).estimated_expert_minutes or 0)
        assert budget < 8 * 60
        assigned_at = datetime(2026, 1, 12, 16, tzinfo=UTC) - timedelta(minutes=0.8 * budget)  # Monday, 17:00 CET
        desk.clock = lambda: assigned_at
        request = desk.escalate("INC-1002", "test")
        desk.act(request.id, "assign", "test", "day-ber")
        desk.acknowledge(request.id, "day-ber")
        night = datetime(2026, 1, 12, 22, tzinfo=UTC)  # 23:00 in Berlin
        held = dispatching.request(request.id)
        assert held is not None
        step = dispatching.due_step(held, [], night)
        assert step is not None and step.kind == "at_risk_notice" and step.due < night
        assert dispatching.apply(request.id, step, night, lambda _r: None, []) is not None
        pages = [m for m in dispatching.outbox(request.id) if m.kind == "at_risk"]
        assert len(pages) == 1
        return pages[0].model_dump(), night
    finally:
        dispatching.close()


def test_zammad_4432_a_page_outside_the_holders_hours_goes_to_whoever_covers(tmp_path: Path) -> None:
    page, night = _night_page(tmp_path, covered=True)
    assert page["expert_id"] == "night-owl" and page["next_attempt_at"] == night


def test_zammad_4432_with_nobody_covering_a_page_waits_for_the_holders_hours(tmp_path: Path) -> None:
    page, _ = _night_page(tmp_path, covered=False)
    assert page["expert_id"] == "day-ber"
    assert page["next_attempt_at"] == datetime(2026, 1, 13, 8, tzinfo=UTC)  # Tuesday 09:00 in Berlin
