"""The one home of the request's state rules: assign vs reassign, the paid path, workloads, running sessions."""

from __future__ import annotations

import pytest

from triagedesk.domain.records import REQUEST_STATUSES
from triagedesk.domain.requests import workflow
from triagedesk.domain.requests.workflow import AwaitsPayment, plan_assignment


def test_status_sets_partition_the_lifecycle() -> None:
    assert workflow.CLOSED_STATUSES == {"completed", "cancelled", "refunded"}
    assert workflow.OPEN_STATUSES | workflow.CLOSED_STATUSES == set(REQUEST_STATUSES)
    assert not workflow.OPEN_STATUSES & workflow.CLOSED_STATUSES
    assert workflow.HELD_STATUSES < workflow.OPEN_STATUSES


@pytest.mark.parametrize("status, plan", [
    (None, (True, "assign")), ("completed", (True, "assign")), ("cancelled", (True, "assign")),
    ("refunded", (True, "assign")), ("pending_assignment", (False, "assign")),
    ("assigned", (False, "reassign")), ("in_review", (False, "reassign")), ("waiting", (False, "reassign")),
])
def test_assign_or_reassign_or_reescalate(status, plan) -> None:
    found = plan_assignment(status, "pending_assignment")
    assert (found.escalate_first, found.action) == plan


def test_the_paid_path_is_refused_before_anything_is_opened() -> None:
    with pytest.raises(AwaitsPayment, match=r"\$"):
        plan_assignment(None, "pending_payment")
    with pytest.raises(AwaitsPayment, match="req-1 awaits payment"):
        plan_assignment("pending_payment", "pending_assignment", "req-1")
    assert not workflow.can_assign(None, "pending_payment") and workflow.can_escalate(None)
    assert workflow.can_pay("pending_payment") and not workflow.can_assign("pending_payment", "pending_payment")
    assert workflow.can_assign("pending_assignment", "pending_payment")


def test_a_paused_session_is_still_running() -> None:
    assert workflow.session_running("paused") and workflow.session_running("active")
    assert not workflow.session_running("ended")
    assert workflow.session_ticking("active") and not workflow.session_ticking("paused")
