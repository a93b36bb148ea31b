"""One clock for every display: the queue's SLA column, Timers, `timers --json` and the dispatcher's due steps read
the same targets, over random histories with waits, reassignments and business-hours experts; and no reassignment
ever moves a resolve target (hypothesis)."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support.clock import T0, Clock
from tests.support.doors import ISSUES, PATHS, drive
from tests.support.stores import desk_at
from triagedesk import cli
from triagedesk.app import queue
from triagedesk.app.dispatching import Dispatching
from triagedesk.domain.requests import clocks, policy
from triagedesk.domain.requests.states import OPEN_STATUSES
from triagedesk.tui import loaders

steps = st.lists(st.tuples(st.integers(0, len(ISSUES) - 1), st.sampled_from(sorted(PATHS)), st.integers(0, 600)),
                 min_size=1, max_size=8)


def _timers_json(path: Path, now: str) -> dict[str, float]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        cli.main(["timers", "--db", str(path), "--now", now, "--json"])
    return {c["request_id"]: c["left_minutes"] for c in json.loads(out.getvalue())["clocks"]}


@pytest.mark.long
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=steps, later=st.integers(0, 60 * 24 * 9))
def test_every_display_reads_the_same_clock_and_reassignment_never_moves_the_resolve_target(
        history: list[tuple[int, str, int]], later: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        clock = Clock(T0)
        desk = desk_at(Path(name), issues=ISSUES, clock=clock)
        try:
            resolve_dues: dict[str, set[object]] = {}
            for issue, state, minutes in history:
                drive(desk, clock, ISSUES[issue].id or "", state, minutes)
                for request in desk.store.requests.all():  # the stored resolve target, after every move
                    if request.due_at is not None:
                        resolve_dues.setdefault(request.id, set()).add(request.due_at)
            assert all(len(dues) == 1 for dues in resolve_dues.values()), resolve_dues
            clock.advance(minutes=later)
            now = clock.now
            shown = {c.request.id: c for c in desk.queries.clocks()}
            open_requests = [r for r in desk.store.requests.all() if r.status in OPEN_STATUSES]
            for request in open_requests:
                found = desk.queries.clocks_of(request)
                assert (found.pressing is None) == (request.id not in shown)
            # the queue's SLA column
            data = queue.load(desk, now)
            for row, request_id in enumerate(data.request_id):
                if request_id in shown:
                    pressing = shown[request_id].pressing
                    assert pressing is not None
                    assert data.sla_left_minutes(row, now.timestamp()) == pytest.approx(pressing.left_minutes)
                    assert data.sla_state(row, now.timestamp()) == pressing.state
            # Timers (the pane's specs read at this instant) and `timers --json`
            specs, _summary = loaders.timers(desk, 1000)
            by_timer = {s.key: s.read(now)[0] / 60 for s in specs if not s.counts_up}
            assert by_timer.keys() == shown.keys()
            assert list(by_timer) == list(shown)  # read a state at a time, in one read's order
            cli_left = _timers_json(desk.store.path, now.isoformat())
            assert cli_left.keys() == shown.keys()
            for request_id, found in shown.items():
                assert found.pressing is not None
                assert by_timer[request_id] == pytest.approx(found.pressing.left_minutes)
                assert cli_left[request_id] == pytest.approx(round(found.pressing.left_minutes, 1), abs=0.051)
            order = [c.pressing.left_minutes for c in desk.queries.clocks() if c.pressing]
            assert order == sorted(order)  # breached first, then least time left
            # the dispatcher's steps are due when the targets are
            dispatching = Dispatching(desk)
            for request in open_requests:
                targets = {t.name: t for t in clocks.targets(request, desk.engine.profile(request.profile),
                                                            desk.figures.expert(request.assigned_expert_id or ""))}
                for step in dispatching.policy_steps(request, [], now):
                    if step.kind in ("breach_senior", "breach_flag"):
                        assert step.due == targets["resolve"].due
                    elif step.kind in policy.MISSED_ACK:
                        assert step.due == targets["acknowledge"].due
            business = any(not isinstance(t.calendar, clocks.AroundTheClock) for c in shown.values() for t in c.targets)
            event(f"{len(shown)} clocks; business hours: {business}")
        finally:
            desk.close()


def test_a_pending_request_past_its_due_time_breaches_and_a_later_reassignment_does_not_save_it() -> None:
    """The issue's reproduction: due_at moved 09:15 -> 11:47 -> 14:27 with each (re)assignment, and a pending
    request past 09:15 never breached."""
    with tempfile.TemporaryDirectory() as name:
        clock = Clock(T0)
        desk = desk_at(Path(name), issues=ISSUES, clock=clock)
        try:
            drive(desk, clock, "INC-1", "pending_assignment", 0)
            request = desk.queries.request_for("INC-1")
            assert request is not None and request.due_at is not None
            clock.set(request.due_at + timedelta(minutes=1))
            found = desk.queries.clocks_of(request)
            assert found.pressing is not None and found.pressing.state == "breached"
            kinds = [s.kind for s in Dispatching(desk).plan_for(request, [], clock.now)]
            assert "breach_senior" in kinds
            drive(desk, clock, "INC-1", "reassigned", 30)
            after = desk.queries.request_for("INC-1")
            assert after is not None and after.due_at == request.due_at
            again = desk.queries.clocks_of(after).pressing
            assert again is not None and again.state == "breached"
        finally:
            desk.close()
