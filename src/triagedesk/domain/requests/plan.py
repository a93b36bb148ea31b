"""plan(situation, actor, intent) -> Refusal | Plan: the only place the action table's rules are applied.

A door (a desk key, bulk, the CLI, the dispatcher) builds an `Intent`, the app reads a `Situation` from the store
and asks `plan`; a `Plan` is the records to write (each with its audit action), applied in one durable write.
"""

from __future__ import annotations

from dataclasses import replace

from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.requests import clocks, corrections, moves, sessions
from triagedesk.domain.requests.actions import ACTIONS, Actor, Refusal, check
from triagedesk.domain.requests.situation import Intent, Plan, Situation, Write
from triagedesk.domain.requests.states import CLOSED_STATUSES, SESSION_RUNNING, STATE_NAMES
from triagedesk.domain.routing import eligibility


def plan(situation: Situation, actor: Actor, intent: Intent) -> Refusal | Plan:
    """The table's answer: a refusal with its reason, or the writes the action makes."""
    name = intent.action
    refused = None if (name == "escalate" and intent.again) else check(name, situation.standing(actor), actor)
    request = situation.request
    if refused is not None:
        if name == "escalate" and request is not None and request.status not in CLOSED_STATUSES:
            return Refusal(name, f"the issue already has an open request {request.id} "
                                 f"({STATE_NAMES[request.status]})")
        return refused
    stale = _superseded(situation, name)
    if stale is not None:
        return stale
    backwards = _before_last_move(situation, actor, name)
    if backwards is not None:
        return backwards
    builder = _BUILDERS.get(name)
    if builder is None:
        return Refusal(name, "not an action on a request")
    return builder(situation, actor, intent)


LAST_MOVES = (("submission", "submitted_at"), ("payment", "paid_at"), ("assignment", "assigned_at"),
              ("acknowledgement", "acknowledged_at"), ("review's start", "started_at"), ("wait", "waiting_since"))
"""A request's own moments, in the words a refusal uses: time going backwards past one is refused."""


def _before_last_move(s: Situation, actor: Actor, name: str) -> Refusal | None:
    """Time going backwards (a clock set back, a `--now` in the past): nothing is recorded before what the request,
    or the session the action drives, already records."""
    request = s.request
    if request is None or name == "escalate":
        return None
    moments = [(what, getattr(request, key)) for what, key in LAST_MOVES if getattr(request, key) is not None]
    session = s.own_session(actor) or (s.awaiting(actor) if name == "outcome" else None)
    if session is not None and ACTIONS[name].subject == "session" and name != "start":
        moments += [("session's start", session.started_at), ("session's pause", session.paused_at),
                    ("session's end", session.ended_at)]
    late = [(at, what) for what, at in moments if at is not None and s.now < at]
    if not late:
        return None
    at, what = max(late)
    return Refusal(name, f"the clock reads {s.now:%Y-%m-%d %H:%M} UTC, before the {what} ({at:%Y-%m-%d %H:%M} UTC)")


def _superseded(s: Situation, name: str) -> Refusal | None:
    """An action that would open a request (escalate, an assign that escalates first) named a closed request the
    issue has since replaced (a request id typed from an old line, a desk row out of date): refused, naming the
    issue's latest request, rather than opening another beside it."""
    request, latest = s.request, s.latest
    opens = name == "escalate" or ACTIONS[name].via_escalate if name in ACTIONS else False
    if not opens or request is None or latest is None or latest.id == request.id or request.status not in \
            CLOSED_STATUSES:
        return None
    which = "open request" if latest.status not in CLOSED_STATUSES else "latest request"
    return Refusal(name, f"request {request.id} is {STATE_NAMES[request.status]}; the issue's {which} is "
                         f"{latest.id} ({STATE_NAMES[latest.status]})")


def _title(issue: Issue) -> str:
    return f"{issue.id} ({issue.title})" if issue.title else str(issue.id)


