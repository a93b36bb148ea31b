"""Noise control over the store: marking an issue useful or noise, maintenance windows (added, ended, listed),
the noise figures and the intake backtest (the rules replayed over stored alerts). `Commands` and `Queries` call
these; nothing else writes them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from triagedesk.app.engine import Engine
from triagedesk.domain.errors import UserError
from triagedesk.domain.insight import noise
from triagedesk.domain.intake import maintenance, replay
from triagedesk.domain.intake.alertmanager import PROFILE
from triagedesk.domain.intake.records import AlertRecord, MaintenanceWindow
from triagedesk.domain.models import Issue
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.resources import load_profile
from triagedesk.store.repositories import Store, model_fields

FEEDBACK = ("useful", "noise")


def feedback(store: Store, issue_id: str, mark: str | None, actor: str, note: str = "") -> Issue:
    """Mark an issue `useful` or `noise` (None clears the mark): one audited write."""
    if mark is not None and mark not in FEEDBACK:
        raise UserError(f"feedback: {mark!r} is not one of useful, noise (or none to clear)")
    with store.transaction():
        issue = store.issues.get(issue_id)
        if issue is None:
            raise UserError(f"no issue {issue_id!r} in {store.path}")
        if issue.feedback == mark:
            return issue
        marked = issue.model_copy(update={"feedback": mark})
        return store.issues.save(marked, actor=actor, action="feedback",
                                 note=note or (f"marked {mark}" if mark else "mark cleared"))


def add_window(store: Store, matchers: Sequence[str], starts_at: datetime, ends_at: datetime, reason: str,
               subscribers: Sequence[str], actor: str, now: datetime) -> MaintenanceWindow:
    """A new maintenance window (`W-<n>`), audited; the dispatcher tells its subscribers when it starts."""
    with store.transaction():
        key = maintenance.next_id(str(d.get("id") or "") for d in store.maintenance.raw())
        window = maintenance.new_window(key, matchers, starts_at, ends_at, reason, subscribers, actor, now)
        return store.maintenance.add(window, actor=actor, action="maintenance_add", note=window.reason)


def end_window(store: Store, window_id: str, actor: str, now: datetime, note: str = "") -> MaintenanceWindow:
    """End a window now (one not started yet is called off); its subscribers are told it ended."""
    with store.transaction():
        window = store.maintenance.get(window_id)
        if window is None:
            known = ", ".join(sorted(str(d.get("id")) for d in store.maintenance.raw())) or "none"
            raise UserError(f"no maintenance window {window_id!r} (windows: {known})")
        if window.until <= now:
            raise UserError(f"{window_id} is over already (it ended {window.until:%Y-%m-%d %H:%M} UTC)")
        ended = window.model_copy(update={"ended_at": max(now, window.starts_at)})
        return store.maintenance.save(ended, actor=actor, action="maintenance_end",
                                      note=note or ("called off" if now < window.starts_at else "ended early"))


def windows(store: Store) -> list[MaintenanceWindow]:
    return sorted(store.maintenance.all(), key=lambda w: w.number)


def alerts(store: Store) -> list[AlertRecord]:
    return [AlertRecord.model_validate(model_fields(d)) for d in store.alerts.raw()]


ALERT_COLUMNS = ("arrived_at", "events", "source", "alertname", "issue_id")


def noise_figures(store: Store, now: datetime, days: int) -> dict[str, Any]:
    """The analytics' noise view (`report --json`'s `noise`): a function of its own, so whichever path computes
    the rest of the report includes it. Alerts are read from their stored columns; only the issues they joined
    are read, and their requests by index."""
    since = now - timedelta(days=days)
    _, columns = store.field_columns("alerts", ALERT_COLUMNS)
    rows = [dict(zip(ALERT_COLUMNS, values, strict=True)) for values in zip(*columns, strict=True)]
    touched = {r["issue_id"] for r in rows if isinstance(r.get("issue_id"), str)}
    issues = [doc for doc in (store.stored_by_id("issues", key) for key in sorted(touched)) if doc is not None]
    requested = {key for key in touched if store.journal.lookup("requests", "analysis_id", key)}
    return noise.figures(rows, issues, dict.fromkeys(requested), since, now)


def backtest(engine: Engine, store: Store, source: str, now: datetime, days: int) -> dict[str, Any]:
    """A changed profile's intake rules replayed over the alerts stored in the period, against the current ones
    (the shipped or installed profile of the same name; else the profile alerts are read with)."""
    changed = load_profile(source)
    current = engine.profile(changed.name if changed.name in engine.profiles() else PROFILE)
    stored = [a for a in alerts(store) if a.arrived_at >= now - timedelta(days=days)]
    found = windows(store)
    scorer_now, scorer_changed = engine.scorer(current.name), Scorer(changed)
    before = replay.replay(stored, current.intake, found, lambda i: scorer_now.assess(i).should_escalate, now)
    after = replay.replay(stored, changed.intake, found, lambda i: scorer_changed.assess(i).should_escalate, now)
    marks = {str(d.get("id")): d.get("feedback") for d in store.issues.raw() if d.get("feedback")}
    return {"profile": changed.name, "compared_with": current.name, "days": days, "now": now,
            **replay.compare(before, after, marks)}
