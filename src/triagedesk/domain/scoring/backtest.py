"""Rule backtest: replay a changed profile over stored history and compare with what was decided and done."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from triagedesk.domain.models import Issue
from triagedesk.domain.records import Correction, ExpertRequest
from triagedesk.domain.scoring.escalation import Scorer


@dataclass
class Change:
    """One issue whose decision the candidate profile changes."""

    issue_id: str
    title: str
    before: dict[str, Any]
    after: dict[str, Any]
    actual: dict[str, Any]
    note: str


@dataclass
class Backtest:
    profile: str
    considered: int
    before: dict[str, Any]
    after: dict[str, Any]
    changes: list[Change] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile, "considered": self.considered, "before": self.before, "after": self.after,
            "changed": len(self.changes),
            "changes": [c.__dict__ for c in self.changes],
        }


def _summary(decisions: list[Any]) -> dict[str, Any]:
    return {
        "escalated": sum(d.should_escalate for d in decisions),
        "by_urgency": dict(Counter(d.urgency for d in decisions if d.should_escalate)),
        "by_tier": dict(Counter(d.recommended_tier for d in decisions if d.should_escalate and d.recommended_tier)),
    }


def backtest(issues: list[Issue], requests: list[ExpertRequest], corrections: list[Correction],
             current: Scorer, candidate: Scorer, now: datetime, days: int) -> Backtest:
    """Decisions of `current` and `candidate` over the profile's issues created in the last `days` days."""
    name = candidate.profile.name
    start = now - timedelta(days=days)
    chosen = [i for i in issues if (i.profile or name) == current.profile.name
              and (i.created_at is None or start <= i.created_at <= now)]
    by_issue = {r.analysis_id: r for r in requests}
    fixes = Counter(c.request_id for c in corrections)
    before = [current.decide(i) for i in chosen]
    after = [candidate.decide(i) for i in chosen]
    result = Backtest(name, len(chosen), _summary(before), _summary(after))
    for issue, old, new in zip(chosen, before, after, strict=True):
        if ((old.should_escalate, old.urgency, old.recommended_tier)
                == (new.should_escalate, new.urgency, new.recommended_tier)):
            continue
        request = by_issue.get(issue.id or "")
        actual = {"request": request.status if request else None,
                  "tier": request.tier_id if request else None,
                  "corrections": fixes[request.id] if request else 0}
        if old.should_escalate and not new.should_escalate:
            note = "no longer escalated"
            if request is not None and actual["corrections"]:
                note += f", though experts corrected it {actual['corrections']} time(s)"
            elif request is not None and request.status in ("completed", "refunded"):
                note += ", though an expert completed a review"
        elif new.should_escalate and not old.should_escalate:
            note = "newly escalated"
        else:
            note = f"{old.urgency} -> {new.urgency}" + (
                f", tier {old.recommended_tier} -> {new.recommended_tier}"
                if old.recommended_tier != new.recommended_tier else "")
        result.changes.append(Change(
            issue.id or "", issue.title,
            {"escalate": old.should_escalate, "urgency": old.urgency, "tier": old.recommended_tier, "score": old.score},
            {"escalate": new.should_escalate, "urgency": new.urgency, "tier": new.recommended_tier, "score": new.score},
            actual, note))
    return result
