"""Undo and redo from the audit log: a step (a bulk action is one) is taken back through the action table, refused
with the reason when the world has moved on, taken again by redo, and the history survives a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.cli import run_cli
from tests.support.clock import Clock
from tests.support.flows import bulk, start_session
from tests.support.stores import desk_at
from tests.support.world import outage
from triagedesk.app.desk import Desk
from triagedesk.domain.errors import UserError
from triagedesk.domain.requests.actions import Actor
from triagedesk.domain.requests.undo import Step, Taken, stacks
from triagedesk.store.database import open_store

ISSUES = [outage(f"INC-{n}") for n in range(1, 4)]


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    found = desk_at(tmp_path, issues=ISSUES, clock=Clock())
    yield found
    found.close()


def test_undo_of_a_bulk_assign_restores_every_row_with_audited_compensations(desk: Desk) -> None:
    result = bulk(desk, "assign", ["INC-1", "INC-2", "INC-3"], "cora", "net-ana")
    assert result.done == ["INC-1", "INC-2", "INC-3"]
    undone = desk.history.undo("cora")
    assert sorted(undone.done) == ["INC-1", "INC-2", "INC-3"] and not undone.refused
    assert [desk.queries.request_for(i.id or "") for i in ISSUES] == [None, None, None]  # as before the bulk
    actions = [e.action for e in desk.store.audit_log.all() if e.actor == "cora" and e.kind == "requests"]
    assert actions.count("unassign") == 3 and actions.count("delete") == 3  # each one audited
    assert desk.history.where("cora").to_undo is None  # nothing left: the only step is undone
    with pytest.raises(UserError, match="nothing to undo"):
        desk.history.undo("cora")


def test_undo_is_refused_with_the_reason_once_the_expert_started_a_session(desk: Desk) -> None:
    assigned = desk.commands.assign("INC-1", "net-ana", "cora")
    start_session(desk, assigned.id)
    undone = desk.history.undo("cora")
    assert undone.done == [] and undone.refused == [("INC-1", "Unassign: the expert has since started a session")]
    assert "Cannot undo: INC-1: Unassign: the expert has since started a session" == undone.summary()
    assert desk.queries.require_request(assigned.id).status == "in_review"  # nothing written


def test_an_undo_walk_passes_over_a_step_it_cannot_take_back(desk: Desk) -> None:
    desk.commands.assign("INC-1", "net-ana", "cora")
    started = desk.commands.assign("INC-2", "net-ana", "cora")
    start_session(desk, started.id)
    refused = desk.history.undo("cora")
    assert refused.step.id and refused.done == [] and refused.refused
    assert desk.history.undo("cora").refused == refused.refused  # without the skip: the same refusal again
    undone = desk.history.undo("cora", skip={refused.step.id})
    assert undone.done == ["INC-1"] and desk.queries.request_for("INC-1") is None
    with pytest.raises(UserError, match="nothing more to undo"):
        desk.history.undo("cora", skip={refused.step.id})


def test_redo_takes_the_step_again_and_a_new_step_clears_what_could_be_redone(desk: Desk) -> None:
    desk.commands.assign("INC-1", "net-ana", "cora")
    desk.history.undo("cora")
    assert desk.queries.request_for("INC-1") is None
    redone = desk.history.redo("cora")
    assert redone.done == ["INC-1"]
    request = desk.queries.request_for("INC-1")
    assert request is not None and request.assigned_expert_id == "net-ana"
    desk.history.undo("cora")
    desk.commands.escalate("INC-2", "cora")  # a new step: the undone one can no longer be redone
    with pytest.raises(UserError, match="nothing to redo"):
        desk.history.redo("cora")
    with pytest.raises(UserError, match="nothing to undo: bo has taken no step"):
        desk.history.undo("bo")  # each person undoes only their own


def test_undo_takes_back_a_reassignment_and_a_wait(desk: Desk) -> None:
    first = desk.commands.assign("INC-1", "net-ana", "cora")
    desk.commands.assign("INC-1", "net-kenji", "cora")  # a reassignment
    assert desk.queries.require_request(first.id).assigned_expert_id == "net-kenji"
    desk.history.undo("cora")
    assert desk.queries.require_request(first.id).assigned_expert_id == "net-ana"
    desk.commands.act(first.id, "wait", "cora")
    desk.history.undo("cora")
    assert desk.queries.require_request(first.id).status == "assigned"


def test_the_history_survives_a_restart_and_the_cli_undoes_it(tmp_path: Path) -> None:
    desk = desk_at(tmp_path, issues=ISSUES, clock=Clock())
    desk.commands.assign("INC-1", "net-ana", "cora")
    desk.close()
    again = Desk(open_store(tmp_path / "desk.json"), clock=Clock())
    try:
        assert again.history.where("cora").to_undo is not None  # read from the audit log
    finally:
        again.close()
    done = run_cli("undo", "--actor", "cora", "--db", str(tmp_path / "desk.json"), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["done"] == ["INC-1"] and json.loads(done.stdout)["verb"] == "undo"
    nothing = run_cli("undo", "--actor", "cora", "--db", str(tmp_path / "desk.json"))
    assert nothing.returncode == 2 and nothing.stderr.startswith("triagedesk: error: nothing to undo")


def test_an_experts_steps_are_theirs_to_undo(desk: Desk) -> None:
    assigned = desk.commands.assign("INC-1", "net-ana", "cora")
    ana = Actor("net-ana", "expert", "net-ana")
    desk.commands.run(ana, desk.commands.intent_for_request(assigned.id, "wait"))
    undone = desk.history.undo(ana)
    assert undone.done == ["INC-1"] and desk.queries.require_request(assigned.id).status == "assigned"


@given(st.lists(st.sampled_from(["do", "undo", "redo"]), max_size=30))
def test_the_stacks_behave_as_an_editors(moves: list[str]) -> None:
    """Replaying a history of steps, undos and redos gives what a model editor's two stacks give."""
    steps: list[Step] = []
    done: list[str] = []
    undone: list[str] = []
    for n, move in enumerate(moves):
        if move == "do":
            steps.append(Step(f"s{n}", "a", (Taken("wait", "i", "r"),)))
            done.append(f"s{n}")
            undone.clear()
        elif move == "undo" and done:
            target = done.pop()
            undone.append(target)
            steps.append(Step(f"s{n}", "a", (), undoes=target))
        elif move == "redo" and undone:
            target = undone.pop()
            done.append(target)
            steps.append(Step(f"s{n}", "a", (), redoes=target))
    found = stacks(steps)
    assert [s.id for s in found.done] == done and [s.id for s in found.undone] == undone
