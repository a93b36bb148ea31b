"""Read models over the store: an issue's request and sessions, the clocks, candidates, the report, search, history."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from triagedesk.app import issue_view
from triagedesk.app.engine import Engine
from triagedesk.app.figures import Figures
from triagedesk.app.oncall import OnCallDesk
from triagedesk.domain.insight.knowledge import Hit
from triagedesk.domain.intake.records import MaintenanceWindow
from triagedesk.domain.models import Issue, Match
from triagedesk.domain.records import AuditEntry, ExpertRequest, Session
from triagedesk.domain.requests import clocks as sla
from triagedesk.domain.requests.states import OPEN_STATUSES, SESSION_RUNNING
from triagedesk.domain.requests.suggestions import Suggestion, suggestions
from triagedesk.domain.routing.coverage import CalendarBook, Coverage
from triagedesk.domain.routing.matching import Matcher
from triagedesk.store.repositories import Store

if TYPE_CHECKING:  # imported by the queries that use them: `show` and `package` import neither noise nor backtest
    from triagedesk.app.issue_search import Found
    from triagedesk.domain.scoring.backtest import Backtest


@dataclass(frozen=True)
class RequestClocks:
    """One request's clocks as every display shows them: each target, the one that shows, what to suggest."""

    request: ExpertRequest
    clocks: tuple[sla.SlaClock, ...]
    pressing: sla.SlaClock | None
    suggestions: list[Suggestion]
    targets: tuple[sla.Target, ...] = ()
    """The targets the clocks were read from (a live display reads them again at every tick)."""