def _escalate(s: Situation, actor: Actor, intent: Intent) -> Refusal | Plan:
    tier_id = intent.tier_id or s.decision.recommended_tier
    if intent.tier_id and intent.tier_id not in s.profile.tiers:
        known = ", ".join(s.profile.tiers) or "none"
        return Refusal("escalate", f"unknown tier {intent.tier_id!r} in profile {s.profile.name} (tiers: {known})")
    request = moves.opened(s.issue, s.decision, s.profile, s.now, actor.name, tier_id, intent.note or None)
    waits = " awaiting payment" if request.status == "pending_payment" else ""
    then = "record the payment, then assign" if request.status == "pending_payment" else "then assign"
    return Plan(intent, (Write("requests", request, "escalate", True, intent.note),),
                f"{s.issue.id}: request opened{waits}",
                (f"opens a request ({STATE_NAMES[request.status]}): {then}",),
                f"Open an expert request for {_title(s.issue)}?", "Open the request")


def _pay(s: Situation, actor: Actor, intent: Intent) -> Plan:
    assert s.request is not None
    request = moves.paid(s.request, s.profile, s.decision, s.now)
    tier = f"{request.tier_name or request.tier_id}, ${request.price:,.2f}" if request.tier_id else "no tier"
    return Plan(intent, (Write("requests", request, "pay", note=intent.note),),
                f"{s.issue.id}: payment recorded", ("the tier's turnaround starts now; then assign",),
                f"Record the payment for {_title(s.issue)} ({tier})?", "Record payment")


def _give(s: Situation, actor: Actor, intent: Intent) -> Refusal | Plan:
    """Assign, reassign or escalate to a senior: the expert must be a specialist of the issue who has not let
    the request lapse (an override with a note admits a non-specialist of the profile)."""
    name, request = intent.action, s.request
    held = request is not None and request.status in ("assigned", "in_review", "waiting")
    holder = s.experts.get(request.assigned_expert_id or "") if request is not None and held else None
    lapsed = set(request.lapsed_expert_ids) if request is not None else set()
    wanted = s.issue.category or s.decision.recommended_expert_type or s.profile.name
    if intent.expert_id is None:
        pick = eligibility.senior_pick(s.ranked, s.experts, holder, lapsed) if name == "senior" else \
            eligibility.next_pick(s.ranked, s.experts, holder.id if holder else None, lapsed) if name == "reassign" \
            else None
        if pick is None:
            return Refusal(name, "name the expert" if name == "assign" else
                           eligibility.why_nobody(wanted, holder, lapsed, name == "senior"))
        expert_id = pick.expert_id
    else:
        expert_id = intent.expert_id
    expert = s.experts.get(expert_id)
    who = expert.name or expert.id if expert is not None else expert_id
    if expert is None:
        return Refusal(name, f"no expert {expert_id!r}")
    if not expert.is_active:
        return Refusal(name, f"{who} is not active")
    if holder is not None and expert.id == holder.id:
        return Refusal(name, f"{_title(s.issue)} is already with {who}")
    if expert.id in lapsed:
        return Refusal(name, f"{who} already let this request lapse")
    candidate = next((c for c in s.ranked if c.expert_id == expert.id), None)
    if candidate is None:
        return Refusal(name, f"{who} does not work {s.profile.name} issues")
    detail: list[str] = []
    if not eligibility.specialises(candidate) and _stands_in(s, expert.id, holder, lapsed):
        detail.append(f"{who} is on call for {_title(s.issue)}: no specialist of {wanted} is available now")
    elif not eligibility.specialises(candidate):
        if not (intent.override and actor.role == "coordinator"):
            return Refusal(name, f"{who} does not specialise in {wanted}", overridable=actor.role == "coordinator")
        if not intent.note.strip():
            return Refusal(name, f"assigning {who} outside {wanted} needs a note saying why")
        detail.append(f"override: {who} does not specialise in {wanted} ({intent.note.strip()})")
    if name == "senior" and intent.expert_id is not None and not eligibility.more_senior([candidate], holder):
        level = f"{holder.name or holder.id}'s {holder.expertise_level}" if holder else "senior"
        return Refusal(name, f"{who} ({expert.expertise_level}) is not above {level} level")
    writes: list[Write] = []
    if request is None or request.status in CLOSED_STATUSES:
        opened = _escalate(s, actor, Intent("escalate", s.issue.id or "", note=intent.note))
        assert isinstance(opened, Plan)
        writes.extend(opened.writes)
        request = opened.request
        assert request is not None
        if request.status != "pending_assignment":
            return Refusal(name, "the issue must be escalated and paid first", ("escalate", "pay"))
        detail.append("opens a request first")
    lapse = intent.lapsed or (holder is not None
                              and clocks.ack_lapsed(request, s.profile, holder, s.now, s.calendars))
    if lapse and holder is not None and not intent.lapsed:
        detail.append(f"{holder.name or holder.id} let the acknowledgement lapse: never given this request again")
    given = moves.given(request, name, expert, s.profile, s.now, lapsed=lapse, calendars=s.calendars)
    writes.append(Write("requests", given, "escalate_senior" if name == "senior" else name, note=intent.note))
    ended = _ended_sessions(s, holder, "reassigned")
    writes.extend(ended)
    if ended:
        detail.append(f"ends {holder.name or holder.id if holder else 'the previous expert'}'s running session")
    level = f" ({expert.expertise_level})" if name == "senior" else ""
    if holder is not None:
        moved = "escalated" if name == "senior" else "reassigned"
        summary = f"{s.issue.id} {moved} from {holder.name or holder.id} to {who}"
        question = f"{'Escalate' if name == 'senior' else 'Reassign'} {_title(s.issue)} from " \
                   f"{holder.name or holder.id} to {'the senior expert ' if name == 'senior' else ''}{who}{level}?"
    else:
        summary = f"{s.issue.id} {'escalated' if name == 'senior' else 'assigned'} to {who}"
        question = f"{'Escalate' if name == 'senior' else 'Assign'} {_title(s.issue)} to " \
                   f"{'the senior expert ' if name == 'senior' else ''}{who}{level}?"
    if candidate.reasons:
        detail.append(f"match {candidate.match_score:.1f}: {'; '.join(candidate.reasons)}")
    verb = {"assign": "Assign", "reassign": "Reassign", "senior": "Escalate"}[name]
    return Plan(intent, tuple(writes), summary, tuple(detail), question, verb)


