"""Domain worlds for tests: the shipped profiles and networks, issues of both seeds, and `Situation`s to plan in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache

from triagedesk.domain.inputs import parse_models
from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.records import ExpertRequest, Session
from triagedesk.domain.requests.plan import Situation
from triagedesk.domain.routing.matching import Matcher
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.resources import data_dir, load_profile


@cache
def scorer(profile: str) -> Scorer:
    return Scorer(load_profile(profile))


@cache
def network() -> tuple[Expert, ...]:
    """Both seeds' expert networks as shipped."""
    out: list[Expert] = []
    for name in ("infrastructure", "appraisal"):
        path = data_dir() / "experts" / f"{name}.jsonl"
        out += parse_models(path.read_text("utf-8"), str(path), Expert)
    return tuple(out)


def teapot(key: str = "APR-1", category: str = "silver", **more: object) -> Issue:
    """A paid appraisal: a silver teapot worth $500-800 with a 50% confidence (full authentication)."""
    return Issue(id=key, profile="appraisal", title=f"Silver teapot {key}", category=category,
                 estimated_value={"min": 50000, "max": 80000}, confidence=0.5, **more)  # type: ignore[arg-type]


def outage(key: str = "INC-1", title: str = "", **more: object) -> Issue:
    """An infrastructure outage: a core switch down for 900 of 1,000 users, research unsure."""
    return Issue(id=key, profile="infrastructure", title=title or f"Core switch down {key}", users_affected=900,
                 total_users=1000, affected_systems=["core-switch"], research={"overall_confidence": 0.3},
                 **more)  # type: ignore[arg-type]


def situation(issue: Issue, request: ExpertRequest | None, now: datetime, experts: Iterable[Expert] | None = None,
              sessions: Sequence[Session] = (), with_outcome: Iterable[str] = ()) -> Situation:
    found = scorer(issue.profile or "infrastructure")
    people = {e.id: e for e in (network() if experts is None else experts)}
    decision = found.decide(issue)
    ranked = Matcher(found.profile, found).match(issue, people.values(), now, decision).ranked
    return Situation(issue, found.profile, decision, request, people, ranked, tuple(sessions),
                     frozenset(with_outcome), now)
