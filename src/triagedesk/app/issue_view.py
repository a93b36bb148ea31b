"""One issue in full: every field, its requests, sessions, outcomes, corrections and its audit history.

`issue_record` gathers it (the desk's issue screen and `triagedesk show` both call it through the Desk);
`sections` lays it out as titled lines of plain text, the same for the screen and the terminal.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from triagedesk.display import one_line
from triagedesk.domain import instants
from triagedesk.domain.records import AuditEntry, Correction, ExpertRequest, OutboxMessage, Outcome, Session
from triagedesk.domain.requests.sessions import elapsed_seconds
from triagedesk.domain.requests.states import state_name

if TYPE_CHECKING:
    from triagedesk.app.queries import Queries

SKIP_FIELDS = frozenset({"id", "title", "description", "alert_group"})
"""Shown in the heading rather than among the fields."""


class SessionView(BaseModel):
    session: Session
    elapsed_minutes: float
    outcome: Outcome | None = None


class RequestView(BaseModel):
    request: ExpertRequest
    resolve_due: datetime | None = None
    """The resolve target's due time as the clock reads it (the stored `due_at` pushed by the waits)."""
    clocks: list[dict[str, Any]] = Field(default_factory=list)
    """Each SLA target (acknowledge, resolve) with its due time, time left and state (`clocks.py`)."""
    sessions: list[SessionView] = Field(default_factory=list)
    notifications: list[OutboxMessage] = Field(default_factory=list)
    """What the dispatcher's outbox holds for the request: sent, pending or failed, and when."""


class HistoryEntry(BaseModel):
    """One audited change: who, when, what, each field's before -> after, the note typed with it."""

    at: datetime
    actor: str
    action: str
    kind: str
    target_id: str
    changes: list[tuple[str, Any, Any]] = Field(default_factory=list)
    note: str = ""


class IssueRecord(BaseModel):
    """Everything the desk knows of one issue."""

    issue: dict[str, Any]
    requester: str
    """Who raised it: the requests' `user_id` (the first request's), else the issue's creator in the audit log."""
    urgency: str
    score: float
    should_escalate: bool
    requests: list[RequestView] = Field(default_factory=list)
    corrections: list[Correction] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)


def _changes(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    before, after = entry.before or {}, entry.after or {}
    if entry.before is None and entry.after is not None:
        return []  # a creation: the record itself is shown above
    keys = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k) and k[:1] != "_"
            and k != "updated_at"]
    out: list[tuple[str, Any, Any]] = []
    for k in keys:
        old, new = before.get(k), after.get(k)
        if k == "alert_group" and isinstance(old, dict) and isinstance(new, dict):  # what changed in it, briefly
            out.extend((f"{k}.{sub}", old.get(sub), new.get(sub)) for sub in sorted(set(old) | set(new))
                       if old.get(sub) != new.get(sub) and sub not in ("arrivals", "label_sets"))
        else:
            out.append((k, old, new))
    return out