def _stands_in(s: Situation, expert_id: str, holder: Expert | None, lapsed: set[str]) -> bool:
    """The expert is on call for the issue and no specialist is available now: they take it as a specialist would."""
    exclude = {*lapsed, *([holder.id] if holder is not None else [])}
    found = eligibility.stand_in(s.ranked, s.experts, s.on_call, exclude)
    return found is not None and found.expert_id == expert_id


def _ended_sessions(s: Situation, holder: Expert | None, why: str) -> list[Write]:
    """The previous holder's running sessions end with the assignment (their working time recorded)."""
    if holder is None:
        return []
    return [Write("sessions", sessions.end(session, s.now), "session_end", note=why)
            for session in s.sessions if session.status in SESSION_RUNNING and session.expert_id == holder.id]


def _ending(s: Situation, action: str) -> list[Write]:
    """An action that ends the request (the table's `ends_sessions`: complete, cancel) ends every running session on
    it, recorded with its working time up to now."""
    if not ACTIONS[action].ends_sessions or ACTIONS[action].to not in CLOSED_STATUSES:
        return []
    why = {"complete": "completed", "cancel": "cancelled"}.get(action, action)
    return [Write("sessions", sessions.end(x, s.now), "session_end", note=why)
            for x in s.sessions if x.status in SESSION_RUNNING]


