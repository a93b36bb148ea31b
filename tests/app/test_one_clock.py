"""One clock, read alike by every display: the report, refund exposure, the `request` line, `show`, a request stored
without a due time, an expert edit, and over random histories the report and the timers agree with the clocks
(hypothesis). (From the review of issue #20: findings 3, 8, 9, 10 and 23.)"""

from __future__ import annotations

import contextlib
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support.cli_door import run
from tests.support.clock import T0, Clock
from tests.support.flows import start_session
from tests.support.stores import desk_at
from tests.support.world import outage, teapot
from triagedesk.app.commands import Refused
from triagedesk.app.desk import Desk
from triagedesk.app.dispatching import Dispatching
from triagedesk.domain.models import Expert
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests import clocks
from triagedesk.domain.requests.actions import Actor
from triagedesk.domain.requests.plan import Intent
from triagedesk.domain.requests.states import OPEN_STATUSES
from triagedesk.store.database import open_store

COORDINATOR = Actor("coord")
ANN = Expert(id="ann", name="Ann", specializations=["silver"], expertise_level="senior")
BEA = Expert(id="bea", name="Bea", specializations=["silver"], expertise_level="expert")


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_the_report_agrees_with_the_requests_own_resolve_target(tmp_path: Path) -> None:
    clock = Clock()
    desk = desk_at(tmp_path, [ANN, BEA], [teapot("APR-1")], clock)
    try:
        request = desk.commands.escalate("APR-1", COORDINATOR)
        request = desk.commands.act(request.id, "pay", COORDINATOR)
        assert request.price > 0 and request.due_at == T0 + timedelta(hours=48)
        desk.commands.assign("APR-1", "ann", COORDINATOR)
        clock.advance(hours=1)
        start_session(desk, request.id)
        clock.advance(hours=1)
        ann = Actor("ann", "expert", "ann")
        desk.commands.act(request.id, "wait", ann)
        clock.advance(hours=10)  # ten hours waiting for the requester: the target moves to T0 + 58 h
        desk.commands.act(request.id, "resume", ann)
        clock.set(T0 + timedelta(hours=50))  # after the stored due_at, before the target the waits pushed
        done = desk.commands.act(request.id, "complete", ann, rating=5)
        assert done.status == "completed" and done.refund_due is False  # the request's own clock: met
        report = desk.queries.report(days=30, now=T0 + timedelta(days=3))
        assert report["completed"] == 1
        assert (report["refunds_due"], report["refund_exposure"], report["sla_compliance"]) == (0, 0.0, 1.0), \
            {k: report[k] for k in ("refunds_due", "refund_exposure", "sla_compliance")}
        assert report["sla_by_tier"] == {"full-authentication": 1.0}
        assert [row["sla_compliance"] for row in report["experts"]] == [1.0]
    finally:
        desk.close()


