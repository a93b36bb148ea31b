"""The intake's rules applied to alerts as they come: which issue each joins, and whether that issue pages a human
now, later, or not at all, and why. One home for the order of the rules, used by the live intake (over the store)
and by the backtest (over stored alerts in memory), through the `Ledger` each of them keeps.

For an issue that has not paged, each new alert is weighed in this order: a maintenance window that covers it
(suppressed); an issue that does not escalate (no request, as ever); a flapping label set (pages once); a
threshold not met yet (counted, no page); a pause (held, then transient or paged with its clocks from its
arrival; a later alert that no pause rule holds ends the hold and pages at once); else it pages at once.
`tick(now)` releases held issues and re-weighs, as just arrived, what a maintenance window held back and is still
firing when the window ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from triagedesk.domain import instants
from triagedesk.domain.intake import flapping, maintenance, pause, thresholds
from triagedesk.domain.intake.alertmanager import Alert
from triagedesk.domain.intake.grouping import Group, group_of
from triagedesk.domain.intake.issue_group import LABEL_SETS_KEPT, AlertGroup
from triagedesk.domain.intake.records import AlertRecord, MaintenanceWindow, alert_id
from triagedesk.domain.intake.repeats import latest, latest_text
from triagedesk.domain.intake.rules import Intake
from triagedesk.domain.models import Issue


class Ledger(Protocol):
    """What the rules read and write: alerts, issues, requests (the store's, or the backtest's own in memory)."""

    def alert(self, key: str) -> AlertRecord | None: ...
    def put_alert(self, record: AlertRecord) -> None: ...
    def alerts_of_fingerprint(self, fingerprint: str) -> list[AlertRecord]: ...
    def alerts_of_issue(self, issue_id: str) -> list[AlertRecord]: ...
    def open_issue(self, group_key: str) -> Issue | None: ...
    def issue(self, issue_id: str) -> Issue | None: ...
    def add_issue(self, issue: Issue) -> Issue: ...
    def keep(self, issue: Issue, action: str, note: str) -> None: ...
    def has_request(self, issue_id: str) -> bool: ...
    def is_open(self, issue_id: str) -> bool: ...
    def escalates(self, issue: Issue) -> bool: ...
    def page(self, issue: Issue, at: datetime, why: str, sent: datetime) -> str | None:
        """Open the issue's request, its clocks starting `at`; `sent`: when the rules let it page (a hold's end)."""
    def waiting(self, now: datetime, ended: set[str]) -> list[Issue]:
        """Issues whose hold is over by `now`, or that a window now `ended` held back."""


@dataclass
class Taken:
    """What became of one alert: the issue it joined (None: first seen resolved, no open issue), whether that issue
    is new, its count, the request it opened, and the issue's verdict after it."""

    issue_id: str | None
    new: bool
    count: int
    resolved: bool
    request_id: str | None = None
    verdict: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.issue_id, "new": self.new, "count": self.count, "request_id": self.request_id,
                "verdict": self.verdict}


def _text(fresh: Issue, issue: Issue) -> dict[str, Any]:
    """The latest text of an alert wins (its annotations may carry the latest value): the one repeat rule."""
    return latest_text(issue, fresh)




def _group(issue: Issue) -> AlertGroup:
    assert issue.alert_group is not None
    return issue.alert_group


def _with(issue: Issue, issue_changes: dict[str, Any] | None = None, **group: Any) -> Issue:
    update = dict(issue_changes or {})
    if group:
        update["alert_group"] = _group(issue).model_copy(update=group)
    return issue.model_copy(update=update)


