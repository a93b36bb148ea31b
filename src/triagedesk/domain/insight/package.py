"""Seed 000's escalation package and expert communication templates, as Markdown filled from the store."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from triagedesk.domain.models import Decision, Expert, Issue
from triagedesk.domain.records import ExpertRequest, Outcome, Session
from triagedesk.domain.requests import clocks

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+|!~])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def literal(text: object) -> str:
    """User text as literal Markdown: markup characters escaped, control characters shown as `\\xNN`."""
    value = "" if text is None else str(text)
    value = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return _MD_SPECIAL.sub(r"\\\1", value)


def _bullets(items: list[str], empty: str = "None recorded") -> str:
    return "\n".join(f"- {literal(i)}" for i in items) if items else f"- {empty}"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@dataclass
class PackageContext:
    issue: Issue
    decision: Decision
    request: ExpertRequest | None = None
    expert: Expert | None = None
    sessions: list[Session] | None = None
    outcome: Outcome | None = None
    generated_at: datetime | None = None


def build(ctx: PackageContext) -> str:
    """The whole package: metadata, summaries, impact, timeline, research, hypotheses, constraints,
    success criteria, recommended approach, then the initial-contact and follow-up messages."""
    issue, decision = ctx.issue, ctx.decision
    research = issue.research
    urgency = decision.urgency.capitalize()
    parts = [
        f"# Escalation package: {literal(issue.title or issue.id)}",
        "## Metadata",
        f"- Issue: {literal(issue.id)}\n- Profile: {literal(decision.profile)}\n- Urgency: {urgency}"
        f"\n- Escalation score: {decision.score:.2f}\n- Triggers: {literal(', '.join(decision.triggers) or 'none')}"
        f"\n- Recommended expert: {literal(decision.recommended_expert_type or '-')}"
        f" ({literal(decision.expert_level or 'any level')})"
        f"\n- Generated: {_when(ctx.generated_at)}",
        "## Executive summary",
        literal(issue.description or "Not provided"),
        "## Technical summary",
        f"**Symptoms**\n\n{_bullets(issue.symptoms)}\n\n**Error messages**\n\n{_bullets(issue.error_messages)}"
        f"\n\n**Attempted solutions**\n\n{_bullets(issue.attempted_solutions)}",
        "## Business impact",
        f"- Business impact score: {decision.business_impact if decision.business_impact is not None else '-'}"
        f"\n- Affected users: {issue.users_affected}"
        f"\n- Affected systems: {literal(', '.join(issue.affected_systems) or '-')}"
        f"\n- Estimated revenue impact: ${issue.estimated_revenue_impact:,.0f}"
        f"\n- Compliance risk: {issue.compliance_risk_level or 'low'}; data: {issue.data_classification or 'internal'}",
        "## Timeline",
        _timeline(ctx),
        "## Research summary",
        (f"- Overall confidence: {research.overall_confidence:.0%}\n- Research time: "
         f"{research.research_duration_minutes:g} minutes\n- Failed remediation attempts: "
         f"{research.failed_remediation_attempts}\n- Vendor escalation recommended: "
         f"{'yes' if research.vendor_escalation_recommended else 'no'}\n- Known bugs: "
         f"{literal(', '.join(research.known_bugs) or 'none')}") if research else "- No automated research recorded",
        "## Current hypotheses",
        _bullets(([research.primary_hypothesis] if research and research.primary_hypothesis else [])
                 + (research.hypotheses if research else []), "Under investigation"),
        "## Constraints",
        _bullets(issue.constraints),
        "## Success criteria",
        _bullets(issue.success_criteria, "Service restored and the cause understood"),
        "## Recommended approach",
        _bullets(decision.reasons, "Review the evidence above") + f"\n\n{literal(decision.message)}",
        "## Initial contact",
        fenced(initial_contact(ctx)),
    ]
    if ctx.outcome is not None:
        parts += ["## Follow-up", fenced(follow_up(ctx))]
    return "\n\n".join(parts) + "\n"


def fenced(text: str) -> str:
    """A fenced `text` block whose fence is longer than any run of backticks inside, so none closes it early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _timeline(ctx: PackageContext) -> str:
    rows = []
    if ctx.issue.created_at:
        rows.append(f"- {_when(ctx.issue.created_at)}: issue opened")
    request = ctx.request
    if request is not None:
        for label, moment in (("escalation requested", request.submitted_at), ("expert assigned", request.assigned_at),
                              ("expert acknowledged", request.acknowledged_at), ("review started", request.started_at),
                              ("completed", request.completed_at), ("cancelled", request.cancelled_at)):
            if moment:
                rows.append(f"- {_when(moment)}: {label}")
        due = clocks.resolve_due(request, None)  # the clock's resolve due time: pushed by the waits
        if due:
            rows.append(f"- {_when(due)}: due")
    for session in ctx.sessions or []:
        rows.append(f"- {_when(session.started_at)}: session over {literal(session.channel)} ({session.status})")
    return "\n".join(sorted(rows)) or "- No events recorded"


