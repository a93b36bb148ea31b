"""Routing, clocks and pages follow the schedules. Done when: a critical page at 03:00 Berlin goes to the Singapore
half of a follow-the-sun rotation through the dispatcher, and a holiday stops a business-hours clock. Also Zammad
#4432: a page due outside the holder's service hours goes to whoever covers, or waits for their hours."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from triagedesk.app.dispatching import open_dispatching
from triagedesk.domain.models import Expert
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests import notices
from triagedesk.domain.requests.actions import Actor
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
    """The acknowledge target runs on the expert's calendar: a public holiday takes its days out of it."""
    day = _expert("day-ber", "Europe/Berlin", "none", 4.8)
    db = _store(tmp_path, [day, {**day, "id": "day-two"}], "2024-12-24T14:00:00Z")
    _cli("calendar", "import", "--holidays", "de-public", "--country", "DE", "--from-year", "2024", "--to-year",
         "2025", "--expert", "day-ber", "--db", str(db), "--json")
    due = {}
    for who in ("day-ber", "day-two"):
        request = _cli("escalate", "INC-1002", "--again", "--now", "2024-12-24T14:00:00Z", "--db", str(db), "--json")
        assigned = _cli("request", "assign", request["id"], "--expert", who, "--now", "2024-12-24T15:45:00Z",
                        "--db", str(db), "--json")  # Tuesday 16:45 in Berlin: 15 of the 30 minutes before closing
        due[who] = datetime.fromisoformat(assigned["ack_due_at"].replace("Z", "+00:00"))
    # Christmas Day and Boxing Day are public holidays: the clock of the expert they apply to skips both
    assert due["day-two"] == datetime(2024, 12, 25, 8, 15, tzinfo=UTC)
    assert due["day-ber"] == datetime(2024, 12, 27, 8, 15, tzinfo=UTC)

    def left(now: str) -> float:
        clocks = _cli("timers", "--now", now, "--db", str(db), "--json")["clocks"]
        found = [t for c in clocks if c["expert_id"] == "day-ber" for t in c["targets"] if t["target"] == "acknowledge"]
        assert len(found) == 1
        return found[0]["left_minutes"]

    on_christmas_morning, on_boxing_day_afternoon = left("2024-12-25T09:00:00Z"), left("2024-12-26T15:00:00Z")
    assert on_christmas_morning == on_boxing_day_afternoon == 15
    assert left("2024-12-27T08:10:00Z") == 5  # the clock runs again on the Friday


def _night_page(tmp_path: Path, covered: bool) -> tuple[dict, datetime]:
    """A critical request's resolve target (the service's clock: every minute) falls under 25% left at night in
    Berlin; its holder works business hours there and nobody, or a night schedule, covers."""
    db = _store(tmp_path, [_expert("day-ber", "Europe/Berlin", "none", 4.8),
                           _expert("night-owl", "America/Los_Angeles", "none", 4.0)], "2026-01-12T19:00:00Z")
    dispatching = open_dispatching(str(db))
    try:
        desk = dispatching.desk
        if covered:
            desk.oncall.add_schedule(Schedule(id="nights", timezone="Europe/Berlin", covers=["infrastructure"],
                                              layers=[Layer(members=["night-owl"], start=datetime(2026, 1, 1),
                                                            restrictions=[Restriction(start="17:00", end="09:00")])]),
                                     "test")
        desk.clock = lambda: datetime(2026, 1, 12, 19, tzinfo=UTC)  # 20:00 in Berlin
        request = desk.commands.escalate("INC-1002", "cora")
        desk.commands.act(request.id, "assign", "cora", "day-ber")
        desk.commands.act(request.id, "acknowledge", Actor("day-ber", "expert", "day-ber"))
        held = dispatching.request(request.id)
        assert held is not None and held.due_at is not None
        at_risk = next(s for s in dispatching.plan_for(held, [], held.submitted_at) if s.kind == "at_risk_notice")
        night = at_risk.due + timedelta(minutes=1)
        assert night < held.due_at and 20 <= (night + timedelta(hours=1)).hour <= 23  # late evening in Berlin
        taken = dispatching.walk(request.id, night, lambda _r: None, [])
        assert [t.step.kind for t in taken] == ["at_risk_notice"]
        pages = [m for m in dispatching.outbox(request.id) if m.kind == "at_risk"]
        assert len(pages) == 1
        return pages[0].model_dump(), night
    finally:
        dispatching.close()


def test_zammad_4432_a_page_outside_the_holders_hours_goes_to_whoever_covers(tmp_path: Path) -> None:
    page, night = _night_page(tmp_path, covered=True)
    assert page["expert_id"] == "night-owl" and page["next_attempt_at"] == night


def test_zammad_4432_a_page_redirected_to_the_one_on_call_is_addressed_to_them_and_says_whom_they_cover(
        tmp_path: Path) -> None:
    page, _ = _night_page(tmp_path, covered=True)
    assert page["expert_id"] == "night-owl" and page["kind"] == "at_risk"
    paragraphs = page["body"].split("\n\n")
    assert paragraphs[1] == "NIGHT-OWL,"  # not the holder's name
    assert paragraphs[2].splitlines()[0] == ("You are on call for infrastructure, covering DAY-BER, who is off "
                                             "hours: this page is for you.")
    assert "hand it back" not in page["body"] and "Acknowledge" not in page["body"]  # not the holder's link


