"""The action table: its graph is the documented lifecycle, and its cheap check names a reason for every refusal."""

from __future__ import annotations

from itertools import product

import pytest

from tests.support.lifecycle import LEGAL
from triagedesk.domain.records import REQUEST_STATUSES, ExpertRequest
from triagedesk.domain.requests import actions
from triagedesk.domain.requests.actions import ACTIONS, Actor, Standing, check, next_states, writable_fields

"""Seed 002's lifecycle plus waiting, reassignment and the two ends: the documented transitions."""
COORDINATOR = Actor("cora")
ANN = Actor("ann", "expert", "ann")
LEAD = Actor("lee", "lead")
STATES: list[str | None] = [None, *REQUEST_STATUSES]


def test_the_tables_graph_is_exactly_the_documented_lifecycle() -> None:
    assert {(a, b) for a in REQUEST_STATUSES for b in next_states(a)} == LEGAL


def test_every_row_names_known_states_roles_and_request_fields() -> None:
    fields = set(ExpertRequest.model_fields) | {"*"}
    assert ACTIONS, "the table has rows"
    for row in ACTIONS.values():
        assert row.states and row.states <= set(STATES), row.name
        assert row.roles and row.roles <= set(actions.ROLES), row.name
        assert row.fields <= fields, (row.name, row.fields - fields)
        assert row.help and row.label


def test_a_lead_takes_nothing_and_gets_a_reason_for_each() -> None:
    for name in ACTIONS:
        refusal = check(name, Standing("assigned", holder="ann"), LEAD)
        assert refusal is not None and "not a lead" in refusal.reason, name


@pytest.mark.parametrize(("name", "status"), list(product(ACTIONS, STATES)))
def test_every_refusal_is_a_sentence_with_the_actions_label(name: str, status: str | None) -> None:
    for actor in (COORDINATOR, ANN):
        found = check(name, Standing(status, holder="ann" if status in ("assigned", "in_review", "waiting")
                                     else None), actor)
        if found is not None:
            assert found.text.startswith(ACTIONS[name].label + ": ") and len(found.reason) > 8
            assert all(first in ACTIONS for first in found.first)


def test_the_paid_path_says_what_comes_first() -> None:
    unpaid = check("assign", Standing("pending_payment", "pending_payment"), COORDINATOR)
    assert unpaid is not None and unpaid.text == "Assign: the request must be paid first" and unpaid.first == ("pay",)
    never = check("assign", Standing(None, "pending_payment"), COORDINATOR)
    assert never is not None and never.first == ("escalate", "pay")
    assert check("assign", Standing(None, "pending_assignment"), COORDINATOR) is None  # escalates first
    assert check("assign", Standing("completed", "pending_assignment"), COORDINATOR) is None
    senior = check("senior", Standing("pending_payment", "pending_payment"), COORDINATOR)
    assert senior is not None and senior.first == ("pay",)


def test_an_expert_moves_only_what_they_hold() -> None:
    mine = Standing("assigned", holder="ann")
    theirs = Standing("assigned", holder="bob")
    assert check("acknowledge", mine, ANN) is None
    refused = check("acknowledge", theirs, ANN)
    assert refused is not None and refused.reason == "the request is not yours (held by bob)"
    assert check("start", theirs, ANN) is not None
    assert check("assign", Standing("pending_assignment"), ANN) is not None  # a coordinator's action
    assert check("acknowledge", Standing("assigned", holder="ann", acknowledged=True), ANN) is not None


def test_an_expert_drives_only_their_own_session() -> None:
    running = Standing("in_review", holder="ann", session="active")
    assert check("pause_session", running, ANN) is None
    assert check("resume_session", running, ANN) is not None
    paused = Standing("in_review", holder="ann", session="paused")
    assert check("resume_session", paused, ANN) is None
    none = check("pause_session", Standing("in_review", holder="ann"), ANN)
    assert none is not None and none.first == ("start",)
    # reassigned away, the old session ended: its outcome is still the expert's to record
    assert check("outcome", Standing("assigned", holder="bob", awaiting_outcome=True), ANN) is None
    assert check("outcome", Standing("assigned", holder="bob"), ANN) is not None


def test_waiting_hides_nothing_that_works() -> None:
    """The issue's reproduction: on a waiting row w (resume), x and m work; the table allows them."""
    waiting = Standing("waiting", holder="ann")
    assert check("resume", waiting, COORDINATOR) is None
    assert check("cancel", waiting, COORDINATOR) is None
    assert check("wait", waiting, COORDINATOR) is not None


def test_the_server_learns_what_an_expert_may_write() -> None:
    writes = writable_fields("expert")
    assert "acknowledge" in writes and writes["acknowledge"] == {"acknowledged_at"}
    every = set().union(*(fields for name, fields in writes.items() if name != "claim"))
    assert "assigned_expert_id" in writes["claim"]  # herself only, from pending assignment: sync's rights check who
    for forbidden in ("price", "tier_id", "due_at", "submitted_at", "analysis_id", "assigned_expert_id"):
        assert forbidden not in every, forbidden
    assert "assign" not in writes and "cancel" not in writes
