"""Every read-modify-write of the desk happens inside one transaction: another desk cannot slip in between."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.support.clock import T0
from tests.support.flows import act, escalate, session_move, start_session
from triagedesk.app.commands import Refused
from triagedesk.app.desk import Desk
from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.requests.plan import Intent
from triagedesk.store.database import open_store
from triagedesk.store.repositories import Repository


def _two_desks(tmp_path: Path) -> tuple[Desk, Desk]:
    path = tmp_path / "desk.json"
    store = open_store(path)
    store.experts.put_many([
        Expert(id="ann", name="Ann", specializations=["silver"]),
        Expert(id="bea", name="Bea", specializations=["silver"], expertise_level="expert"),
        Expert(id="cy", name="Cy", specializations=["silver"], expertise_level="expert"),
    ])
    store.issues.add(Issue(id="a1", profile="appraisal", title="Teapot", category="silver",
                           estimated_value={"min": 50000, "max": 80000}, confidence=0.9))
    return Desk(store, clock=lambda: T0), Desk(open_store(path), clock=lambda: T0)


def _interleave(monkeypatch: pytest.MonkeyPatch, desk: Desk, name: str, other: threading.Thread) -> None:
    """When `desk` first reads records of `name`, the other desk runs its own move and gets a chance to finish."""
    fired = threading.Event()

    def hooked(method):  # type: ignore[no-untyped-def]
        def read(self: Repository, *args):  # type: ignore[no-untyped-def]
            found = method(self, *args)
            if self.store is desk.store and self.name == name and not fired.is_set():
                fired.set()
                other.start()
                other.join(timeout=0.5)   # finishes only when nothing holds the lock
            return found
        return read

    monkeypatch.setattr(Repository, "require", hooked(Repository.require))
    monkeypatch.setattr(Repository, "by", hooked(Repository.by))


def test_session_move_reads_inside_its_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    coordinator, expert = _two_desks(tmp_path)
    request = escalate(coordinator, "a1", "c")
    act(coordinator, request.id, "pay", "c")
    act(coordinator, request.id, "assign", "c", "ann")
    session = start_session(coordinator, request.id)
    outcome: list[str] = []

    def other_pauses() -> None:
        try:
            session_move(expert, request.id, "pause")
            outcome.append("paused")
        except Exception as exc:  # noqa: BLE001 - the refusal is what the test looks at
            outcome.append(str(exc))

    other = threading.Thread(target=other_pauses)
    _interleave(monkeypatch, coordinator, "sessions", other)
    session_move(coordinator, request.id, "end")
    other.join(timeout=30)
    final = coordinator.store.sessions.require(session.id)
    assert final.status == "ended"
    # the pause ran after the end (and was refused): it never slipped in between the read and the write
    moves = [a.action for a in coordinator.store.history(session.id)]
    assert outcome == ["Pause session: no running session of yours"], (outcome, moves)
    assert moves.count("session_pause") == 0


def test_escalate_to_senior_reads_inside_its_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    coordinator, other_desk = _two_desks(tmp_path)
    request = escalate(coordinator, "a1", "c")
    act(coordinator, request.id, "pay", "c")
    act(coordinator, request.id, "assign", "c", "ann")
    done: list[str] = []

    def other_escalates() -> None:
        try:
            moved = other_desk.commands.run("other", Intent("senior", "a1"))
            done.append(moved.request.assigned_expert_id if moved.request else "")
        except Refused as exc:
            done.append(str(exc))

    other = threading.Thread(target=other_escalates)
    _interleave(monkeypatch, coordinator, "requests", other)
    first = coordinator.commands.run("c", Intent("senior", "a1")).request
    other.join(timeout=30)
    final = coordinator.store.requests.require(request.id)
    # two escalations in turn: the second starts from the first's expert (expert level: nobody above), so it is
    # refused rather than moving Ann's stale copy; nobody's workload is counted twice
    assert first is not None and final.assigned_expert_id == first.assigned_expert_id == "bea"
    assert done and "nobody active more senior than Bea" in done[0], done
    workloads = {e.id: e.current_workload for e in coordinator.figures.counted().values()}
    assert sum(workloads.values()) == 1, workloads
