"""Bulk actions over marked issues: assign, escalate or cancel many in one durable write.

Each issue is judged first (the domain's lifecycle says what is legal); those that cannot take the action are
skipped with the reason, the rest are written together in one store transaction, so a failure writes none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from triagedesk.domain.errors import UserError
from triagedesk.domain.requests import workflow

if TYPE_CHECKING:
    from triagedesk.app.desk import Desk

BULK_ACTIONS = ("assign", "escalate", "cancel")


@dataclass
class BulkResult:
    """What a bulk action did: the issues it changed, and those it skipped with why."""

    action: str
    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        verb = {"assign": "assigned", "escalate": "escalated", "cancel": "cancelled"}[self.action]
        text = f"{len(self.done)} {verb}"
        if self.skipped:
            first = "; ".join(f"{key}: {why}" for key, why in self.skipped[:3])
            more = f" (+{len(self.skipped) - 3} more)" if len(self.skipped) > 3 else ""
            text += f", {len(self.skipped)} skipped: {first}{more}"
        return text


def run(desk: Desk, action: str, issue_ids: Iterable[str], actor: str, expert_id: str | None = None,
        note: str = "") -> BulkResult:
    """Apply `action` to every issue in `issue_ids` within one transaction."""
    if action not in BULK_ACTIONS:
        raise UserError(f"unknown bulk action {action!r}; one of {', '.join(BULK_ACTIONS)}")
    keys = list(dict.fromkeys(issue_ids))
    if not keys:
        raise UserError("no issue marked")
    result = BulkResult(action)
    store = desk.store
    with store.transaction():
        latest: dict[str, dict[str, Any]] = {}  # one scan of the requests, not one per marked issue
        for doc in store.requests.raw():
            key = doc.get("analysis_id") or ""
            held = latest.get(key)
            if held is None or (doc.get("submitted_at") or "") > (held.get("submitted_at") or ""):
                latest[key] = doc
        expert = store.experts.require(expert_id) if action == "assign" and expert_id else None
        if action == "assign" and expert is None:
            raise UserError("bulk assign needs an expert")
        for key in keys:
            if key not in store.issues:
                result.skipped.append((key, "no such issue"))
                continue
            found = latest.get(key)
            request = store.requests.require(found["id"]) if found else None
            status = request.status if request is not None else None
            if action == "escalate":
                if not workflow.can_escalate(status) and request is not None:
                    result.skipped.append((key, f"request {request.id} is already open ({status})"))
                    continue
                desk.escalate(key, actor, notes=note or None, again=True)  # checked above, without a scan each
            elif action == "cancel":
                if not workflow.can_cancel(status) or request is None:
                    result.skipped.append((key, "no open request"))
                    continue
                desk.act(request.id, "cancel", actor, note=note)
            else:
                assert expert is not None
                issue = store.issues.require(key)
                if not desk.works_profile(expert, issue.profile):
                    who = expert.name or expert.id
                    result.skipped.append((key, f"{who} does not work {issue.profile or 'these'} issues"))
                    continue
                opens_as = desk.new_request(issue, actor).status
                try:
                    plan = workflow.plan_assignment(status, opens_as, request.id if request else "")
                except workflow.AwaitsPayment:
                    paid_first = "must be escalated and paid first" if workflow.is_closed(status) else \
                        f"request {request.id if request else ''} awaits payment"
                    result.skipped.append((key, paid_first))
                    continue
                if workflow.is_held(status) and request is not None and request.assigned_expert_id == expert.id:
                    result.skipped.append((key, f"already with {expert.name or expert.id}"))
                    continue
                if plan.escalate_first or request is None:
                    request = desk.escalate(key, actor, notes=note or None, again=True)
                desk.act(request.id, plan.action, actor, expert.id, note)
            result.done.append(key)
    return result