class Queries:
    """What the panes, `show`, `timers` and the dispatcher read; nothing here writes."""

    def __init__(self, store: Store, engine: Engine, figures: Figures, now: Callable[[], datetime],
                 oncall: OnCallDesk | None = None) -> None:
        self.store = store
        self.engine = engine
        self.figures = figures
        self._live_report: Any = None  # app/live_report.LiveReport, counted on the first report, then kept in step
        self._live_lock = threading.Lock()
        self.now = now
        self.oncall = oncall
        """Schedules and calendars: who covers now, the experts' working calendars (None: the seeds' flags)."""

    def coverage(self) -> Coverage | None:
        return self.oncall.coverage() if self.oncall is not None else None

    def calendars(self) -> CalendarBook | None:
        return self.oncall.calendars() if self.oncall is not None else None

    def issue(self, issue_id: str) -> Issue | None:
        return self.store.issues.get(issue_id)

    def issue_at(self, issue_id: str, doc_id: int | None) -> Issue | None:
        """The issue `issue_id` from the record at `doc_id` when it holds it (where a queue row found it: no `id`
        index needed, which takes seconds to build at 1M right after the queue shows), else as `issue` finds it."""
        if doc_id is not None:
            self.store.refresh()
            doc = self.store.stored("issues", str(doc_id))
            if isinstance(doc, dict) and doc.get("id") == issue_id:
                return self.store.issues.loadable(doc)
        return self.issue(issue_id)

    def issue_any_case(self, wanted: str) -> Issue | None:
        """The issue whose id is `wanted` in any case (`inc-000001`, as the command line takes open ids): the id as
        given, then in upper case (two index lookups), then the id index scanned once."""
        wanted = wanted.strip()
        for key in dict.fromkeys((wanted, wanted.upper())):
            found = self.store.issues.get(key)
            if found is not None:
                return found
        lower = wanted.lower()
        same = next((key for key in self.store.journal.id_index("issues") if key.lower() == lower), None)
        return self.store.issues.get(same) if same is not None else None

    def require_request(self, request_id: str) -> ExpertRequest:
        return self.store.requests.require(request_id)

    def request_at(self, request_id: str, doc_id: int | None) -> ExpertRequest:
        """`require_request`, read from the record at `doc_id` when it holds the request (as `issue_at`)."""
        if doc_id is not None:
            self.store.refresh()
            doc = self.store.stored("requests", str(doc_id))
            if isinstance(doc, dict) and doc.get("id") == request_id:
                found = self.store.requests.loadable(doc)
                if found is not None:
                    return found
        return self.require_request(request_id)

    def request_for(self, issue_id: str) -> ExpertRequest | None:
        """The issue's latest request (an index lookup)."""
        return self.store.requests.latest_by("analysis_id", issue_id, lambda r: r.submitted_at)

    def open_request_for(self, issue_id: str) -> ExpertRequest | None:
        """The issue's open request (the newest, should there be several), or None."""
        found = [r for r in self.store.requests.by("analysis_id", issue_id) if r.status in OPEN_STATUSES]
        return max(found, key=lambda r: r.submitted_at) if found else None

    def sessions_of(self, request_id: str) -> list[Session]:
        return self.store.sessions.by("request_id", request_id)

    def with_outcome(self, sessions: Iterable[Session]) -> frozenset[str]:
        """Which of these sessions have an outcome (index lookups by request and by issue)."""
        found = list(sessions)
        requests = {s.request_id for s in found if s.request_id}
        issues = {s.issue_id for s in found}
        docs = [*(d for r in requests for d in self.store.journal.lookup("outcomes", "request_id", r)),
                *(d for i in issues for d in self.store.journal.lookup("outcomes", "issue_id", i))]
        return frozenset(str(d.get("session_id")) for d in docs if d.get("session_id"))

    def running_session(self, request_id: str, expert_id: str | None = None) -> Session | None:
        """The request's session that has not ended (one expert's, when given: an expert drives only their own)."""
        return next((s for s in self.sessions_of(request_id) if s.status in SESSION_RUNNING
                     and (expert_id is None or s.expert_id == expert_id)), None)

    def awaiting_outcome(self, request_id: str, expert_id: str | None = None) -> Session | None:
        """The request's latest ended session (of one expert, when given) without an outcome yet."""
        ended = [s for s in self.sessions_of(request_id) if s.status == "ended"
                 and (expert_id is None or s.expert_id == expert_id)]
        if not ended:
            return None
        recorded = self.with_outcome(ended)
        waiting = [s for s in ended if s.id not in recorded]
        return max(waiting, key=lambda s: s.ended_at or s.started_at) if waiting else None

    def running_sessions(self, expert_id: str | None = None) -> list[Session]:
        """Every session that has not ended, newest first (one expert's only, when given)."""
        found = [s for status in sorted(SESSION_RUNNING) for s in self.store.sessions.by("status", status)
                 if expert_id is None or s.expert_id == expert_id]
        return sorted(found, key=lambda s: s.started_at, reverse=True)

    def candidates(self, issue: Issue, at: datetime | None = None) -> Match:
        scorer = self.engine.scorer(issue.profile)
        return Matcher(scorer.profile, scorer, self.coverage()).match(issue, self.figures.counted().values(),
                                                                      at or self.now())

    # -- clocks: the one function for every display ---------------------------------------------------------
    def clocks_of(self, request: ExpertRequest, now: datetime | None = None) -> RequestClocks:
        profile = self.engine.profile(request.profile or None)
        expert = self.store.experts.get(request.assigned_expert_id) if request.assigned_expert_id else None
        targets = sla.targets(request, profile, expert, self.calendars())
        found = tuple(sla.read(request, t, now or self.now()) for t in targets)
        return RequestClocks(request, found, sla.pressing(found), suggestions(request.status, found), targets)

    def resolve_due(self, request: ExpertRequest) -> datetime | None:
        """The request's resolve due time as its clock reads it (pushed by its waits): what every line shows."""
        return sla.resolve_due(request, self.engine.profile(request.profile or None))

    def clocks(self, statuses: Collection[str] = OPEN_STATUSES, expert_id: str | None = None,
               between: Callable[[], None] = lambda: None, every: int = 64) -> list[RequestClocks]:
        """Every open request with a running clock, breached first, then least time left (Timers, `timers`);
        `between()` after every `every` requests read (the desk's: wait while a key is pending)."""
        now = self.now()
        experts = {e.id: e for e in self.store.experts.all()}
        calendars = self.calendars()
        out = []
        for status in sorted(statuses):
            for n, request in enumerate(self.store.requests.each_by("status", status), 1):
                if n % every == 0:
                    between()
                if expert_id is not None and request.assigned_expert_id != expert_id:
                    continue
                profile = self.engine.profile(request.profile or None)
                targets = sla.targets(request, profile, experts.get(request.assigned_expert_id or ""), calendars)
                found = tuple(sla.read(request, t, now) for t in targets)
                shown = sla.pressing(found)
                if shown is not None:
                    out.append(RequestClocks(request, found, shown, suggestions(request.status, found), targets))
        out.sort(key=lambda c: sla.order_key(c.pressing))  # type: ignore[arg-type]
        return out

    # -- everything about one issue, every issue, the report -------------------------------------------------
    def audit_of(self, targets: Collection[str]) -> list[AuditEntry]:
        """The audit trail of these records, oldest first (an index lookup per record)."""
        found = [entry for target in dict.fromkeys(targets) for entry in self.store.audit_log.by("target_id", target)]
        return sorted(found, key=lambda e: e.at)

    def actions_by(self, actor: str, limit: int = 500) -> list[AuditEntry]:
        """What one actor (the dispatcher) wrote, newest first (an index lookup)."""
        return sorted(self.store.audit_log.by("actor", actor), key=lambda e: e.at, reverse=True)[:limit]

    def issue_record(self, issue_id: str) -> issue_view.IssueRecord:
        """Everything about one issue: what the issue screen and `triagedesk show` print."""
        return issue_view.issue_record(self, issue_id)

    def search_issues(self, text: str, limit: int = 500) -> list[Found]:
        from triagedesk.app import issue_search

        return issue_search.search(self.store, text, limit)

    def knowledge_for(self, text: str, limit: int = 5) -> list[Hit]:
        return self.store.search_knowledge(text, limit)

    def report(self, days: int, now: datetime | None = None) -> dict[str, Any]:
        """`analytics.report` of the store: counted once from its stored columns, then kept in step with its
        changes (app/live_report.py), so the analytics tab never recounts."""
        from triagedesk.app.live_report import LiveReport

        with self._live_lock:
            if self._live_report is None:
                profiles = {name: self.engine.profile(name) for name in self.engine.profiles()}
                self._live_report = LiveReport(self.store, profiles, deferred=True)
            live = self._live_report
        at = now or self.now()
        data = {**live.report(days, at), "noise": self.noise(days, at)}
        return data if self.oncall is None else {**data, "oncall": self.oncall.fairness(at)}

    # -- noise control (app/noise.py) -------------------------------------------------------------------------
    def noise(self, days: int, now: datetime | None = None) -> dict[str, Any]:
        """Events vs issues vs pages per source and rule, the compression, the noisiest rules, the transient share."""
        from triagedesk.app import noise

        return noise.noise_figures(self.store, now or self.now(), days)

    def windows(self) -> list[MaintenanceWindow]:
        """Every maintenance window, by number."""
        from triagedesk.app import noise

        return noise.windows(self.store)

    def intake_backtest(self, source: str, days: int) -> dict[str, Any]:
        """A changed profile's intake rules replayed over the stored alerts, against the current ones."""
        from triagedesk.app import noise

        return noise.backtest(self.engine, self.store, source, self.now(), days)

    def package(self, issue_id: str) -> str:
        from triagedesk.domain.insight import package

        issue = self.store.issues.require(issue_id)
        request = self.request_for(issue_id)
        expert = self.store.experts.get(request.assigned_expert_id) if request and request.assigned_expert_id else None
        outcome = next(iter(self.store.outcomes.by("issue_id", issue_id)), None)
        ctx = package.PackageContext(issue, self.engine.decide(issue), request, expert,
                                     self.store.sessions.by("issue_id", issue_id), outcome, self.now())
        return package.build(ctx)

    def next_issue_id(self, profile: str | None) -> str:
        """`INC-000301`: the profile's prefix and one more than the highest number in use with it."""
        found = self.engine.profile(profile)
        head = (found.id_prefix or found.name[:3].upper()) + "-"
        numbers = [int(key[len(head):]) for key in (str(d.get("id") or "") for d in self.store.issues.raw())
                   if key.startswith(head) and key[len(head):].isdigit()]
        return f"{head}{max(numbers, default=0) + 1:06d}"

    def backtest(self, source: str, days: int) -> Backtest:
        """A changed profile (a name or a TOML path) replayed over the stored history."""
        return self.engine.backtest(source, self.store.issues.all(), self.store.requests.all(),
                                    self.store.corrections.all(), self.now(), days)

    def sync_conflicts(self) -> list[AuditEntry]:
        """Every conflict sync resolved, newest first."""
        return sorted(self.store.audit_log.by("action", "sync_conflict"), key=lambda e: e.at, reverse=True)
