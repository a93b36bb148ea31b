"""Stored alerts replayed through a profile's intake rules, in memory: the issues and pages those rules would have
made. Two replays compared are the intake's backtest: pages saved, and pages delayed or dropped (a rule that
would have held back a page later marked useful is called out)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from triagedesk.domain.intake.alertmanager import Alert, read_alert
from triagedesk.domain.intake.flow import IntakeFlow
from triagedesk.domain.intake.records import AlertRecord, MaintenanceWindow
from triagedesk.domain.intake.rules import Intake
from triagedesk.domain.models import Issue


@dataclass(frozen=True)
class Page:
    """A page the replayed rules made: the replayed issue, when its clocks start, when it paged, why."""

    issue_id: str
    at: datetime
    why: str
    sent: datetime


class MemoryLedger:
    """The flow's ledger in memory (no store): what the backtest replays into."""

    def __init__(self, escalates: Callable[[Issue], bool]) -> None:
        self._escalates = escalates
        self.alerts: dict[str, AlertRecord] = {}
        self.by_fingerprint: dict[str, list[str]] = {}
        self.by_issue: dict[str, list[str]] = {}
        self.issues: dict[str, Issue] = {}
        self.open: dict[str, str] = {}
        self.pages: list[Page] = []
        self.paged: set[str] = set()
        self.watched: set[str] = set()

    def alert(self, key: str) -> AlertRecord | None:
        return self.alerts.get(key)

    def put_alert(self, record: AlertRecord) -> None:
        old = self.alerts.get(record.id)
        self.alerts[record.id] = record
        if old is None:
            self.by_fingerprint.setdefault(record.fingerprint, []).append(record.id)
        elif old.issue_id and old.issue_id != record.issue_id:
            self.by_issue[old.issue_id].remove(record.id)
        if record.issue_id and (old is None or old.issue_id != record.issue_id):
            self.by_issue.setdefault(record.issue_id, []).append(record.id)

    def alerts_of_fingerprint(self, fingerprint: str) -> list[AlertRecord]:
        return [self.alerts[k] for k in self.by_fingerprint.get(fingerprint, ())]

    def alerts_of_issue(self, issue_id: str) -> list[AlertRecord]:
        return [self.alerts[k] for k in self.by_issue.get(issue_id, ())]

    def open_issue(self, group_key: str) -> Issue | None:
        key = self.open.get(group_key)
        return self.issues.get(key) if key else None

    def issue(self, issue_id: str) -> Issue | None:
        return self.issues.get(issue_id)

    def add_issue(self, issue: Issue) -> Issue:
        made = issue.model_copy(update={"id": f"replay-{len(self.issues) + 1}"})
        self.keep(made, "intake", "")
        return made

    def keep(self, issue: Issue, action: str, note: str) -> None:
        assert issue.id is not None
        self.issues[issue.id] = issue
        if issue.dedup_key:
            self.open[issue.dedup_key] = issue.id
        group = issue.alert_group
        if group is not None and (group.verdict == "held" or (group.verdict == "maintenance" and group.window_id)):
            self.watched.add(issue.id)
        else:
            self.watched.discard(issue.id)

    def has_request(self, issue_id: str) -> bool:
        return issue_id in self.paged

    def is_open(self, issue_id: str) -> bool:
        return True  # the replay does not close issues (requests' ends are not replayed)

    def escalates(self, issue: Issue) -> bool:
        return self._escalates(issue)

    def page(self, issue: Issue, at: datetime, why: str, sent: datetime) -> str | None:
        assert issue.id is not None
        self.keep(issue, "page", why)
        self.paged.add(issue.id)
        self.pages.append(Page(issue.id, at, why, sent))
        return f"replay-request-{len(self.pages)}"

    def waiting(self, now: datetime, ended: set[str]) -> list[Issue]:
        out = []
        for key in sorted(self.watched):
            issue = self.issues[key]
            group = issue.alert_group
            if group is not None and ((group.verdict == "held" and group.held_until is not None
                                       and group.held_until <= now)
                                      or (group.verdict == "maintenance" and group.window_id in ended)):
                out.append(issue)
        return out


def _as_alert(record: AlertRecord, resolved: bool, rules: Intake) -> Alert:
    body: dict[str, Any] = {"status": "resolved" if resolved else "firing", "labels": record.labels,
                            "annotations": record.annotations, "fingerprint": record.fingerprint,
                            "startsAt": record.starts_at.isoformat() if record.starts_at else None,
                            "endsAt": record.ends_at.isoformat() if resolved and record.ends_at else None}
    read = read_alert(body, record.id, rules, record.arrived_at)
    return Alert(read.issue, read.key, read.resolved, record.ends_at or read.ended_at, read.labels, read.annotations,
                 read.starts_at, record.source)


