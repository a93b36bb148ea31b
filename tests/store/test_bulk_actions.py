"""Bulk actions through the Desk: one durable write for every marked issue, the unfit ones skipped and named."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from triagedesk.app.desk import Desk
from triagedesk.domain.errors import UserError
from triagedesk.domain.models import Expert, Issue
from triagedesk.store.database import open_store

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    store = open_store(tmp_path / "desk.json")
    store.experts.put_many([Expert(id="ola", name="Ola", specializations=["network_architecture"]),
                            Expert(id="ann", name="Ann", specializations=["silver"])])
    store.issues.put_many([
        Issue(id="i1", profile="infrastructure", title="DNS down", description="outage", users_affected=500),
        Issue(id="i2", profile="infrastructure", title="BGP flaps", description="outage", users_affected=900),
        Issue(id="a1", profile="appraisal", title="Teapot", category="silver",
              estimated_value={"min": 50000, "max": 80000}, confidence=0.9),
    ])
    return Desk(store, clock=lambda: T0)



def test_bulk_assign_is_one_write_and_skips_what_must_be_paid_first(desk: Desk) -> None:
    commits = []
    original = desk.store.journal._commit
    desk.store.journal._commit = lambda: (commits.append(1), original())[1]  # type: ignore[method-assign]
    result = desk.bulk("assign", ["i1", "i2", "a1", "nope"], "ana", "ola", "night shift")
    assert result.done == ["i1", "i2"]
    assert dict(result.skipped) == {"a1": "Ola does not work appraisal issues", "nope": "no such issue"}
    assert len(commits) == 1
    requests = {r.analysis_id: r for r in desk.store.requests.all()}
    assert set(requests) == {"i1", "i2"}  # nothing written for the appraisal that awaits payment
    assert all(r.status == "assigned" and r.assigned_expert_id == "ola" for r in requests.values())
    assert desk.store.experts.require("ola").current_workload == 2
    assert "2 assigned, 2 skipped" in result.summary()
    paid_first = desk.bulk("assign", ["a1"], "ana", "ann")
    assert paid_first.skipped == [("a1", "must be escalated and paid first")]
    assert not [r for r in desk.store.requests.all() if r.analysis_id == "a1"]  # nothing written for it


def test_bulk_assign_skips_issues_outside_the_experts_field(desk: Desk) -> None:
    result = desk.bulk("assign", ["i1"], "ana", "ann")  # a silver expert, an infrastructure outage
    assert result.done == [] and result.skipped == [("i1", "Ann does not work infrastructure issues")]
    assert desk.store.requests.all() == []
    assert [e.id for e in desk.experts_for(["i1", "i2"])] == ["ola"]
    assert [e.id for e in desk.experts_for(["a1"])] == ["ann"]


def test_bulk_escalate_then_cancel(desk: Desk) -> None:
    first = desk.bulk("escalate", ["i1", "a1"], "ana")
    assert first.done == ["i1", "a1"]
    again = desk.bulk("escalate", ["i1", "i2"], "ana")
    assert again.done == ["i2"] and again.skipped[0][0] == "i1" and "already open" in again.skipped[0][1]
    cancelled = desk.bulk("cancel", ["i1", "i2", "a1"], "ana", note="duplicates")
    assert cancelled.done == ["i1", "i2", "a1"]
    assert {r.status for r in desk.store.requests.all()} == {"cancelled"}
    assert desk.bulk("cancel", ["i1"], "ana").skipped == [("i1", "no open request")]


def test_a_failure_inside_a_bulk_action_writes_nothing(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = desk.act

    def failing(request_id: str, action: str, *args, **kwargs):
        calls.append(request_id)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(request_id, action, *args, **kwargs)

    monkeypatch.setattr(desk, "act", failing)
    with pytest.raises(OSError):
        desk.bulk("assign", ["i1", "i2"], "ana", "ola")
    assert desk.store.requests.all() == []
    assert desk.store.experts.require("ola").current_workload == 0


def test_bulk_refuses_nothing_marked_and_a_missing_expert(desk: Desk) -> None:
    with pytest.raises(UserError, match="no issue marked"):
        desk.bulk("cancel", [], "ana")
    with pytest.raises(UserError, match="needs an expert"):
        desk.bulk("assign", ["i1"], "ana")


def test_escalate_refuses_while_open_unless_again(desk: Desk) -> None:
    opened = desk.escalate("i1", "ana")
    with pytest.raises(UserError, match=f"already has an open request {opened.id}"):
        desk.escalate("i1", "ana")
    assert len(desk.store.requests.all()) == 1
    assert desk.escalate("i1", "ana", again=True).id != opened.id
