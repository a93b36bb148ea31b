"""A deterministic demo history: issues of both profiles, requests in every state, sessions, outcomes, corrections."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from triagedesk.demo.issues import iter_issue_records
from triagedesk.demo.resolutions import resolutions_for
from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.records import Correction, ExpertRequest, KnowledgeEntry, Outcome, Session
from triagedesk.domain.requests import clocks, sessions
from triagedesk.domain.routing.calendars import Calendar, Holiday
from triagedesk.domain.routing.rota import Region, follow_the_sun
from triagedesk.domain.routing.schedules import Schedule
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.domain.scoring.profiles import Profile, SessionPolicy

DAY = timedelta(days=1)
_CORRECTIONS = [
    ("maker", "Unknown English", "Paul Storr, London", "Identified PS hallmark with lion passant"),
    ("period", "Victorian", "Georgian", "Date letter for 1810"),
    ("value", "$3,500-$7,000", "$9,000-$12,000", "Recent comparable sales"),
    ("condition", "Good", "Fair", "Hidden repair under the handle"),
    ("category", "jewelry", "watches", "Pocket watch in a jewelled case"),
    ("maker", "Rolex", "Unknown (aftermarket dial)", "Dial printing and lume do not match the reference"),
    ("period", "1960s", "1970s", "Serial range of the case"),
]


KINDS = ("experts", "schedules", "calendars", "issues", "requests", "sessions", "outcomes", "corrections",
         "knowledge")
"""The kinds of a demo history, in the order they are written."""


@dataclass
class DemoData:
    """Everything a demo store holds."""

    issues: list[Issue] = field(default_factory=list)
    experts: list[Expert] = field(default_factory=list)
    requests: list[ExpertRequest] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    knowledge: list[KnowledgeEntry] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    calendars: list[Calendar] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in
                ("issues", "experts", "requests", "sessions", "outcomes", "corrections", "knowledge", "schedules",
                 "calendars")}

    def add(self, other: DemoData) -> None:
        """Append another part's records, kind by kind."""
        for kind in KINDS:
            getattr(self, kind).extend(getattr(other, kind))


def _status(rng: random.Random, age_days: float, payment: bool) -> str:
    if age_days > 4:
        table = [("completed", 84), ("cancelled", 8), ("refunded", 6), ("waiting", 2)]
    elif age_days > 1:
        table = [("completed", 55), ("in_review", 12), ("assigned", 8), ("waiting", 8),
                 ("pending_assignment", 6), ("cancelled", 6), ("refunded", 5)]
    else:
        table = [("pending_assignment", 28), ("assigned", 26), ("in_review", 24), ("waiting", 8), ("completed", 14)]
    statuses, weights = zip(*table, strict=True)
    status = rng.choices(statuses, weights)[0]
    if status == "pending_assignment" and payment and rng.random() < 0.5:
        return "pending_payment"
    return status


CHUNK = 2000
"""Issues per chunk of `generate_chunks`: each chunk is one durable write of the demo command."""

def generate_chunks(
    count: int,
    seed: int,
    now: datetime,
    scorers: dict[str, Scorer],
    experts: list[Expert],
    size: int = CHUNK,
) -> Iterator[DemoData]:
    """`generate`'s history as a stream of parts of `size` issues each, with their requests, sessions, outcomes,
    corrections and knowledge entries (the experts come with the first part): only one part is held at a time,
    and the parts together are the same records in the same order for any `size`."""
    if size < 1:
        raise ValueError("a chunk holds at least one issue")
    rng = random.Random(seed * 7919 + 1)
    by_speciality: dict[str, list[Expert]] = {}
    for known in experts:
        for speciality in known.specializations:
            by_speciality.setdefault(speciality.lower(), []).append(known)
    # the held requests are the experts' whole workload: the Desk counts it from them (performance.figures)
    chunk = DemoData(experts=[e.model_copy(update={"current_workload": 0}) for e in experts],
                     schedules=demo_schedules(experts, now), calendars=demo_calendars(experts, now))
    for record in iter_issue_records(count, seed=seed, now=now, days=60):
        if len(chunk.issues) == size:
            yield chunk
            chunk = DemoData()
        issue = Issue.model_validate(record)
        chunk.issues.append(issue)
        _history(rng, issue, scorers, experts, by_speciality, now, chunk)
    yield chunk


def generate(
    count: int,
    seed: int,
    now: datetime,
    scorers: dict[str, Scorer],
    experts: list[Expert],
) -> DemoData:
    """A demo history of `count` issues over the last 60 days, the same for the same seed and `now`, all in
    memory (small demos and tests; the demo command streams `generate_chunks`)."""
    data = DemoData()
    for chunk in generate_chunks(count, seed, now, scorers, experts):
        data.add(chunk)
    return data


