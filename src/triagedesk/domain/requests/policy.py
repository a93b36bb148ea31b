"""The escalation policy as a pure function: given a request, what it has been through and now, the next steps and when.

The dispatcher applies the steps; `triagedesk policy explain` prints them. Every step has a key made of the
request, the step and the moment it is anchored to (the assignment, the due time), so applying the same plan
twice, after a crash or by a second dispatcher, does the step once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from triagedesk.domain import instants
from triagedesk.domain.models import Candidate, Expert
from triagedesk.domain.records import ExpertRequest
from triagedesk.domain.requests import clocks
from triagedesk.domain.scoring.profiles import Policy, Profile

StepKind = Literal[
    "auto_assign",      # a pending request the policy assigns without a coordinator
    "ack_reassign",     # not acknowledged in time: the next candidate
    "ack_senior",       # not acknowledged, reassignments used up: the senior fallback
    "ack_flag",         # the senior did not acknowledge either: a coordinator is flagged
    "at_risk_notice",   # under 25% of the SLA left: the assignee is told again
    "breach_senior",    # past due: a senior expert takes it
    "breach_flag",      # past due with the senior already on it: a coordinator is flagged
    "follow_up",        # completed: seed 000's follow-up with the outcome
]
STEP_KINDS: tuple[str, ...] = ("auto_assign", "ack_reassign", "ack_senior", "ack_flag", "at_risk_notice",
                               "breach_senior", "breach_flag", "follow_up")
FOLLOW_UP_WINDOW = timedelta(days=1)
"""A completion older than this when the dispatcher first sees it (history, a long outage) gets no follow-up."""
MISSED_ACK = frozenset({"ack_reassign", "ack_senior", "ack_flag"})


@dataclass(frozen=True)
class StepDone:
    """A step the dispatcher took (kept in the audit log): its kind, key, and the expert it concerned."""

    kind: str
    key: str
    expert_id: str | None = None


@dataclass(frozen=True)
class Step:
    """One thing the policy will do to a request, and from when."""

    kind: StepKind
    due: datetime
    key: str
    reason: str
    refund_exposure: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "due": instants.stamp(self.due), "key": self.key, "reason": self.reason,
                "action": ACTION_OF.get(self.kind, "notify"), "refund_exposure": self.refund_exposure}



def auto_assigns(request: ExpertRequest, profile: Profile) -> bool:
    """Whether the policy assigns this pending request itself."""
    rule = profile.policy.auto_assign
    if request.status != "pending_assignment":
        return False
    if request.urgency in rule.urgencies:
        return True
    return rule.on_payment and profile.payment and request.tier_id is not None


def plan(request: ExpertRequest, profile: Profile, expert: Expert | None,
         history: Sequence[StepDone] = (), now: datetime | None = None,
         calendars: clocks.CalendarBook | None = None) -> list[Step]:
    """Every step the policy has in store for the request as it is now, earliest first (taken ones left out;
    given `now`, a follow-up whose window has passed too, and an at-risk notice once the target is breached).
    Its times are the request's clocks (`clocks.targets`)."""
    policy = profile.policy
    done = {h.key for h in history}
    steps: list[Step] = []
    if request.status == "completed" and policy.follow_up and request.completed_at is not None:
        if now is None or now - request.completed_at <= FOLLOW_UP_WINDOW:
            steps.append(Step("follow_up", request.completed_at, f"{request.id}:follow_up",
                              "completed: the follow-up with the outcome goes to the coordinators"))
    found = {t.name: t for t in clocks.targets(request, profile, expert, calendars)}
    if request.status == "pending_assignment" and auto_assigns(request, profile):
        steps.append(Step("auto_assign", request.paid_at or request.submitted_at, f"{request.id}:auto_assign",
                          f"{request.urgency} request: assigned by policy ({policy.auto_assign.strategy})"))
    ack = found.get("acknowledge")
    if request.status == "assigned" and ack is not None and ack.running():
        step = _ack_step(request, policy, ack.due, history)
        if step is not None:
            steps.append(step)
    resolve = found.get("resolve")
    if request.status in ("pending_assignment", "assigned", "in_review") and resolve is not None and resolve.running():
        steps.extend(_clock_steps(request, profile, resolve, now))
    return sorted((s for s in steps if s.key not in done), key=lambda s: s.due)