def _stamped(s: Situation, actor: Actor, intent: Intent) -> Plan:
    assert s.request is not None
    request = moves.stamped(s.request, intent.action, s.now)
    writes = [Write("requests", request, intent.action, note=intent.note), *_ending(s, intent.action)]
    verb = {"acknowledge": "acknowledged", "wait": "waiting for the requester", "cancel": "request cancelled",
            "refund": "refunded"}[intent.action]
    ask = {"acknowledge": ("Acknowledge {}?", "Acknowledge"), "wait": ("Wait for the requester on {}?", "Wait"),
           "cancel": ("Cancel the request for {}?", "Cancel the request"), "refund": ("Refund {}?", "Refund")}
    question, button = ask[intent.action]
    detail = ("its running session ends",) if len(writes) > 1 else ()
    if intent.action == "wait":
        detail = ("the resolve target pauses until it resumes",)
    return Plan(intent, tuple(writes), f"{s.issue.id}: {verb}", detail, question.format(_title(s.issue)), button)


def _refund(s: Situation, actor: Actor, intent: Intent) -> Refusal | Plan:
    """A refund gives back what was paid: a free request (price 0) has nothing to give back."""
    assert s.request is not None
    if s.request.price <= 0:
        return Refusal("refund", "the request was free: there is nothing to refund")
    return _stamped(s, actor, intent)


def _resume(s: Situation, actor: Actor, intent: Intent) -> Plan:
    assert s.request is not None
    request = moves.resumed(s.request, s.profile, s.now)
    waited = request.paused_minutes - s.request.paused_minutes
    return Plan(intent, (Write("requests", request, "resume", note=intent.note),), f"{s.issue.id}: resumed",
                (f"the wait's {waited:,.0f} minutes push the resolve target",), f"Resume {_title(s.issue)}?",
                "Resume")


def _complete(s: Situation, actor: Actor, intent: Intent) -> Plan:
    assert s.request is not None
    rating = intent.values.get("rating")
    request = moves.completed(s.request, s.profile, s.now, rating, intent.values.get("final_report"))
    late = ", refund due" if request.refund_due else ""
    missed = clocks.resolve_missed(request, s.profile)
    ended = _ending(s, "complete")
    detail = [f"the resolve target is {'missed' if missed else 'met'}"]
    if ended:
        detail.append("its running session ends" if len(ended) == 1 else f"its {len(ended)} running sessions end")
    return Plan(intent, (Write("requests", request, "complete", note=intent.note), *ended),
                f"{s.issue.id}: completed{late}", tuple(detail), f"Complete {_title(s.issue)}?", "Complete")


def _start(s: Situation, actor: Actor, intent: Intent) -> Plan:
    assert s.request is not None and actor.expert_id is not None
    expert = s.experts.get(actor.expert_id)
    policy = s.profile.session
    channel = sessions.channel_for(policy.channels, expert.escalation_methods if expert else [],
                                   intent.values.get("channel"))
    session = sessions.initiate(s.issue.id or "", actor.expert_id, s.now, s.request.id, channel,
                                list(policy.participants))
    writes = [Write("sessions", session, "session_start", True)]
    if s.request.status == "assigned" or s.request.acknowledged_at is None:
        writes.insert(0, Write("requests", moves.started(s.request, s.now), "start", note=intent.note))
    return Plan(intent, tuple(writes), f"{s.issue.id}: session started ({channel})")


def _session_move(s: Situation, actor: Actor, intent: Intent) -> Plan:
    session = s.own_session(actor)
    assert session is not None
    move = intent.action.removesuffix("_session")
    step = {"pause": sessions.pause, "resume": sessions.resume, "end": sessions.end}[move]
    verb = {"pause": "paused", "resume": "resumed", "end": "ended"}[move]
    return Plan(intent, (Write("sessions", step(session, s.now), f"session_{move}", note=intent.note),),
                f"{s.issue.id}: session {verb}")