def _history(rng: random.Random, issue: Issue, scorers: dict[str, Scorer], experts: list[Expert],
             by_speciality: dict[str, list[Expert]], now: datetime, into: DemoData) -> None:
    """What became of one issue: its request, session, outcome, knowledge entry and corrections, if any."""
    scorer = scorers[issue.profile or "infrastructure"]
    decision = scorer.route(issue)  # the routing without the explanation: a fifth of decide's time
    if not decision.should_escalate:
        return
    profile = scorer.profile
    created = issue.created_at or now
    submitted = created + timedelta(minutes=rng.randint(1, 30))
    if submitted > now:
        submitted = now
    age = (now - submitted) / DAY
    if age < 1.5 and rng.random() < 0.4:
        return  # not escalated yet: the coordinator's intake
    status = _status(rng, age, profile.payment)
    tier = profile.tiers.get(decision.recommended_tier or "") if decision.recommended_tier else None
    budget = clocks.resolve_budget(profile, decision.recommended_tier if tier else None, decision.urgency,
                                   decision.estimated_expert_minutes)
    window = timedelta(minutes=budget)  # the resolve target the desk's rules give it (clocks.py)
    pool = by_speciality.get((decision.recommended_expert_type or "").lower()) or [
        e for e in experts if (e.id.startswith("expert-") == (profile.name == "appraisal"))]
    expert = rng.choice(pool) if pool else None
    request = _request(rng, issue, decision, profile, tier, submitted, window, status, expert, now)
    into.requests.append(request)
    if expert is None or request.started_at is None:
        return
    session = _session(rng, issue, request, expert, now, profile.session)
    into.sessions.append(session)
    if request.status in ("completed", "refunded") and request.completed_at is not None:
        outcome, entry = _outcome(rng, issue, request, session, profile.name)
        into.outcomes.append(outcome)
        into.knowledge.append(entry)
        if profile.name == "appraisal" and rng.random() < 0.35:
            into.corrections.extend(_corrections(rng, issue, request, expert))


def _request(rng: random.Random, issue: Issue, decision: Any, profile: Profile, tier: Any, submitted: datetime,
             window: timedelta, status: str, expert: Expert | None, now: datetime) -> ExpertRequest:
    fields: dict[str, Any] = {
        "id": f"req-{issue.id}", "analysis_id": issue.id, "user_id": f"user-{rng.randint(1, 400):04d}",
        "profile": profile.name, "urgency": decision.urgency, "submitted_at": submitted,
        "due_at": None if status == "pending_payment" else submitted + window,
        "item_name": issue.title, "item_category": issue.category or decision.recommended_expert_type,
        "estimated_value": issue.estimated_value, "status": status,
    }
    if tier is not None:
        fields.update(tier_id=decision.recommended_tier, tier_name=tier.name, price=tier.price)
        if profile.payment and status != "pending_payment":
            fields["paid_at"] = submitted  # paid as it was submitted: the tier's turnaround runs from there
    if status in ("pending_payment", "pending_assignment", "cancelled") or expert is None:
        if status == "cancelled":
            fields["cancelled_at"] = min(now, submitted + timedelta(hours=rng.uniform(0.5, 20)))
        elif expert is None and status not in ("pending_payment", "pending_assignment"):
            fields["status"] = "pending_assignment"
        return ExpertRequest.model_validate(fields)
    scale = window.total_seconds()
    assigned = min(now, submitted + timedelta(seconds=scale * rng.uniform(0.02, 0.25)))
    acknowledged = min(now, assigned + timedelta(minutes=rng.randint(1, 20)))  # never after now, nor the start
    fields.update(assigned_at=assigned, acknowledged_at=acknowledged,
                  assigned_expert_id=expert.id, assigned_expert_name=expert.name,
                  ack_due_at=clocks.due_for_ack(assigned, profile, expert, decision.urgency))
    if status == "assigned":
        return ExpertRequest.model_validate(fields)
    started = min(now, max(acknowledged, assigned + timedelta(seconds=scale * rng.uniform(0.02, 0.2))))
    fields["started_at"] = started
    if status == "waiting":
        fields["waiting_since"] = min(now, started + timedelta(seconds=scale * rng.uniform(0.05, 0.3)))
    if status in ("completed", "refunded"):
        late = rng.random() < (0.35 if status == "refunded" else 0.12)
        share = rng.uniform(1.02, 1.6) if late else rng.uniform(0.3, 0.97)
        completed = submitted + timedelta(seconds=scale * share)
        if completed > now:
            completed = now
        fields["completed_at"] = completed
        fields["refund_due"] = completed > submitted + window
        if status == "refunded":
            fields["refund_due"] = True
            fields["completed_at"] = max(completed, submitted + window + timedelta(minutes=5))
            fields["refunded_at"] = fields["completed_at"] + timedelta(hours=1)
        fields["final_report"] = rng.choice(resolutions_for(issue))[0]
    return ExpertRequest.model_validate(fields)