def test_refund_exposure_counts_a_paid_request_at_risk_whatever_its_ack_clock(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    desk = desk_at(tmp_path, [ANN, BEA], [teapot("APR-1")], clock)
    request = desk.commands.escalate("APR-1", COORDINATOR)
    request = desk.commands.act(request.id, "pay", COORDINATOR)
    clock.set(T0 + timedelta(hours=38))  # 10 h of 48 left: under 25%, at risk
    desk.commands.assign("APR-1", "ann", COORDINATOR)  # a late assignment: a 60-minute acknowledge target
    found = desk.queries.clocks_of(desk.queries.require_request(request.id), clock())
    states = {c.target: c.state for c in found.clocks}
    assert states["resolve"] == "at_risk" and states["acknowledge"] == "ok", states
    assert found.pressing is not None and found.pressing.target == "acknowledge"  # the clock that shows
    desk.close()
    code, out, err = run(capsys, "timers", "--json", "--now", _stamp(clock()), "--db", str(tmp_path / "desk.json"))
    assert code == 0, err
    # README: the sum of prices of open requests whose resolve target is at risk or breached
    assert json.loads(out)["refund_exposure"] == request.price, out


def test_a_request_without_due_at_still_has_a_resolve_target(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    desk = desk_at(tmp_path, None, [outage("INC-1")], Clock())
    desk.close()
    imported = ExpertRequest(id="req-imported", analysis_id="INC-1", profile="infrastructure", status="assigned",
                             urgency="critical", assigned_expert_id="net-ana", assigned_expert_name="Ana Ferreira",
                             submitted_at=T0, assigned_at=T0, acknowledged_at=T0 + timedelta(minutes=5))
    rows = tmp_path / "requests.jsonl"
    rows.write_text(imported.model_dump_json(exclude_none=True) + "\n", "utf-8")
    db = str(tmp_path / "desk.json")
    code, _out, err = run(capsys, "import", str(rows), "--kind", "requests", "--db", db)
    assert code == 0, err
    desk = Desk(open_store(tmp_path / "desk.json"), clock=Clock(T0 + timedelta(days=2)))
    try:
        stored = desk.queries.require_request("req-imported")
        assert stored.due_at is None  # nothing invented in the store: the clock computes it, as a request opens
        found = {c.target: c for c in desk.queries.clocks_of(stored).clocks}
        profile = desk.engine.profile("infrastructure")
        budget = clocks.resolve_budget(profile, None, "critical")
        assert found["resolve"].due_at == T0 + timedelta(minutes=budget) == desk.queries.resolve_due(stored)
        assert found["resolve"].state == "breached"
        steps = Dispatching(desk).plan_for(stored, [])
        assert [s.due for s in steps if s.kind.startswith("breach")] == [found["resolve"].due_at]
    finally:
        desk.close()


def test_an_expert_edit_does_not_split_the_displays_from_the_dispatcher(tmp_path: Path) -> None:
    evening = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)  # Monday 23:00 UTC
    clock = Clock(evening)
    desk = desk_at(tmp_path, None, [teapot("APR-1")], clock)
    try:
        request = desk.commands.escalate("APR-1", COORDINATOR)
        desk.commands.act(request.id, "pay", COORDINATOR)
        request = desk.commands.assign("APR-1", "expert-456", COORDINATOR)  # Harriet Lyle, 24x7, 60 minutes
        assert request.ack_due_at == evening + timedelta(hours=1)
        desk.commands.edit("experts", "expert-456", {"availability": {"business_hours": "8x5", "after_hours": "none",
                                                                      "response_sla": "1_hour"}}, "coord")
        d = Dispatching(desk)
        for minutes in (30, 59, 60, 61, 600):  # before, at and after the stored due time, out of her new hours
            clock.set(evening + timedelta(minutes=minutes))
            stored = desk.queries.require_request(request.id)
            shown = {c.target: c for c in desk.queries.clocks_of(stored).clocks}
            due = d.due_step(stored, [], clock())
            breached = shown["acknowledge"].state == "breached"
            assert breached == (due is not None and due.kind.startswith("ack")), (minutes, shown["acknowledge"], due)
            assert breached == (clock() >= stored.ack_due_at)  # type: ignore[operator]
    finally:
        desk.close()


def test_every_resolve_due_shown_is_the_clocks_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    desk = desk_at(tmp_path, None, [outage("INC-1")], clock)
    request = desk.commands.escalate("INC-1", COORDINATOR)
    request = desk.commands.assign("INC-1", "net-ana", COORDINATOR)
    desk.commands.act(request.id, "wait", COORDINATOR)
    desk.close()
    db = str(tmp_path / "desk.json")
    later = _stamp(T0 + timedelta(hours=1))  # a 60-minute wait
    code, out, err = run(capsys, "request", "resume", request.id, "--db", db, "--now", later)
    assert code == 0, err
    desk = Desk(open_store(tmp_path / "desk.json"), clock=lambda: T0 + timedelta(hours=1))
    try:
        resumed = desk.queries.require_request(request.id)
        target = next(c for c in desk.queries.clocks_of(resumed).clocks if c.target == "resolve")
        assert target.due_at == resumed.due_at + timedelta(minutes=60)  # type: ignore[operator]
        wanted = f"resolve due {target.due_at:%Y-%m-%d %H:%M} UTC"
        assert wanted in out, out
        code, shown, err = run(capsys, "show", "INC-1", "--db", db, "--now", later)
        assert code == 0, err
        assert wanted in shown, [line for line in shown.splitlines() if "resolve" in line]
        stale = f"resolve due {resumed.due_at:%Y-%m-%d %H:%M}"
        assert stale not in shown, [line for line in shown.splitlines() if "resolve" in line]
        code, as_json, err = run(capsys, "show", "INC-1", "--json", "--db", db, "--now", later)
        assert code == 0, err
        assert json.loads(as_json)["requests"][0]["resolve_due"] == _stamp(target.due_at)
    finally:
        desk.close()


# -- the report and the timers against the clocks, over random histories ----------------------------------------
ISSUES = [teapot("APR-1"), teapot("APR-2"), outage("INC-1"), outage("INC-2")]
PATH = ("escalate", "pay", "assign", "start", "wait", "resume", "wait", "resume", "complete")
histories = st.lists(st.tuples(st.integers(0, len(ISSUES) - 1), st.just(len(PATH)) | st.integers(1, len(PATH)),
                               st.lists(st.sampled_from((0, 10, 45, 240, 720, 1440)), min_size=len(PATH),
                                        max_size=len(PATH))),
                     min_size=1, max_size=4)


def _take(desk: Desk, clock: Clock, issue_id: str, moves: int, gaps: list[int]) -> None:
    for move, minutes in zip(PATH[:moves], gaps, strict=False):
        clock.advance(minutes=minutes)
        request = desk.queries.request_for(issue_id)
        holder = request.assigned_expert_id if request is not None else None
        expert = Actor(holder or "x", "expert", holder)
        intent = desk.commands.giving(issue_id, "ann" if issue_id.startswith("APR") else "net-ana") \
            if move == "assign" else Intent(move, issue_id)
        with contextlib.suppress(Refused):
            desk.commands.run(expert if move in ("start", "complete") else COORDINATOR, intent)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories, later=st.integers(0, 60 * 24 * 4))