def _outcome(s: Situation, actor: Actor, intent: Intent) -> Refusal | Plan:
    session = s.own_session(actor) or s.awaiting(actor)
    assert session is not None
    values = intent.values
    writes: list[Write] = []
    if session.status != "ended":
        session = sessions.end(session, s.now)
        writes.append(Write("sessions", session, "session_end"))
    outcome, entry = sessions.capture(
        session, s.issue, s.now, bool(values.get("resolution_achieved", False)),
        list(values.get("recommendations", [])), list(values.get("actions_taken", [])),
        str(values.get("knowledge_gained", "")), bool(values.get("follow_up_needed", False)), values.get("rating"))
    writes += [Write("outcomes", outcome, "outcome", True), Write("knowledge", entry, "knowledge", True)]
    summary = f"{s.issue.id}: outcome recorded"
    request = s.request
    if request is not None and request.status == "in_review" and request.assigned_expert_id == actor.expert_id:
        done = moves.completed(request, s.profile, s.now, values.get("rating"), values.get("final_report"))
        writes.append(Write("requests", done, "complete", note=intent.note))
        summary += ", request completed" + (", refund due" if done.refund_due else "")
    return Plan(intent, tuple(writes), summary)


def _correction(s: Situation, actor: Actor, intent: Intent) -> Refusal | Plan:
    assert s.request is not None
    made = corrections.build(s.request, s.issue, s.decision, s.profile, actor.expert_id or actor.name,
                             intent.values, s.now)
    if isinstance(made, str):
        return Refusal("correction", made)
    correction, embedded = made
    request = moves.corrected(s.request, embedded)
    return Plan(intent, (Write("corrections", correction, "correction", True),
                         Write("requests", request, "correction", note=intent.note)),
                f"{s.issue.id}: correction of {correction.field} recorded")


def _claim(s: Situation, actor: Actor, intent: Intent) -> Refusal | Plan:
    """An expert takes an unassigned request of their specialisation, where the profile allows it: an assignment
    to themselves, acknowledged at once, held to every rule a coordinator's assignment is."""
    if not s.profile.policy.claims:
        return Refusal("claim", f"{s.profile.name} requests are assigned by a coordinator (the profile's policy)")
    given = _give(s, actor, replace(intent, action="assign", expert_id=actor.expert_id, override=False))
    if isinstance(given, Refusal):
        return Refusal("claim", given.reason)
    writes = tuple(replace(w, audit="claim", record=w.record.model_copy(update={"acknowledged_at": s.now}))
                   if w.audit == "assign" else w for w in given.writes)
    who = s.experts.get(actor.expert_id or "")
    name = who.name or who.id if who else actor.name
    return Plan(intent, writes, f"{s.issue.id} claimed by {name}", given.detail, f"Take {_title(s.issue)}?",
                "Take it")


def _unassign(s: Situation, actor: Actor, intent: Intent) -> Refusal | Plan:
    assert s.request is not None
    holder = s.experts.get(s.request.assigned_expert_id or "")
    if any(x.status in SESSION_RUNNING for x in s.sessions):
        return Refusal("unassign", "the expert has since started a session")
    who = holder.name or holder.id if holder else "the expert"
    return Plan(intent, (Write("requests", moves.unassigned(s.request, s.now), "unassign", note=intent.note),),
                f"{s.issue.id}: taken back from {who}", ("back to pending assignment",),
                f"Take {_title(s.issue)} back from {who}?", "Take it back")


def _withdraw(s: Situation, actor: Actor, intent: Intent) -> Refusal | Plan:
    request = s.request
    assert request is not None
    if request.paid_at is not None or request.assigned_at is not None:
        return Refusal("withdraw", "the request has a payment or an assignment behind it: cancel it instead")
    return Plan(intent, (Write("requests", request, "withdraw", note=intent.note, delete=True),),
                f"{s.issue.id}: request withdrawn", ("the issue is as it was before it was escalated",),
                f"Withdraw the request for {_title(s.issue)}?", "Withdraw")


_BUILDERS = {
    "escalate": _escalate, "pay": _pay, "assign": _give, "reassign": _give, "senior": _give,
    "acknowledge": _stamped, "wait": _stamped, "cancel": _stamped, "refund": _refund, "resume": _resume,
    "complete": _complete, "start": _start, "pause_session": _session_move, "resume_session": _session_move,
    "end_session": _session_move, "outcome": _outcome, "correction": _correction, "unassign": _unassign,
    "claim": _claim,
    "withdraw": _withdraw,
}
assert set(_BUILDERS) | {"edit"} == set(ACTIONS), "every action of the table has its builder"
