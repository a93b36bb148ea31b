"""The plan tests' cast and requests: the coordinator, the appraisal experts by level, a request in any state."""

from __future__ import annotations

from datetime import timedelta

from tests.support.clock import T0
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests.actions import Actor

CORA = Actor("cora")
HARRIET = "expert-456"  # silver, ceramics; expert level
OLIVER = "expert-505"   # silver; junior
RUTH = "expert-303"     # art; senior
PIET = "expert-404"     # ceramics, furniture; mid
INES = "expert-202"     # jewelry, watches; senior
NOW = T0 + timedelta(hours=1)


def request_in(status: str, holder: str | None = OLIVER, **more: object) -> ExpertRequest:
    fields: dict[str, object] = {"id": "req-1", "analysis_id": "APR-1", "profile": "appraisal", "status": status,
                                 "submitted_at": T0, "tier_id": "full-authentication", "price": 150.0,
                                 "due_at": T0 + timedelta(hours=48), "urgency": "high"}
    if status not in ("pending_payment", "pending_assignment"):
        fields.update(assigned_expert_id=holder, assigned_expert_name=holder, assigned_at=T0)
    if status in ("in_review", "completed", "refunded"):
        fields.update(started_at=T0, acknowledged_at=T0)
    if status == "waiting":
        fields["waiting_since"] = T0 + timedelta(minutes=30)
    if status in ("completed", "refunded"):
        fields["completed_at"] = T0 + timedelta(minutes=40)
    return ExpertRequest.model_validate({**fields, **more})


def expert_of(request: ExpertRequest | None) -> Actor:
    holder = request.assigned_expert_id if request is not None else None
    return Actor(holder or "x", "expert", holder)