def issue_record(queries: Queries, issue_id: str) -> IssueRecord:
    """The issue, its requests (newest first) with their clocks, sessions and outcomes, corrections and history."""
    store = queries.store
    issue = store.issues.require(issue_id)
    decision = queries.engine.decide(issue)
    requests = sorted(store.requests.by("analysis_id", issue_id), key=lambda r: r.submitted_at, reverse=True)
    request_ids = {r.id for r in requests}
    # index lookups, not scans: the issue's sessions, and those of its requests
    found = {s.id: s for s in store.sessions.by("issue_id", issue_id)}
    for key in sorted(request_ids):
        found.update((s.id, s) for s in store.sessions.by("request_id", key))
    sessions = sorted(found.values(), key=lambda s: s.started_at)
    outcomes = store.outcomes.by("issue_id", issue_id)
    by_session = {o.session_id: o for o in outcomes if o.session_id}
    corrections = sorted((c for key in sorted(request_ids) for c in store.corrections.by("request_id", key)),
                         key=lambda c: c.created_at)
    now = queries.now()
    views = []
    for request in requests:
        own = sorted((s for s in sessions if s.request_id == request.id), key=lambda s: s.started_at)
        notices = sorted(store.outbox.by("request_id", request.id), key=lambda m: (m.created_at, m.id))
        timed = [c.as_dict() for c in queries.clocks_of(request, now).clocks]
        shown = [SessionView(session=s, elapsed_minutes=round(elapsed_seconds(s, now) / 60, 1),
                             outcome=by_session.get(s.id)) for s in own]
        views.append(RequestView(request=request, resolve_due=queries.resolve_due(request), clocks=timed,
                                 sessions=shown, notifications=notices))
    targets = {issue_id, *request_ids, *(s.id for s in sessions), *(o.id for o in outcomes),
               *(c.id for c in corrections)}
    entries = queries.audit_of(targets)
    creator = next((e.actor for e in entries if e.target_id == issue_id and e.before is None), "")
    requester = next((r.user_id for r in reversed(requests) if r.user_id), "") or creator
    history = [HistoryEntry(at=e.at, actor=e.actor, action=e.action, kind=e.kind, target_id=e.target_id,
                            changes=_changes(e), note=e.note) for e in entries]
    return IssueRecord(issue=issue.model_dump(mode="json"), requester=requester, urgency=decision.urgency,
                       score=round(decision.score, 4), should_escalate=decision.should_escalate, requests=views,
                       corrections=corrections, history=history)


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, list):
        return "; ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items() if v not in (None, "", [], False))
    if isinstance(value, float):
        return f"{value:g}"
    return one_line(value)


def _state(key: str, value: Any) -> str:
    """A field's value in the history; a state by its one name ("pending assignment")."""
    return state_name(value) if key == "status" and isinstance(value, str) else _value(value)


def _dollars(value: Any) -> str:
    """Seed 002's value range, stored in cents."""
    if not isinstance(value, dict):
        return _value(value)
    low, high = value.get("min") or 0, value.get("max") or 0
    return f"${low / 100:,.2f} – ${high / 100:,.2f}"


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "-"


def _moment(text: Any) -> datetime | None:
    return instants.parse_or_none(text)


def _is_set(value: Any) -> bool:
    return value not in (None, "", [], {}, False, 0, 0.0)


def alert_lines(issue: dict[str, Any]) -> list[str]:
    """An issue made of alerts: why it paged or did not, how it was grouped, its counts and label sets."""
    group = issue["alert_group"]
    verdict = str(group.get("verdict") or "").replace("_", " ")
    lines = [one_line(f"{verdict}: {group.get('why') or '-'}")]
    if group.get("flapping"):
        lines.append("flapping")
    count, sets = issue.get("count", 1), group.get("label_set_count", 0)
    lines.append(f"{count} alert{'s' if count != 1 else ''}, {group.get('events', 0)} notifications, "
                 f"{sets} label set{'s' if sets != 1 else ''} · first {_when(_moment(issue.get('created_at')))} · "
                 f"last {_when(_moment(issue.get('last_seen')))}")
    lines.append(one_line(f"{group.get('grouped') or 'grouped'} · key {group.get('key')}"
                          + (f" · from {group.get('source')}" if group.get("source") else "")))
    if group.get("acted"):
        lines.append(one_line(f"held back by: {', '.join(str(a) for a in group['acted'])}"))
    shown = group.get("label_sets") or []
    lines.extend("  " + one_line(", ".join(f"{k}={v}" for k, v in sorted(labels.items()))) for labels in shown)
    if sets > len(shown):
        lines.append(f"  (+{sets - len(shown)} more label sets)")
    return lines