def test_the_report_and_the_timers_read_the_requests_own_clocks(history: list[tuple[int, int, list[int]]],
                                                                later: int) -> None:
    from tests.support.world import network

    with tempfile.TemporaryDirectory() as name:
        clock = Clock(T0)
        desk = desk_at(Path(name), [ANN, BEA, *network()], ISSUES, clock)
        try:
            for issue, moves, gaps in history:
                _take(desk, clock, ISSUES[issue].id or "", moves, gaps)
            clock.advance(minutes=later)
            requests = desk.store.requests.all()
            resolve = {r.id: next((c for c in desk.queries.clocks_of(r).clocks if c.target == "resolve"), None)
                       for r in requests}
            done = [r for r in requests if r.completed_at is not None and resolve[r.id] is not None]
            met = sum(resolve[r.id].state == "met" for r in done)  # type: ignore[union-attr]
            missed_paid = [r for r in done if resolve[r.id].state == "missed" and r.price > 0]  # type: ignore[union-attr]
            report = desk.queries.report(days=30)
            assert report["sla_compliance"] == (round(met / len(done), 4) if done else None)
            assert report["refunds_due"] == len(missed_paid)
            assert report["refund_exposure"] == round(sum(r.price for r in missed_paid), 2)
            for request in done:  # the flag written at completion is the clock's verdict
                assert request.refund_due == (request in missed_paid), request.id
            at_risk = sum(r.price for r in requests if r.status in OPEN_STATUSES and resolve[r.id] is not None
                          and resolve[r.id].state in ("at_risk", "breached"))  # type: ignore[union-attr]
            rows = desk.queries.clocks()
            assert clocks.refund_exposure([c for row in rows for c in row.clocks]) == at_risk
            event(f"{len(done)} completed ({len(missed_paid)} owed); exposure {'>0' if at_risk else '0'}")
        finally:
            desk.close()
