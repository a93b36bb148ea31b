"""The words a person reads once: every confirmation names the issue (id and title), never a request id, and its
button says what it does."""

from __future__ import annotations

from itertools import product

import pytest

from tests.support.plans import CORA, HARRIET, NOW, expert_of, request_in
from tests.support.world import situation, teapot
from triagedesk.domain.records import REQUEST_STATUSES
from triagedesk.domain.requests import sessions
from triagedesk.domain.requests.actions import ACTIONS
from triagedesk.domain.requests.plan import Intent, Plan, plan
from triagedesk.domain.requests.states import NEVER_ESCALATED, STATE_NAMES, state_name

ASKED = [name for name, action in ACTIONS.items() if action.confirm and name != "edit"]
VAGUE = {"", "Confirm", "OK", "Yes", "Cancel"}


def planned(source: str | None, action: str) -> Plan | None:
    request = request_in(source) if source is not None else None
    running = [sessions.initiate("APR-1", "expert-505", request.submitted_at, "req-1", "item_review")] \
        if source == "in_review" and request is not None else []
    found = situation(teapot(), request, NOW, sessions=running)
    actor = CORA if "coordinator" in ACTIONS[action].roles else expert_of(request)
    expert = HARRIET if action in ("assign", "reassign") else None
    result = plan(found, actor, Intent(action, "APR-1", "req-1" if request else None, expert_id=expert))
    return result if isinstance(result, Plan) else None


def test_every_action_that_asks_is_planned_in_some_state_below() -> None:
    """So the test below reads every builder's question (claim: the appraisal profile lets nobody claim)."""
    reached = {action for source, action in product((None, *REQUEST_STATUSES), ASKED) if planned(source, action)}
    assert reached == set(ASKED) - {"claim"}


@pytest.mark.parametrize(("source", "action"), list(product((None, *REQUEST_STATUSES), ASKED)))
def test_a_confirmation_names_the_issue_and_its_button_says_what_it_does(source: str | None, action: str) -> None:
    found = planned(source, action)
    if found is None:
        return  # refused in this state: no dialog
    assert "APR-1" in found.question and "Silver teapot APR-1" in found.question, found.question
    assert "req-" not in found.question and not any("req-" in line for line in found.detail), found
    assert found.question.endswith("?")
    assert found.verb not in VAGUE, (action, found.verb)


def test_cancel_says_cancel_the_request_and_withdraw_withdraw() -> None:
    cancel = planned("pending_assignment", "cancel")
    assert cancel is not None and cancel.verb == "Cancel the request"
    assert cancel.question == "Cancel the request for APR-1 (Silver teapot APR-1)?"
    paid = planned("pending_payment", "pay")
    assert paid is not None and paid.verb == "Record payment" and paid.question.startswith(
        "Record the payment for APR-1 (Silver teapot APR-1)")


def test_every_state_has_one_name_and_new_is_the_state_without_a_request() -> None:
    assert state_name(None) == state_name(NEVER_ESCALATED) == "new"
    assert state_name("in_review") == "in review" and state_name("pending_assignment") == "pending assignment"
    names = [state_name(s) for s in REQUEST_STATUSES]
    assert len(set(names)) == len(names) == len(REQUEST_STATUSES) and "new" not in names
    assert set(STATE_NAMES) == {None, *REQUEST_STATUSES}