def initial_contact(ctx: PackageContext, package_attached: bool = True) -> str:
    """Seed 000's generate_initial_contact, filled in (plain text: no Markdown escaping). Without
    `package_attached` it claims no attachment (a page says at send time whether the package went with it)."""
    issue, decision = ctx.issue, ctx.decision
    name = ctx.expert.name if ctx.expert else "Expert"
    method = (ctx.expert.escalation_methods[0] if ctx.expert and ctx.expert.escalation_methods else "a call")
    research = issue.research
    theory = (research.primary_hypothesis if research and research.primary_hypothesis else "Under investigation")
    urgency = decision.urgency.capitalize()
    lines = [
        f"Subject: {urgency} Infrastructure Issue - Expert Consultation Requested"
        if decision.profile == "infrastructure"
        else f"Subject: {urgency} Expert Review Requested - {issue.title}",
        "",
        f"{name},",
        "",
        f"We need your expertise on a {decision.urgency} "
        f"{'infrastructure issue' if decision.profile == 'infrastructure' else 'review'}:",
        "",
        "EXECUTIVE SUMMARY:",
        issue.description or issue.title or "Not provided",
        "",
        "BUSINESS IMPACT:",
        f"- Affected Users: {issue.users_affected}",
        f"- Systems Down: {', '.join(issue.affected_systems) or '-'}",
        f"- Estimated Revenue Impact: ${issue.estimated_revenue_impact:,.0f}",
        "",
        "TECHNICAL SUMMARY:",
        theory,
        "",
        "RESEARCH COMPLETED:",
        f"- Vendor documentation reviewed: {_status(research.vendor_research if research else None)}",
        f"- Community solutions explored: {_status(research.community_research if research else None)}",
        f"- Configuration analysis: {_status(research.config_analysis if research else None)}",
        "",
        "IMMEDIATE NEED:",
        "; ".join(decision.reasons) or decision.message,
        "",
        f"{'Full technical package attached. ' if package_attached else ''}Available for {method} at your "
        "earliest convenience.",
        "",
        "Best regards,",
        "Infrastructure Automation System" if decision.profile == "infrastructure" else "Triage Desk",
    ]
    return "\n".join(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", line) for line in lines)


def _status(value: str | None) -> str:
    return value if value else "not done"


def follow_up(ctx: PackageContext) -> str:
    """Seed 000's generate_follow_up_template, filled from the outcome."""
    outcome = ctx.outcome
    assert outcome is not None
    sessions = ctx.sessions or []
    duration = f"{outcome.time_to_resolution_minutes:g} minutes" if outcome.time_to_resolution_minutes else "-"
    lines = [
        "Subject: Follow-up on Infrastructure Issue - Actions and Outcomes",
        "",
        "CONSULTATION SUMMARY:",
        f"Expert: {ctx.expert.name if ctx.expert else outcome.expert_id}",
        f"Duration: {duration}",
        f"Date: {_when(sessions[0].started_at if sessions else outcome.created_at)}",
        "",
        "EXPERT RECOMMENDATIONS:",
        *[f"- {r}" for r in outcome.recommendations or ["None"]],
        "",
        "ACTIONS TAKEN:",
        *[f"- {a}" for a in outcome.actions_taken or ["None"]],
        "",
        "CURRENT STATUS:",
        "Resolved" if outcome.resolution_achieved else "Not yet resolved",
        "",
        "NEXT STEPS:",
        "- Follow-up session needed" if outcome.follow_up_needed else "- None",
        "",
        "LESSONS LEARNED:",
        outcome.knowledge_gained or "-",
        "",
        "Knowledge base updated with resolution steps for future reference.",
    ]
    return "\n".join(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", line) for line in lines)