@dataclass
class Replayed:
    """What a set of rules made of the stored alerts."""

    ledger: MemoryLedger
    events: int
    alerts: int
    origin: dict[str, str | None] = field(default_factory=dict)
    """Each stored alert's id -> the stored issue it joined (how a replayed page maps back to a real issue)."""

    @property
    def pages(self) -> list[Page]:
        return self.ledger.pages

    def verdicts(self) -> dict[str, int]:
        return dict(Counter(i.alert_group.verdict for i in self.ledger.issues.values() if i.alert_group))

    def first_page_of(self, sent: bool = True) -> dict[str, tuple[datetime, str]]:
        """Each real issue -> the earliest replayed page that covers one of its alerts (when it paged, or with
        `sent=False` when its clocks start; the replayed issue)."""
        out: dict[str, tuple[datetime, str]] = {}
        for page in self.pages:
            moment = page.sent if sent else page.at
            for key in self.ledger.by_issue.get(page.issue_id, ()):
                real = self.origin.get(key)
                if real and (real not in out or moment < out[real][0]):
                    out[real] = (moment, page.issue_id)
        return out

    def holding(self, real_issue: str) -> list[str]:
        """The rules (or windows) that held back the replayed issues holding a real issue's alerts."""
        found: list[str] = []
        for key, real in self.origin.items():
            record = self.ledger.alerts.get(key)
            if real != real_issue or record is None or not record.issue_id:
                continue
            issue = self.ledger.issues.get(record.issue_id)
            if issue is not None and issue.alert_group is not None:
                found.extend(r for r in issue.alert_group.acted if r not in found)
        return found

    def summary(self) -> dict[str, Any]:
        issues = len(self.ledger.issues)
        return {"events": self.events, "alerts": self.alerts, "issues": issues, "pages": len(self.pages),
                "compression": round(1 - len(self.pages) / self.events, 4) if self.events else 0.0,
                "verdicts": self.verdicts()}


def replay(records: Iterable[AlertRecord], rules: Intake, windows: Sequence[MaintenanceWindow],
           escalates: Callable[[Issue], bool], now: datetime) -> Replayed:
    """Every stored alert through `rules`, in the order they arrived (each firing at its arrival, each resolve
    when it was received), the clock ticking before each: the issues and pages those rules make."""
    ledger = MemoryLedger(escalates)
    flow = IntakeFlow(ledger, rules, windows)
    steps: list[tuple[datetime, int, str, AlertRecord]] = []
    events = 0
    stored = list(records)
    for record in stored:
        events += record.events
        if record.seen_firing:
            steps.append((record.arrived_at, 0, record.id, record))
        if record.status == "resolved":
            steps.append((record.resolved_at or record.received_at, 1, record.id, record))
    steps.sort(key=lambda s: (s[0], s[1], s[2]))
    for at, kind, _, record in steps:
        flow.tick(at)
        flow.take(_as_alert(record, kind == 1, rules), at)
    flow.tick(now)
    return Replayed(ledger, events, len(stored), {r.id: r.issue_id for r in stored})


@dataclass(frozen=True)
class PageChange:
    """A real issue whose page the changed rules would drop or delay."""

    issue_id: str
    paged_at: datetime
    changed_at: datetime | None
    """None: dropped."""
    held_by: tuple[str, ...]
    useful: bool

    @property
    def minutes_later(self) -> float | None:
        return None if self.changed_at is None else round((self.changed_at - self.paged_at).total_seconds() / 60, 1)

    def as_dict(self) -> dict[str, Any]:
        return {"issue_id": self.issue_id, "paged_at": self.paged_at, "changed_at": self.changed_at,
                "minutes_later": self.minutes_later, "held_by": list(self.held_by), "marked_useful": self.useful}


def compare(current: Replayed, changed: Replayed, feedback: Mapping[str, str | None]) -> dict[str, Any]:
    """The intake backtest: pages under the current rules and the changed ones, the pages saved, and every real
    issue whose page the change drops or delays (those later marked useful called out, with the rule)."""
    before, after = current.first_page_of(), changed.first_page_of()
    dropped: list[PageChange] = []
    delayed: list[PageChange] = []
    for real, (at, _) in sorted(before.items(), key=lambda item: (item[1][0], item[0])):
        later = after.get(real)
        if later is not None and later[0] <= at:
            continue
        change = PageChange(real, at, later[0] if later else None, tuple(changed.holding(real)),
                            feedback.get(real) == "useful")
        (dropped if later is None else delayed).append(change)
    called = [c for c in dropped + delayed if c.useful]
    return {"current": current.summary(), "changed": changed.summary(),
            "pages_saved": len(current.pages) - len(changed.pages),
            "dropped": [c.as_dict() for c in dropped], "delayed": [c.as_dict() for c in delayed],
            "called_out": [{**c.as_dict(), "text": _call_out(c)} for c in called]}


def _call_out(change: PageChange) -> str:
    rules = ", ".join(change.held_by) or "the changed grouping"
    if change.changed_at is None:
        return f"{rules} would have dropped the page of {change.issue_id}, later marked useful"
    return f"{rules} would have delayed the page of {change.issue_id} by {change.minutes_later:g} min; " \
           "it was later marked useful"