def sections(record: IssueRecord) -> list[tuple[str, list[str]]]:
    """The record as (title, lines) sections of plain text: the same for the desk's screen and the CLI.
    The caller shows them literally (never as markup, control characters escaped)."""
    issue = record.issue
    head = [f"{one_line(issue.get('id'))}: {one_line(issue.get('title') or '(no title)')}",
            f"{record.urgency} · score {record.score:.2f} · "
            f"{'escalate' if record.should_escalate else 'no escalation'}",
            f"requester: {one_line(record.requester or '-')} · created {_when(_moment(issue.get('created_at')))}",
            "", issue.get("description") or "(no description)"]
    fields = [f"{key}: {_dollars(value) if key == 'estimated_value' else _value(value)}"
              for key, value in issue.items() if key not in SKIP_FIELDS and _is_set(value)]
    out = [("Issue", head), ("Fields", fields or ["(none set)"])]
    if isinstance(issue.get("alert_group"), dict):
        out.append(("Alerts", alert_lines(issue)))
    if not record.requests:
        out.append(("Requests", [f"{state_name(None)}: no request was ever opened"]))
    for view in record.requests:
        r = view.request
        who = one_line(r.assigned_expert_name or r.assigned_expert_id or "nobody yet")
        lines = [f"status {state_name(r.status)} · {r.urgency} · tier {one_line(r.tier_name or r.tier_id or '-')} · "
                 f"price {r.price:g}",
                 f"expert {who} · submitted {_when(r.submitted_at)} · resolve due {_when(view.resolve_due)}",
                 f"assigned {_when(r.assigned_at)} · acknowledged {_when(r.acknowledged_at)} · "
                 f"started {_when(r.started_at)} · completed {_when(r.completed_at)}"]
        for c in view.clocks:
            lines.append(f"{c['target']} target: due {_when(_moment(c['due_at']))} · {c['state']} · "
                         f"{c['left_minutes']:g} working min left of {c['budget_minutes']:g}")
        if r.lapsed_expert_ids:
            lines.append(f"let it lapse: {', '.join(r.lapsed_expert_ids)}")
        if r.waiting_since:
            lines.append(f"waiting for the requester since {_when(r.waiting_since)}")
        if r.refund_due:
            lines.append("refund due: the deadline was missed")
        if r.escalated_to_senior:
            lines.append("escalated to a senior expert")
        for label, text in (("requester notes", r.user_notes), ("expert notes", r.expert_notes),
                            ("final report", r.final_report)):
            if text:
                lines.append(f"{label}: {text}")
        for sv in view.sessions:
            s = sv.session
            lines.append(f"session {s.id} · {s.status} · {s.channel} · {', '.join(s.participants)} · "
                         f"started {_when(s.started_at)} · {sv.elapsed_minutes:g} min")
            if sv.outcome is not None:
                o = sv.outcome
                lines.append(f"  outcome: {'resolved' if o.resolution_achieved else 'not resolved'}"
                             f"{f' · rating {o.rating}' if o.rating else ''}"
                             f"{' · follow-up needed' if o.follow_up_needed else ''}")
                for label, items in (("actions", o.actions_taken), ("recommendations", o.recommendations)):
                    if items:
                        lines.append(f"  {label}: {'; '.join(items)}")
                if o.knowledge_gained:
                    lines.append(f"  learned: {o.knowledge_gained}")
        if not view.sessions:
            lines.append("no session yet")
        for m in view.notifications:
            when = f"sent {_when(m.sent_at)}" if m.status == "sent" else (
                f"{m.status} after {m.attempts} attempt{'s' if m.attempts != 1 else ''}"
                + (f", next {_when(m.next_attempt_at)}" if m.status == "pending" and m.next_attempt_at else "")
                + (f": {m.last_error}" if m.last_error else ""))
            lines.append(f"notice {m.kind} to {m.expert_id or m.method} by {m.method or '-'} · {when}")
        out.append((f"Request {r.id}", lines))
    if record.corrections:
        out.append(("Corrections", [f"{c.field}: {_value(c.original_value)} -> {_value(c.corrected_value)} "
                                    f"({c.expert_id}, confidence {c.confidence:.0%})"
                                    f"{f': {c.explanation}' if c.explanation else ''}"
                                    for c in record.corrections]))
    history = []
    for e in record.history:
        history.append(f"{_when(e.at)} · {e.actor} · {e.action} {e.kind} {e.target_id}")
        history.extend(f"    {key}: {_state(key, before)} -> {_state(key, after)}" for key, before, after in e.changes)
        if e.note:
            history.append(f"    note: {e.note}")
    out.append(("History", history or ["nothing audited yet"]))
    return out