def _session(rng: random.Random, issue: Issue, request: ExpertRequest, expert: Expert, now: datetime,
             policy: SessionPolicy) -> Session:
    started = request.started_at or now
    ended = request.completed_at
    running = request.status == "in_review" and (now - started).total_seconds() < 6 * 3600
    channel = sessions.channel_for(policy.channels, expert.escalation_methods)  # the domain's channel, as the desk's
    return Session(
        id=f"ses-{issue.id}", request_id=request.id, issue_id=issue.id or "", expert_id=expert.id,
        channel=channel, participants=list(policy.participants), started_at=started,
        status="ended" if ended else ("active" if running else "paused"),
        phase="wrap-up" if ended else rng.choice(["briefing", "diagnosis", "remediation"]),
        paused_at=None if ended or running else min(now, started + timedelta(minutes=rng.randint(10, 90))),
        ended_at=ended,
    )


def _outcome(rng: random.Random, issue: Issue, request: ExpertRequest, session: Session,
             profile: str) -> tuple[Outcome, KnowledgeEntry]:
    options = resolutions_for(issue)  # the conclusion the request's final report gives
    resolution, recommendations = next((o for o in options if o[0] == request.final_report), options[0])
    completed = request.completed_at or session.started_at
    minutes = (completed - session.started_at).total_seconds() / 60
    achieved = rng.random() < 0.86
    outcome = Outcome(
        id=f"out-{issue.id}", session_id=session.id, request_id=request.id, issue_id=issue.id or "",
        expert_id=session.expert_id, resolution_achieved=achieved, recommendations=list(recommendations),
        actions_taken=[resolution], knowledge_gained=resolution if achieved else "Needs a second opinion.",
        follow_up_needed=not achieved or rng.random() < 0.2, rating=rng.choices([5, 4, 3, 2], [45, 35, 15, 5])[0],
        time_to_resolution_minutes=round(max(minutes, 1.0), 1), created_at=completed,
    )
    entry = KnowledgeEntry(
        id=f"kb-{issue.id}", issue_id=issue.id or "", outcome_id=outcome.id, profile=profile,
        category=issue.category, title=issue.title, problem=issue.description, resolution=resolution,
        tags=sorted({w.lower() for w in issue.title.split() if len(w) > 4})[:5], created_at=completed,
    )
    return outcome, entry


def _corrections(rng: random.Random, issue: Issue, request: ExpertRequest, expert: Expert) -> list[Correction]:
    picked = rng.sample(_CORRECTIONS, rng.randint(1, 2))
    return [
        Correction(
            id=f"cor-{issue.id}-{n}", request_id=request.id, expert_id=expert.id, category=issue.category,
            profile="appraisal", field=name, original_value=original, corrected_value=corrected,
            explanation=why, confidence=round(rng.uniform(0.7, 0.99), 2),
            created_at=request.completed_at or request.submitted_at,
        )
        for n, (name, original, corrected, why) in enumerate(picked)
    ]


DEMO_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
"""The fixed reference time of reproducible demos and screenshots."""


FOLLOW_THE_SUN = (("europe", "Europe/Berlin", ("net-ana", "cloud-tom")),
                  ("asia", "Asia/Tokyo", ("net-kenji", "cloud-priya")))
"""The network and cloud experts who cover by rotation (seed 000's `on_call_rotation`), by region; the automation
engineers keep the seed's flag (reachable after hours), as a network without a schedule for everyone would."""


def demo_schedules(experts: list[Expert], now: datetime) -> list[Schedule]:
    """A follow-the-sun rotation over the infrastructure experts who cover by rotation (none without them)."""
    known = {e.id for e in experts}
    regions = [Region(name, zone, [m for m in members if m in known]) for name, zone, members in FOLLOW_THE_SUN]
    regions = [r for r in regions if r.members]
    if not regions:
        return []
    first = (now - 60 * DAY).date()
    return [follow_the_sun("infra-follow-the-sun", regions, first, covers=["infrastructure"])]


def demo_calendars(experts: list[Expert], now: datetime) -> list[Calendar]:
    """Berlin's fixed public holidays for the experts who live there (their 8x5 clocks stop on those days)."""
    berlin = [e.id for e in experts if e.timezone == "Europe/Berlin"]
    if not berlin:
        return []
    years = (now.year - 1, now.year, now.year + 1)
    days = [(1, 1, "Neujahr"), (5, 1, "Tag der Arbeit"), (10, 3, "Tag der Deutschen Einheit"),
            (12, 25, "1. Weihnachtstag"), (12, 26, "2. Weihnachtstag")]
    holidays = [Holiday(name=name, day=datetime(year, month, day).date())
                for year in years for month, day, name in days]
    return [Calendar(id="holidays-berlin", kind="holidays", timezone="Europe/Berlin", holidays=holidays,
                     experts=berlin, source="demo")]
