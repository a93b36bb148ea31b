"""Alerts taken in under the profile's noise rules (`domain/intake/flow.py`), over the store: each notification
one durable write (its alerts, the issues they join with their audit entries, the requests they open); and the
intake's clock (holds released, maintenance windows announced and their held-back alerts weighed again)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from typing import Any

from triagedesk.app.desk import Desk
from triagedesk.app.outbox import outbox_id
from triagedesk.domain.intake import maintenance
from triagedesk.domain.intake.alertmanager import PROFILE, Alert
from triagedesk.domain.intake.flow import IntakeFlow, Taken
from triagedesk.domain.intake.records import AlertRecord, MaintenanceWindow
from triagedesk.domain.models import Issue
from triagedesk.domain.records import OutboxMessage, new_id
from triagedesk.domain.requests.actions import Actor
from triagedesk.domain.requests.states import CLOSED_STATUSES
from triagedesk.store.repositories import Store, model_fields


class StoreLedger:
    """The flow's ledger over the store, for one write: issues it changes are saved once at `flush` (each with its
    audit entry), alerts written together; a page flushes its issue and escalates it through the commands."""

    def __init__(self, door: AlertDoor, actor: str) -> None:
        self.door = door
        self.store = door.store
        self.desk = door.desk
        self.actor = actor
        self.changed: dict[str, tuple[Issue, str, list[str]]] = {}
        self.alerts: dict[str, AlertRecord] = {}
        self.pending: dict[tuple[str, str], set[str]] = {}
        """(field, value) -> this write's alerts that had it: the batch's own index."""
        self.requests: dict[str, str] = {}
        self.new: set[str] = set()
        """Issues this write creates (written once, at flush or before their request opens)."""
        self.keys = door._open_dedup_keys()  # read once: the batch keeps them (and the watch) in step itself
        self.watched = door._waiting_ids()

    def alert(self, key: str) -> AlertRecord | None:
        return self.alerts.get(key) or self.store.alerts.get(key)

    def put_alert(self, record: AlertRecord) -> None:
        self.alerts[record.id] = record
        self.pending.setdefault(("fingerprint", record.fingerprint), set()).add(record.id)
        if record.issue_id:
            self.pending.setdefault(("issue_id", record.issue_id), set()).add(record.id)

    def _merged(self, field: str, value: str) -> list[AlertRecord]:
        """The stored alerts with this field's value (an index lookup), with this write's own in their place."""
        found = {r.id: r for r in self.store.alerts.by(field, value)}
        for key in self.pending.get((field, value), ()):
            record = self.alerts[key]
            if getattr(record, field) == value:
                found[key] = record
            else:
                found.pop(key, None)  # it moved (a closed issue's alert joining the open one)
        return list(found.values())

    def alerts_of_fingerprint(self, fingerprint: str) -> list[AlertRecord]:
        return self._merged("fingerprint", fingerprint)

    def alerts_of_issue(self, issue_id: str) -> list[AlertRecord]:
        return self._merged("issue_id", issue_id)

    def open_issue(self, group_key: str) -> Issue | None:
        issue_id = self.keys.get(group_key)
        return self.issue(issue_id) if issue_id else None

    def issue(self, issue_id: str) -> Issue | None:
        held = self.changed.get(issue_id)
        if held:
            return held[0]
        return None if issue_id in self.new else self.store.issues.get(issue_id)

    def add_issue(self, issue: Issue) -> Issue:
        """A new issue: its id now, its record (with the verdict it ends the write with) at `flush`."""
        made = issue.model_copy(update={"id": new_id(self.store.issues.prefix)})
        assert made.id is not None
        self.new.add(made.id)
        self.keep(made, "intake", "")
        return made

    def keep(self, issue: Issue, action: str, note: str) -> None:
        assert issue.id is not None
        held = self.changed.get(issue.id)
        notes = held[2] if held else []
        if note and note not in notes:
            notes.append(note)
        self.changed[issue.id] = (issue, action, notes)
        self.door._index_issue(issue)

    def has_request(self, issue_id: str) -> bool:
        return issue_id in self.requests or bool(self.store.journal.lookup("requests", "analysis_id", issue_id))

    def is_open(self, issue_id: str) -> bool:
        """No closed request: what the intake calls open (`IntakeDoor._open_dedup_keys`)."""
        return issue_id in self.requests or not any(
            d.get("status") in CLOSED_STATUSES for d in self.store.journal.lookup("requests", "analysis_id", issue_id))

    def escalates(self, issue: Issue) -> bool:
        return self.desk.engine.scorer(issue.profile).assess(issue).should_escalate

    def page(self, issue: Issue, at: datetime, why: str, sent: datetime) -> str | None:
        """Open the issue's request, submitted at `at` (a held alert's arrival: its clocks start there)."""
        assert issue.id is not None
        self.keep(issue, f"intake_{issue.alert_group.verdict if issue.alert_group else 'paged'}", why)
        self._save(issue.id)
        before = self.desk.clock
        self.desk.clock = lambda: at
        try:
            request = self.desk.commands.escalate(issue.id, Actor(self.actor, "dispatcher"))
        finally:
            self.desk.clock = before
        self.requests[issue.id] = request.id
        return request.id

    def waiting(self, now: datetime, ended: set[str]) -> list[Issue]:
        due = [key for key, watch in self.watched.items()
               if (watch in ended if isinstance(watch, str) else watch <= now)]
        found = [self.issue(key) for key in sorted(due)]
        return [i for i in found if i is not None and i.alert_group is not None
                and i.alert_group.verdict in ("held", "maintenance")]

    def _save(self, issue_id: str) -> None:
        issue, action, notes = self.changed.pop(issue_id)
        note = "; ".join(notes[:3]) + (f" (+{len(notes) - 3} more)" if len(notes) > 3 else "")
        if issue_id in self.new:
            self.new.discard(issue_id)
            self.store.issues.add(issue, actor=self.actor, action="intake", note=note)
        else:
            self.store.issues.save(issue, actor=self.actor, action=action, note=note)

    def flush(self) -> None:
        for issue_id in list(self.changed):
            self._save(issue_id)
        if self.alerts:
            self.store.alerts.put_many(self.alerts.values(), actor=self.actor)
            self.alerts.clear()
            self.pending.clear()


class AlertDoor:
    """Part of `Dispatching`: alerts under the noise rules, and the intake's clock."""

    lock: threading.RLock
    desk: Desk
    _at: Callable[[datetime], AbstractContextManager[None]]

    @property
    def store(self) -> Store:  # Dispatching's
        raise NotImplementedError

    coordinator_contact: str | None

    def _open_dedup_keys(self) -> dict[str, str]:  # IntakeDoor's
        raise NotImplementedError

    def _waiting_ids(self) -> dict[str, datetime | str]:  # IntakeDoor's
        raise NotImplementedError

    _waiting: dict[str, datetime | str]

    def _index_issue(self, issue: Issue) -> None:  # IntakeDoor's
        raise NotImplementedError

    def _in_step(self) -> None:  # IntakeDoor's
        raise NotImplementedError

    def _after_repeat(self, issue: Issue, actor: str, why: str, may_open: bool = True) -> str | None:  # IntakeDoor's
        raise NotImplementedError

    _dedup_at: int

    def _flow(self, ledger: StoreLedger) -> IntakeFlow:
        rules = self.desk.engine.profile(PROFILE).intake
        return IntakeFlow(ledger, rules, self.store.maintenance.all())

    def take_alerts(self, alerts: list[Alert], now: datetime, actor: str = "alertmanager") -> list[Taken]:
        """One notification's alerts, in one durable write: the intake's clock first (holds over by now), then each
        alert (a repeat counted, a new one grouped and weighed, a resolve noted)."""
        with self.lock:
            try:
                with self._at(now):
                    ledger = StoreLedger(self, actor)
                    flow = self._flow(ledger)
                    flow.tick(now)
                    taken = [flow.take(alert, now) for alert in alerts]
                    ledger.flush()
                    taken = [self._raised(t, actor) for t in taken]
            except BaseException:
                self._dedup_at = -1  # rolled back: the indexes may hold what was not written
                raise
            self._in_step()
            return taken

    def _raised(self, taken: Taken, actor: str) -> Taken:
        """A repeat that makes its issue more urgent raises its open request as any intake's repeat does (one
        rule: `IntakeDoor._after_repeat`); it opens a request only where the noise rules held nothing back (an
        issue that simply did not escalate before), so a threshold, a hold or a window still has its say."""
        if taken.issue_id is None or taken.new or taken.resolved:
            return taken
        issue = self.store.issues.get(taken.issue_id)
        if issue is None:
            return taken
        may_open = taken.verdict in ("", "not_escalated")
        found = self._after_repeat(issue, actor, "repeat of an alert", may_open)
        return taken if found is None else replace(taken, request_id=found)

    def intake_due(self, now: datetime) -> bool:
        """Whether the intake's clock has anything to do at `now`, read cheaply (each pass asks): a hold that is
        over, a maintenance window that ended with alerts it held back, a window's start or end not told yet."""
        with self.lock:
            if self._dedup_at == -1:
                self._waiting_ids()  # the first pass: one scan finds what an earlier dispatcher left waiting
            windows = self.store.maintenance.all()
            ended = {w.id for w in windows if w.until <= now}
            for watch in self._waiting.values():
                if (watch in ended) if isinstance(watch, str) else watch <= now:
                    return True
            for window, moment in maintenance.due_notices(windows, now):
                event = maintenance.notice(window, moment).event
                if any(outbox_id(event, target) not in self.store.outbox for target in window.subscribers):
                    return True
            return False

    def intake_tick(self, now: datetime) -> dict[str, Any]:
        """The intake's clock at `now` (each dispatcher pass): holds released, ended windows' alerts weighed again,
        and each window's start and end told to its subscribers (once: the message id comes from the event)."""
        with self.lock:
            try:
                with self._at(now):
                    ledger = StoreLedger(self, "dispatcher")
                    flow = self._flow(ledger)
                    moved = flow.tick(now)
                    ledger.flush()
                    told = self._window_notices(flow.windows, now)
            except BaseException:
                self._dedup_at = -1
                raise
            self._in_step()
            return {"moved": moved, "notices": told}

    def _window_notices(self, windows: list[MaintenanceWindow], now: datetime) -> list[str]:
        written: list[str] = []
        for window, moment in maintenance.due_notices(windows, now):
            said = maintenance.notice(window, moment)
            for target in window.subscribers:
                key = outbox_id(said.event, target)
                if key in self.store.outbox:
                    continue
                self.store.outbox.add(OutboxMessage(
                    id=key, event=said.event, kind="maintenance", method="subscriber", target=target,
                    subject=said.subject, body=said.body, created_at=now, next_attempt_at=now))
                written.append(key)
        return written

    def alerts_since(self, since: datetime | None = None) -> list[AlertRecord]:
        """Stored alerts (arrived at or after `since`), for the backtest and the noise figures."""
        with self.lock:
            found = [AlertRecord.model_validate(model_fields(d)) for d in self.store.alerts.raw()]
        return [a for a in found if since is None or a.arrived_at >= since]
