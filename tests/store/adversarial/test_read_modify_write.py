"""Every read-modify-write of the desk happens inside one transaction: another desk cannot slip in between."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from triagedesk.app.desk import Desk
from triagedesk.domain.models import Expert, Issue
from triagedesk.store.database import open_store
from triagedesk.store.repositories import Repository

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


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
    """When `desk` first reads a record from `name`, the other desk runs its own move and gets a chance to finish."""
    original = Repository.require
    fired = threading.Event()

    def require(self: Repository, key: str):  # type: ignore[no-untyped-def]
        found = original(self, key)
        if self.store is desk.store and self.name == name and not fired.is_set():
            fired.set()
            other.start()
            other.join(timeout=0.5)   # finishes only when nothing holds the lock
        return found

    monkeypatch.setattr(Repository, "require", require)


def test_session_move_reads_inside_its_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    coordinator, expert = _two_desks(tmp_path)
    request = coordinator.escalate("a1", "c")
    coordinator.act(request.id, "pay", "c")
    coordinator.act(request.id, "assign", "c", "ann")
    session = coordinator.start_session(request.id, "ann")
    outcome: list[str] = []

    def other_pauses() -> None:
        try:
            expert.session_move(session.id, "pause", "ann")
            outcome.append("paused")
        except Exception as exc:  # noqa: BLE001 - the refusal is what the test looks at
            outcome.append(type(exc).__name__)

    other = threading.Thread(target=other_pauses)
    _interleave(monkeypatch, coordinator, "sessions", other)
    coordinator.session_move(session.id, "end", "c")
    other.join(timeout=30)
    final = coordinator.store.sessions.require(session.id)
    assert final.status == "ended"
    # the pause either ran after the end (and was refused) or is in the ended session's history; never lost
    moves = [a.action for a in coordinator.store.history(session.id)]
    assert outcome == ["SessionError"], (outcome, moves)
    assert moves.count("session_pause") == 0


def test_escalate_to_senior_reads_inside_its_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    coordinator, other_desk = _two_desks(tmp_path)
    request = coordinator.escalate("a1", "c")
    coordinator.act(request.id, "pay", "c")
    coordinator.act(request.id, "assign", "c", "ann")
    done: list[str] = []

    def other_escalates() -> None:
        moved = other_desk.escalate_to_senior(request.id, "other")
        done.append(moved.assigned_expert_id or "")

    other = threading.Thread(target=other_escalates)
    _interleave(monkeypatch, coordinator, "requests", other)
    first = coordinator.escalate_to_senior(request.id, "c")
    other.join(timeout=30)
    final = coordinator.store.requests.require(request.id)
    # two escalations in turn: the second starts from the first's expert, so nobody's workload is counted twice
    assert done and final.assigned_expert_id == done[0] != first.assigned_expert_id
    workloads = {e.id: e.current_workload for e in coordinator.counted_experts()}  # counted from the requests
    assert sum(workloads.values()) == 1, workloads