def _ack_step(request: ExpertRequest, policy: Policy, due: datetime, history: Sequence[StepDone]) -> Step | None:
    rule = policy.ack_timeout
    if not rule.enabled or request.assigned_at is None:
        return None
    key = f"{request.id}:ack:{instants.stamp(request.assigned_at)}"
    reassigned = sum(1 for h in history if h.kind == "ack_reassign")
    who = request.assigned_expert_name or request.assigned_expert_id or "the expert"
    late = f"{who} did not acknowledge by {due:%Y-%m-%d %H:%M} UTC"
    if not request.escalated_to_senior and reassigned < rule.max_reassignments:
        return Step("ack_reassign", due, key, f"{late}: reassign {reassigned + 1} of {rule.max_reassignments}")
    if not request.escalated_to_senior and rule.then_senior:
        return Step("ack_senior", due, key, f"{late}, {reassigned} reassignments used: the senior fallback")
    if rule.then_flag_coordinator:
        return Step("ack_flag", due, key, f"{late} and the senior fallback is used: a coordinator is flagged")
    return None


def _clock_steps(request: ExpertRequest, profile: Profile, resolve: clocks.Target,
                 now: datetime | None) -> list[Step]:
    """The at-risk notice and the breach step of the resolve target; once it is breached (at `now`), the at-risk
    notice is moot, whatever else the walk has taken first (a senior escalation does not bring it back)."""
    rule = profile.policy.breach
    steps: list[Step] = []
    anchor = instants.stamp(resolve.due)
    breached = now is not None and now >= resolve.due
    if rule.notify_at_risk and resolve.budget_minutes > 0 and request.status != "pending_assignment" \
            and not breached:
        at_risk = clocks.at_risk_instant(resolve)
        if at_risk < resolve.due:
            steps.append(Step("at_risk_notice", at_risk, f"{request.id}:at_risk:{anchor}",
                              "under 25% of the SLA left: the assignee is told again"))
    exposure = request.price if rule.refund_exposure and request.price > 0 else 0.0
    refund = f"; refund exposure ${exposure:,.2f}" if exposure else ""
    if rule.senior_on_breach and not request.escalated_to_senior:
        steps.append(Step("breach_senior", resolve.due, f"{request.id}:breach:{anchor}",
                          f"SLA breached: a senior expert takes it{refund}", refund_exposure=exposure))
    elif rule.senior_on_breach:
        steps.append(Step("breach_flag", resolve.due, f"{request.id}:breach:{anchor}",
                          f"SLA breached with the senior on it: a coordinator is flagged{refund}",
                          refund_exposure=exposure))
    return steps


def due_steps(request: ExpertRequest, profile: Profile, expert: Expert | None,
              history: Sequence[StepDone], now: datetime) -> list[Step]:
    """Every step whose time has come, in order (a breach makes a late at-risk notice moot: `plan`)."""
    return [s for s in plan(request, profile, expert, history, now) if s.due <= now]


def due_step(request: ExpertRequest, profile: Profile, expert: Expert | None,
             history: Sequence[StepDone], now: datetime) -> Step | None:
    """The first step whose time has come, if any."""
    due = due_steps(request, profile, expert, history, now)
    return due[0] if due else None


def next_due(request: ExpertRequest, profile: Profile, expert: Expert | None,
             history: Sequence[StepDone], now: datetime | None = None) -> datetime | None:
    """When the policy next has something to do for the request (None: nothing, ever, in this state)."""
    steps = plan(request, profile, expert, history, now)
    return steps[0].due if steps else None


ACTION_OF: dict[str, str] = {"auto_assign": "assign", "ack_reassign": "reassign", "ack_senior": "senior",
                             "breach_senior": "senior"}
"""The action of the table a step takes (the others only tell someone)."""


def choose(strategy: str, ranked: Sequence[Candidate], top_n: int, exclude: Iterable[str] = (),
           last: str | None = None) -> Candidate | None:
    """The expert a strategy picks among the ranked candidates available now (never an excluded one).

    best_match: the top of the ranking; least_loaded: the lightest workload among the top N (ties to the better
    match); round_robin: among the top N, the one after `last` in a stable (id) order.
    """
    banned = set(exclude)
    pool = [c for c in ranked if c.available_now and c.expert_id not in banned]
    if not pool:
        return None
    if strategy == "best_match":
        return pool[0]
    top = pool[:top_n]
    if strategy == "least_loaded":
        return min(top, key=lambda c: (c.current_workload, top.index(c)))
    ring = sorted(top, key=lambda c: c.expert_id)
    ids = [c.expert_id for c in ring]
    if last in ids:
        return ring[(ids.index(last) + 1) % len(ring)]
    after = [c for c in ring if last is not None and c.expert_id > last]
    return after[0] if after else ring[0]