class IntakeFlow:
    """The rules of one profile's `[intake]` over a ledger, with the maintenance windows known now."""

    def __init__(self, ledger: Ledger, rules: Intake, windows: Sequence[MaintenanceWindow] = ()) -> None:
        self.ledger = ledger
        self.rules = rules
        self.windows = list(windows)

    # -- one alert -------------------------------------------------------------------------------------
    def take(self, alert: Alert, now: datetime) -> Taken:
        key = alert_id(alert.source, alert.key, alert.starts_at)
        known = self.ledger.alert(key)
        if alert.resolved:
            return self._resolved(alert, key, known, now)
        if known is not None and (known.status == "resolved"
                                  or (known.issue_id is not None and self.ledger.is_open(known.issue_id))):
            return self._repeat(alert, known, now)
        return self._fired(alert, key, now, known)

    def _repeat(self, alert: Alert, known: AlertRecord, now: datetime) -> Taken:
        """A notification naming an alert already taken in: counted as an event (its latest text kept), never a
        second alert."""
        self.ledger.put_alert(known.model_copy(update={"events": known.events + 1, "annotations": alert.annotations,
                                                     "received_at": latest(known.received_at, now)}))
        issue = self.ledger.issue(known.issue_id) if known.issue_id else None
        if issue is None or issue.alert_group is None:
            return Taken(known.issue_id, False, issue.count if issue else 0, known.status == "resolved")
        before = issue
        issue = _with(issue, {"last_seen": latest(issue.last_seen, now), **_text(alert.issue, issue)},
                      events=_group(issue).events + 1)
        self.ledger.keep(issue, "dedup", f"repeat of {known.fingerprint}")
        request_id = None
        if not self.ledger.has_request(issue.id or "") \
                and self.ledger.escalates(issue) != self.ledger.escalates(before):
            # its latest text changed whether it escalates: the rules weigh it as they weigh an arrival (without
            # counting one), so a threshold or a hold still has its say and the same alerts sent twice page alike
            issue, request_id = self._weigh(issue, alert.labels, alert.key, now, "on a repeat")
        return Taken(issue.id, False, issue.count, known.status == "resolved", request_id, _group(issue).verdict)

    def _fired(self, alert: Alert, key: str, now: datetime, known: AlertRecord | None = None) -> Taken:
        """A new alert (or one still firing after its issue was closed: it joins its group's open issue again)."""
        group = group_of(alert.labels, alert.title, alert.key, self.rules.grouping)
        issue = self.ledger.open_issue(group.key)
        if issue is not None and group.window_minutes and issue.last_seen is not None \
                and issue.last_seen < now - timedelta(minutes=group.window_minutes):
            issue = None  # its group window has closed: a new issue
        new = issue is None
        seen = alert.issue.last_seen or alert.issue.created_at or now
        if issue is None:
            fresh = alert.issue.model_copy(update={
                "created_at": alert.issue.created_at or now, "last_seen": seen, "dedup_key": group.key,
                "alert_group": self._new_group(alert, group)})
            issue = self.ledger.add_issue(fresh)
        else:
            issue = issue.model_copy(update={
                "count": issue.count + 1, "last_seen": latest(issue.last_seen, seen), **_text(alert.issue, issue),
                "alert_group": issue.alert_group or self._new_group(alert, group).model_copy(update={"events": 0})})
        assert issue.id is not None
        record = AlertRecord(id=key, source=alert.source, fingerprint=alert.key, group_key=group.key,
                             issue_id=issue.id, alertname=alert.labels.get("alertname", ""), labels=alert.labels,
                             annotations=alert.annotations, starts_at=alert.starts_at, arrived_at=now,
                             received_at=now)
        if known is not None:  # the same alert, its issue closed meanwhile: it joins the open one
            record = known.model_copy(update={"issue_id": issue.id, "group_key": group.key, "events": known.events + 1,
                                              "received_at": now, "annotations": alert.annotations})
        fresh_set = new or not any(a.issue_id == issue.id for a in self.ledger.alerts_of_fingerprint(alert.key))
        self.ledger.put_alert(record)
        held = _group(issue)
        sets = held.label_sets + [dict(alert.labels)] if fresh_set and len(held.label_sets) < LABEL_SETS_KEPT \
            else held.label_sets
        keep = self.rules.longest_count_minutes
        issue = _with(issue, label_sets=sets, label_set_count=held.label_set_count + (1 if fresh_set else 0),
                      events=held.events + (0 if new else 1),
                      arrivals=thresholds.remembered([*held.arrivals, now], now, keep))
        if not new:
            self.ledger.keep(issue, "dedup", f"repeat of {group.key}")
        issue, request_id = self._weigh(issue, alert.labels, alert.key, now)
        return Taken(issue.id, new, issue.count, False, request_id, _group(issue).verdict)

    def _new_group(self, alert: Alert, group: Group) -> AlertGroup:
        return AlertGroup(key=group.key, source=alert.source, rule=group.rule, by=list(group.by), mode=group.mode,
                          grouped=group.explain(), alertname=alert.labels.get("alertname", ""),
                          label_sets=[], label_set_count=0, events=1, verdict="paged", why="")

    def _resolved(self, alert: Alert, key: str, known: AlertRecord | None, now: datetime) -> Taken:
        issue_id = known.issue_id if known is not None else None
        if known is None:
            group = group_of(alert.labels, alert.title, alert.key, self.rules.grouping)
            found = self.ledger.open_issue(group.key)
            issue_id = found.id if found is not None else None
            record = AlertRecord(id=key, source=alert.source, fingerprint=alert.key, group_key=group.key,
                                 issue_id=issue_id, alertname=alert.labels.get("alertname", ""), labels=alert.labels,
                                 annotations=alert.annotations, status="resolved", starts_at=alert.starts_at,
                                 ends_at=alert.ended_at, arrived_at=now, received_at=now, resolved_at=now,
                                 seen_firing=False)
        else:
            record = known.model_copy(update={"status": "resolved", "ends_at": alert.ended_at,
                                              "resolved_at": known.resolved_at or now, "events": known.events + 1,
                                              "received_at": latest(known.received_at, now)})
        self.ledger.put_alert(record)
        issue = self.ledger.issue(issue_id) if issue_id else None
        if issue is None:
            return Taken(None, False, 0, True)
        update: dict[str, Any] = {"last_seen": latest(issue.last_seen, alert.ended_at)}
        if issue.alert_group is not None:
            issue = _with(issue, update, events=_group(issue).events + 1)
        else:
            issue = issue.model_copy(update=update)
        self.ledger.keep(issue, "alert_resolved", f"alert {alert.key} resolved at {instants.stamp(alert.ended_at)}")
        if issue.alert_group is not None and _group(issue).verdict == "held":
            issue = self._settle_hold(issue, now, early=True)
        return Taken(issue.id, False, issue.count, True, verdict=_group(issue).verdict if issue.alert_group else "")

    # -- the rules' order ------------------------------------------------------------------------------
    def _weigh(self, issue: Issue, labels: dict[str, str], fingerprint: str, at: datetime,
               arrived: str = "at arrival") -> tuple[Issue, str | None]:
        """A new alert on an issue: whether the issue pages now, and if not, why (`arrived`: how the page's reason
        names the moment)."""
        assert issue.id is not None
        rule = self.rules.flapping
        count, flaps, paged_in = 0, False, None
        if rule.cycles:
            mine = self.ledger.alerts_of_fingerprint(fingerprint)
            count = flapping.cycles(mine, at, rule)
            flaps = flapping.flapping(count, rule)
            if flaps:
                since = at - timedelta(minutes=rule.minutes)
                paged_in = next((a.issue_id for a in mine if a.issue_id and a.issue_id != issue.id
                                 and a.arrived_at >= since and self.ledger.has_request(a.issue_id)), None)
                if not _group(issue).flapping:
                    issue = _with(issue, flapping=True)
                    self.ledger.keep(issue, "intake_flapping", flapping.why(count, rule, None).split(":")[0])
        held = _group(issue)
        if self.ledger.has_request(issue.id or ""):
            return issue, None  # it paged (or a coordinator escalated it): the alert is counted, nothing more
        window = maintenance.covering(self.windows, labels, at)
        if window is not None:
            return self._set(issue, "maintenance", maintenance.why(window), [window.id], window_id=window.id), None
        if not self.ledger.escalates(issue):
            return self._set(issue, "not_escalated", "its decision does not escalate: no request, no page", []), None
        if flaps:
            if paged_in is not None:
                return self._set(issue, "flapping", flapping.why(count, rule, paged_in), ["flapping"]), None
            return self._page(issue, at, flapping.why(count, rule, None))
        threshold = self.rules.threshold_for(labels)
        met = ""
        if threshold is not None:
            short = thresholds.short_of(threshold, held.arrivals, at)
            if short is not None:
                return self._set(issue, "below_threshold", short, [threshold.id]), None
            met = f": {thresholds.met(threshold, held.arrivals, at)}"
        paused = self.rules.pause_for(labels)
        holding = held.verdict == "held" and held.held_until is not None and held.held_until > at
        if holding and paused is not None:
            return issue, None  # already held: the hold runs from its first alert
        if holding:  # no pause rule holds this alert (a critical joining held warnings): it ends the hold
            return self._page(issue, at, f"paged {arrived}{met}: no pause rule holds it, the hold is over")
        if paused is not None:
            until, why = pause.hold(paused, at)
            return self._set(issue, "held", why, [paused.id], held_since=at, held_until=until,
                             holds=held.holds + 1), None
        return self._page(issue, at, f"paged {arrived}{met}")

    def _set(self, issue: Issue, verdict: str, why: str, acted: list[str], **more: Any) -> Issue:
        held = _group(issue)
        changes: dict[str, Any] = {"verdict": verdict, "why": why, "acted": acted, **more}
        if verdict != "maintenance":
            changes.setdefault("window_id", None)
        if verdict != "held":
            changes.setdefault("held_until", None)
            changes.setdefault("held_since", held.held_since if verdict == "transient" else None)
        changed = _with(issue, **changes)
        if (held.verdict, held.why) != (verdict, why):
            self.ledger.keep(changed, f"intake_{verdict}", why)
        elif changed != issue:
            self.ledger.keep(changed, f"intake_{verdict}", "")
        return changed

    def _page(self, issue: Issue, at: datetime, why: str, sent: datetime | None = None) -> tuple[Issue, str | None]:
        """Page: the issue opens its request, its clocks from `at` (the rules that held it back stay named)."""
        issue = self._set(issue, "paged", why, list(_group(issue).acted), paged_at=at)
        return issue, self.ledger.page(issue, at, why, sent or at)

    # -- the clock -------------------------------------------------------------------------------------
    def tick(self, now: datetime) -> list[tuple[str, str]]:
        """Holds that are over by `now` become transient or page; what an ended maintenance window held back and
        is still firing is weighed again as if it had just arrived at the window's end. Returns (issue, verdict)
        for each issue it moved."""
        moved: list[tuple[str, str]] = []
        ended = {w.id for w in self.windows if w.until <= now}
        for issue in sorted(self.ledger.waiting(now, ended), key=lambda i: (_group(i).held_until or now, i.id or "")):
            held = _group(issue)
            if held.verdict == "held" and held.held_until is not None and held.held_until <= now:
                issue = self._settle_hold(issue, now, early=False)
            elif held.verdict == "maintenance" and held.window_id:
                window = next((w for w in self.windows if w.id == held.window_id), None)
                if window is None or window.until > now:
                    continue
                issue = self._after_window(issue, window)
            else:
                continue
            if _group(issue).verdict != held.verdict:
                moved.append((issue.id or "", _group(issue).verdict))
        return moved

    def _settle_hold(self, issue: Issue, now: datetime, early: bool) -> Issue:
        """A held issue: transient when every alert of it was over by the hold's end; at the hold's end (not
        before), one still firing pages, its clocks from its arrival."""
        held = _group(issue)
        assert issue.id is not None and held.held_since is not None and held.held_until is not None
        alerts = self.ledger.alerts_of_issue(issue.id)
        ended = pause.transient(held.held_since, held.held_until, alerts)
        if ended is not None:
            return self._set(issue, "transient", ended, list(held.acted))
        if early:
            return issue
        if self.ledger.has_request(issue.id):
            return self._set(issue, "paged", "escalated while it was held", [])
        firing = pause.still_firing(alerts, held.held_until)
        window = maintenance.covering(self.windows, firing[0].labels, held.held_until) if firing else None
        if window is not None:
            return self._set(issue, "maintenance", maintenance.why(window), [window.id], window_id=window.id)
        return self._page(issue, held.held_since, pause.released(held.held_since, held.held_until),
                          held.held_until)[0]

    def _after_window(self, issue: Issue, window: MaintenanceWindow) -> Issue:
        assert issue.id is not None
        firing = pause.still_firing(self.ledger.alerts_of_issue(issue.id), window.until)
        if not firing:
            return self._set(issue, "maintenance", f"{maintenance.why(window)}; all resolved inside it", [window.id],
                             window_id=None)
        again = thresholds.remembered([*_group(issue).arrivals, window.until], window.until,
                                      self.rules.longest_count_minutes)
        issue = _with(issue, window_id=None, verdict="maintenance", arrivals=again)
        self.ledger.keep(issue, "intake_maintenance", f"maintenance window {window.id} ended, still firing")
        return self._weigh(issue, firing[0].labels, firing[0].fingerprint, window.until,
                           f"when maintenance window {window.id} ended, still firing")[0]
