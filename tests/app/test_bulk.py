"""Bulk: the same plan per issue as a single key, one durable write, the refused skipped with the table's reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.clock import T0
from tests.support.flows import act, bulk, escalate
from triagedesk.app.desk import Desk
from triagedesk.domain.errors import UserError
from triagedesk.domain.models import Expert, Issue
from triagedesk.store.database import open_store


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    store = open_store(tmp_path / "desk.json")
    store.experts.put_many([Expert(id="ola", name="Ola", specializations=["network_architecture"]),
                            Expert(id="ann", name="Ann", specializations=["silver"]),
                            Expert(id="ruth", name="Ruth", specializations=["art"])])
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
    result = bulk(desk, "assign", ["i1", "i2", "a1", "nope"], "ana", "ola", "night shift")
    assert result.done == ["i1", "i2"]
    assert dict(result.skipped) == {"a1": "the issue must be escalated and paid first", "nope": "no issue 'nope'"}
    assert len(commits) == 1
    requests = {r.analysis_id: r for r in desk.store.requests.all()}
    assert set(requests) == {"i1", "i2"}  # nothing written for the appraisal that awaits payment
    assert all(r.status == "assigned" and r.assigned_expert_id == "ola" for r in requests.values())
    assert desk.figures.expert("ola").current_workload == 2
    assert "2 assigned, 2 skipped" in result.summary()
    paid_first = bulk(desk, "assign", ["a1"], "ana", "ann")
    assert paid_first.skipped == [("a1", "the issue must be escalated and paid first")]
    assert not [r for r in desk.store.requests.all() if r.analysis_id == "a1"]  # nothing written for it
    assert [a.action for r in desk.store.requests.all() for a in desk.store.history(r.id)] == [
        "escalate", "assign", "escalate", "assign"]  # the single key's path: escalate, then assign


def test_bulk_assign_skips_issues_outside_the_experts_field(desk: Desk) -> None:
    result = bulk(desk, "assign", ["i1"], "ana", "ann")  # a silver expert, an infrastructure outage
    assert result.done == [] and result.skipped == [("i1", "Ann does not work infrastructure issues")]
    assert desk.store.requests.all() == []
    assert [e.id for e in desk.figures.experts_for(["infrastructure"])] == ["ola"]
    assert [e.id for e in desk.figures.experts_for(["appraisal"])] == ["ann", "ruth"]


def test_bulk_puts_no_silver_on_an_art_expert(desk: Desk) -> None:
    """The issue's reproduction: bulk put "Sterling candlesticks" (silver) on an art expert."""
    request = escalate(desk, "a1", "ana")
    act(desk, request.id, "pay", "ana")
    result = bulk(desk, "assign", ["a1"], "ana", "ruth")
    assert result.skipped == [("a1", "Ruth does not specialise in silver")]
    assert desk.queries.require_request(request.id).status == "pending_assignment"


def test_bulk_escalate_then_cancel(desk: Desk) -> None:
    first = bulk(desk, "escalate", ["i1", "a1"], "ana")
    assert first.done == ["i1", "a1"]
    again = bulk(desk, "escalate", ["i1", "i2"], "ana")
    opened = desk.queries.request_for("i1")
    assert opened is not None
    assert again.done == ["i2"] and again.skipped == [
        ("i1", f"the issue already has an open request {opened.id} (pending assignment)")]
    cancelled = bulk(desk, "cancel", ["i1", "i2", "a1"], "ana", note="duplicates")
    assert cancelled.done == ["i1", "i2", "a1"]
    assert {r.status for r in desk.store.requests.all()} == {"cancelled"}
    assert bulk(desk, "cancel", ["i1"], "ana").skipped == [("i1", "not while it is final")]


def test_a_failure_inside_a_bulk_action_writes_nothing(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = desk.commands.apply

    def failing(planned, actor):  # type: ignore[no-untyped-def]
        calls.append(planned.intent.issue_id)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(planned, actor)

    monkeypatch.setattr(desk.commands, "apply", failing)
    with pytest.raises(OSError):
        bulk(desk, "assign", ["i1", "i2"], "ana", "ola")
    assert desk.store.requests.all() == []
    assert desk.figures.expert("ola").current_workload == 0


def test_bulk_refuses_nothing_marked_and_a_missing_expert(desk: Desk) -> None:
    with pytest.raises(UserError, match="no issue marked"):
        bulk(desk, "cancel", [], "ana")
    assert bulk(desk, "assign", ["i1"], "ana").skipped == [("i1", "name the expert")]


def test_escalate_refuses_while_open_unless_again(desk: Desk) -> None:
    opened = escalate(desk, "i1", "ana")
    with pytest.raises(UserError, match=f"^Escalate: the issue already has an open request {opened.id} "):
        escalate(desk, "i1", "ana")
    assert len(desk.store.requests.all()) == 1
    assert escalate(desk, "i1", "ana", again=True).id != opened.id