def test_zammad_4432_the_holders_own_page_is_unchanged(tmp_path: Path) -> None:
    page, _ = _night_page(tmp_path, covered=False)
    assert page["body"].split("\n\n")[1] == "DAY-BER,"
    assert "Please update the desk or hand it back." in page["body"] and "on call" not in page["body"]


def test_a_redirected_breach_page_says_whom_it_covers_and_the_holders_does_not() -> None:
    request = ExpertRequest(id="req-1", analysis_id="INC-1", status="assigned", urgency="critical",
                            submitted_at=datetime(2026, 1, 12, 19, tzinfo=UTC),
                            due_at=datetime(2026, 1, 12, 20, tzinfo=UTC))
    senior, owl = Expert(id="sen", name="SENIOR"), Expert(id="owl", name="NIGHT-OWL")
    own = notices.breach(None, request, senior, "DAY-BER", 0.0, "https://desk.test/ack/t")
    covered = notices.breach(None, request, owl, "DAY-BER", 0.0, "https://desk.test/ack/t",
                             notices.Cover("SENIOR", "infrastructure"))
    assert own.body.split("\n\n")[1] == "SENIOR," and "yours now as the senior" in own.body
    paragraphs = covered.body.split("\n\n")
    why, passed = paragraphs[2].splitlines()[:2]
    assert paragraphs[1] == "NIGHT-OWL," and "covering SENIOR, who is off hours" in why
    assert "went to SENIOR as the senior expert" in passed and "escalated to you" not in covered.subject
    assert "/ack/" in own.body and "/ack/" not in covered.body  # the senior's link stays theirs


def test_zammad_4432_with_nobody_covering_a_page_waits_for_the_holders_hours(tmp_path: Path) -> None:
    page, _ = _night_page(tmp_path, covered=False)
    assert page["expert_id"] == "day-ber"
    assert page["next_attempt_at"] == datetime(2026, 1, 13, 8, tzinfo=UTC)  # Tuesday 09:00 in Berlin


TEN_AM_BERLIN = "2026-01-14T09:00:00Z"
DAY_SEC = _expert("day-sec", "Europe/Berlin", "none", 4.5)  # the only security specialist: Berlin office hours
NIGHT_NET = {**_expert("night-net", "Europe/Berlin", "on_call_rotation", 4.5),
             "specializations": ["network_architecture"]}  # infrastructure, not security
NIGHT_SILVER = {**_expert("night-silver", "Europe/Berlin", "on_call_rotation", 4.5),
                "specializations": ["silver"]}  # an appraiser: outside the infrastructure profile


@pytest.mark.parametrize(("member", "at", "holder"), [
    ("night-net", THREE_AM_BERLIN, "night-net"),  # no specialist available now: whoever is on call for the profile
    ("night-net", TEN_AM_BERLIN, "day-sec"),      # a specialist at work: the specialist, though another is on call
    ("night-silver", THREE_AM_BERLIN, None),      # on call, but outside the issue's profile: nobody, a coordinator
], ids=["night-on-call", "day-specialist", "outside-the-profile"])
def test_a_critical_issue_goes_to_whoever_is_on_call_for_its_profile_when_no_specialist_can(
        tmp_path: Path, member: str, at: str, holder: str | None) -> None:
    db = str(_store(tmp_path, [DAY_SEC, NIGHT_NET, NIGHT_SILVER], at))
    _cli("schedule", "add", "all-week", "--member", member, "--start", "2026-01-01T00:00", "--length", "1w",
         "--timezone", "Europe/Berlin", "--covers", "infrastructure", "--db", db, "--json")
    assert [s["member"] for s in _cli("oncall", "--at", at, "--db", db, "--json")["schedules"]] == [member]
    request = _cli("escalate", "INC-1002", "--now", at, "--db", db, "--json")
    assert request["urgency"] == "critical"
    passed = run_cli("dispatch", "--once", "--now", at, "--db", db)
    assert passed.returncode == 0, passed.stderr
    shown = _cli("show", "INC-1002", "--db", db, "--json")
    assert shown["requests"][0]["request"]["assigned_expert_id"] == holder


@pytest.mark.parametrize(("at", "taken"), [(THREE_AM_BERLIN, True), (TEN_AM_BERLIN, False)], ids=["night", "day"])
def test_a_coordinator_assigns_the_one_on_call_without_an_override_only_while_no_specialist_can(
        tmp_path: Path, at: str, taken: bool) -> None:
    db = str(_store(tmp_path, [DAY_SEC, NIGHT_NET], at))
    _cli("schedule", "add", "all-week", "--member", "night-net", "--start", "2026-01-01T00:00", "--length", "1w",
         "--timezone", "Europe/Berlin", "--covers", "infrastructure", "--db", db, "--json")
    request = _cli("escalate", "INC-1002", "--now", at, "--db", db, "--json")
    done = run_cli("request", "assign", request["id"], "--expert", "night-net", "--now", at, "--db", db, "--json")
    if not taken:  # day-sec is at work: the one on call is no specialist, and needs a coordinator's override
        assert done.returncode == 2 and "does not specialise" in done.stderr
        return
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["assigned_expert_id"] == "night-net"
