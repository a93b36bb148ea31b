"""The desk: Queue, Escalation, Candidates and Timers panes plus the Analytics tab, for every role."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, TabbedContent, TabPane

from triagedesk.domain.models import URGENCIES
from triagedesk.domain.records import HELD_STATUSES
from triagedesk.app.queue import STATUS_FILTERS, SORTS, QueueData, QueueFilter, describe, order
from triagedesk.tui import loaders
from triagedesk.tui.screens.forms import NewIssueForm
from triagedesk.tui.screens.modals import ConfirmScreen, PackageScreen
from triagedesk.tui.screens.role_actions import RoleActions
from triagedesk.tui.widgets.analytics_view import AnalyticsView
from triagedesk.tui.widgets.candidates_pane import CandidatesPane
from triagedesk.tui.widgets.escalation_pane import EscalationPane
from triagedesk.tui.widgets.queue_view import QueueView
from triagedesk.tui.widgets.timers_pane import TimersPane

if TYPE_CHECKING:
    from triagedesk.tui.app import TriageDeskApp

COORDINATOR_ONLY = {"assign", "reassign", "senior", "pay", "cancel_request", "new_issue"}
EXPERT_ONLY = {"start_session", "toggle_session", "end_session", "outcome", "correction"}


class DeskScreen(RoleActions, Screen):
    """One screen for coordinators, experts (their own queue) and leads (opening on Analytics)."""

    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear", show=False),
        Binding("u", "cycle_urgency", "Urgency"),
        Binding("f", "cycle_status", "Status"),
        Binding("p", "cycle_profile", "Profile", show=False),
        Binding("v", "cycle_sort", "Sort", show=False),
        *[Binding(str(n), f"assign({n})", f"Assign #{n}", show=n == 1) for n in range(1, 6)],
        Binding("r", "reassign", "Reassign"),
        Binding("e", "senior", "Senior"),
        Binding("w", "wait_resume", "Wait/resume", show=False),
        Binding("dollar_sign", "pay", "Paid", show=False),
        Binding("x", "cancel_request", "Cancel req.", show=False),
        Binding("n", "new_issue", "New"),
        Binding("m", "package", "Package"),
        Binding("s", "start_session", "Start session"),
        Binding("space", "toggle_session", "Pause/resume"),
        Binding("E", "end_session", "End session", show=False),
        Binding("o", "outcome", "Outcome"),
        Binding("c", "correction", "Correction"),
        Binding("a", "show_tab('analytics')", "Analytics"),
        Binding("b", "backtest", "Backtest", show=False),
        Binding("d", "show_tab('desk')", "Desk", show=False),
    ]

    def __init__(self, role: str, expert_id: str | None = None) -> None:
        super().__init__()
        self.role = role
        self.expert_id = expert_id
        self.data = QueueData()
        self.spec = QueueFilter()
        self.current: str | None = None
        self.detail: loaders.Detail | None = None
        self._report_stale = True

    @property
    def desk_app(self) -> TriageDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        initial = "analytics" if self.role == "lead" else "desk"
        with TabbedContent(initial=initial, id="tabs"):
            with TabPane("Desk", id="desk"):
                with Horizontal(id="desk-body"):
                    with Vertical(id="queue-pane"):
                        yield Input(placeholder="filter: text in id, title, route, status, assignee", id="filter")
                        yield QueueView(id="queue", now_epoch=lambda: self.desk_app.clock().timestamp())
                    with Vertical(id="side"):
                        yield EscalationPane(id="escalation")
                        yield CandidatesPane(id="candidates")
                        yield TimersPane(id="timers", monotonic=self.desk_app.monotonic, live=self.desk_app.live)
            with TabPane("Analytics", id="analytics"):
                yield AnalyticsView(days=self.desk_app.settings.analytics.period_days, id="analytics-view")
        yield Footer()

    def on_mount(self) -> None:
        titles = {"queue-pane": "Queue", "escalation": "Escalation", "candidates": "Candidates", "timers": "Timers"}
        if self.role == "expert":
            titles.update({"queue-pane": f"Queue · my requests ({self.expert_id})", "escalation": "Escalation"})
            self.query_one("#candidates").display = False
        for widget_id, title in titles.items():
            self.query_one(f"#{widget_id}").border_title = title
        self.query_one("#filter", Input).display = False
        self.query_one(QueueView).restyle(self.app.theme_variables)
        if self.role == "lead":
            self.query_one(AnalyticsView).focus()
        else:
            self.query_one(QueueView).focus()
        self.query_one("#queue-pane").border_subtitle = "loading the store…"
        self.query_one(QueueView).loading = True
        self.reload()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "-narrow")

    # -- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Queue first (the timers follow it); the report only while the Analytics tab is open."""
        self.load_queue()
        self._report_stale = True
        if self.query_one(TabbedContent).active == "analytics":
            self._refresh_report()

    def _refresh_report(self) -> None:
        if self._report_stale:
            self._report_stale = False
            self.load_report(self.query_one(AnalyticsView).days)

    @on(TabbedContent.TabActivated)
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "analytics":
            self._refresh_report()

    @work(thread=True, exclusive=True, group="queue")
    def load_queue(self) -> None:
        app = self.desk_app
        assignee = self.expert_id if self.role == "expert" else None
        self.post_message(loaders.QueueLoaded(loaders.queue(app.desk, app.clock(), assignee)))
        app.desk.warm()  # the indexes the panes' lookups use, built before the first cursor move needs them

    @work(thread=True, exclusive=True, group="timers")
    def load_timers(self) -> None:
        app = self.desk_app
        expert = self.expert_id if self.role == "expert" else None
        self.post_message(loaders.TimersReady(*loaders.timers(app.desk, app.settings.desk.timers_shown, expert)))

    @work(thread=True, exclusive=True, group="report")
    def load_report(self, days: int) -> None:
        self.post_message(loaders.ReportReady(days, self.desk_app.desk.report(days)))

    @work(thread=True, exclusive=True, group="detail")
    def load_detail(self, issue_id: str) -> None:
        found = loaders.detail(self.desk_app.desk, self.data, issue_id, with_match=self.role != "expert")
        self.post_message(loaders.DetailReady(issue_id, found))

    def on_queue_loaded(self, message: loaders.QueueLoaded) -> None:
        queue = self.query_one(QueueView)
        if queue.loading:
            queue.loading = False
            if self.role != "lead" and not isinstance(self.focused, Input):
                queue.focus()  # the loading overlay took focus away from the queue
        self.data = message.data
        gc.freeze()  # the loaded queue lives until the next load: keep the collector from walking it
        self.apply_filter(keep=self.current)
        self.load_timers()

    def on_timers_ready(self, message: loaders.TimersReady) -> None:
        self.query_one(TimersPane).show(message.specs, message.summary)

    def on_report_ready(self, message: loaders.ReportReady) -> None:
        view = self.query_one(AnalyticsView)
        if message.days == view.days:
            view.show(message.data, self.app.theme_variables)

    def on_analytics_view_period_changed(self, message: AnalyticsView.PeriodChanged) -> None:
        self.load_report(message.days)

    def on_queue_view_highlighted(self, message: QueueView.Highlighted) -> None:
        self.current = message.issue_id
        if message.issue_id is None:
            self.detail = None
            self.query_one(EscalationPane).show(None, None)
            self.query_one(CandidatesPane).show(None)
            return
        self.load_detail(message.issue_id)

    def on_detail_ready(self, message: loaders.DetailReady) -> None:
        if message.issue_id != self.current:
            return  # stale: the cursor has moved on
        self.detail = message.detail
        if message.detail is None:
            return
        colours = self.app.theme_variables
        self.query_one(EscalationPane).show(message.detail.issue, message.detail.decision, message.detail.hits, colours)
        self.query_one(CandidatesPane).show(message.detail.match)

    def on_timers_pane_breached(self, message: TimersPane.Breached) -> None:
        self.notify(f"SLA breached: {message.label}", severity="error", timeout=8)

    # -- filtering and sorting ------------------------------------------------------------------
    def apply_filter(self, keep: str | None = None, within: Any = None) -> None:
        now = self.desk_app.clock().timestamp()
        rows = order(self.data, self.spec, now, within)
        self.query_one(QueueView).show(self.data, rows, keep)
        pane = self.query_one("#queue-pane")
        pane.border_subtitle = f"{len(rows):,} of {len(self.data):,} open · {describe(self.spec)}"

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        previous = self.spec.text
        self.spec = QueueFilter(event.value, self.spec.urgency, self.spec.status, self.spec.profile, self.spec.sort)
        narrowing = previous and event.value.lower().startswith(previous.lower())
        self.apply_filter(keep=self.current, within=self.query_one(QueueView).rows if narrowing else None)

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one(QueueView).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.spec = QueueFilter(sort=self.spec.sort)
        self.apply_filter(keep=self.current)
        self.query_one(QueueView).focus()

    def _respec(self, **changes: Any) -> None:
        values = {"text": self.spec.text, "urgency": self.spec.urgency, "status": self.spec.status,
                  "profile": self.spec.profile, "sort": self.spec.sort, **changes}
        self.spec = QueueFilter(**values)
        self.apply_filter(keep=self.current)

    def action_cycle_urgency(self) -> None:
        options = [None, *range(len(URGENCIES))]
        self._respec(urgency=options[(options.index(self.spec.urgency) + 1) % len(options)])

    def action_cycle_status(self) -> None:
        self._respec(status=STATUS_FILTERS[(STATUS_FILTERS.index(self.spec.status) + 1) % len(STATUS_FILTERS)])

    def action_cycle_profile(self) -> None:
        options = [None, "infrastructure", "appraisal"]
        self._respec(profile=options[(options.index(self.spec.profile) + 1) % len(options)])

    def action_cycle_sort(self) -> None:
        self._respec(sort=SORTS[(SORTS.index(self.spec.sort) + 1) % len(SORTS)])

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        if tab == "desk":
            self.query_one(QueueView).focus()
        else:
            self.query_one(AnalyticsView).focus()

    # -- actions ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in COORDINATOR_ONLY and self.role != "coordinator":
            return False
        if action in EXPERT_ONLY and self.role != "expert":
            return False
        return True

    def _request_id(self, missing: str = "This issue has no expert request yet.") -> str | None:
        """The selected issue's request; otherwise one notice saying what is missing."""
        if self.current is None:
            self.notify("Select an issue first.", severity="warning")
            return None
        row = self.data.position(self.current)
        request_id = self.data.request_id[row] if row is not None else None
        if request_id is None:
            self.notify(missing, severity="warning")
        return request_id

    @work(thread=True, group="action")
    def run_action(self, label: str, operation: Any) -> None:
        operation()
        self.post_message(loaders.ActionDone(label))

    def on_action_done(self, message: loaders.ActionDone) -> None:
        self.notify(message.text)
        self.reload()
        if self.current:
            self.load_detail(self.current)

    def _confirm(self, question: str, detail: str, then: Any, with_note: bool = True) -> None:
        def answered(note: str | None) -> None:
            if note is not None:
                then(note)

        self.app.push_screen(ConfirmScreen(question, detail, with_note), answered)

    def action_assign(self, number: int) -> None:
        if self.detail is None or self.detail.match is None or self.current is None:
            self.notify("Select an issue first.", severity="warning")
            return
        pane = self.query_one(CandidatesPane)
        if number > len(pane.candidates):
            self.notify(f"There is no candidate #{number}.", severity="warning")
            return
        candidate = pane.candidates[number - 1]
        issue_id, app = self.current, self.desk_app
        row = self.data.position(issue_id)
        holder = self.data.assignee[row] if row is not None and self.data.status[row] in HELD_STATUSES else ""
        name = candidate.expert_name or candidate.expert_id
        if holder and holder in (candidate.expert_name, candidate.expert_id):
            self.notify(f"{issue_id} is already with {holder}.", severity="warning")
            return

        def assign(note: str) -> None:
            def operation() -> None:
                request = app.desk.request_for(issue_id)
                if request is None or request.status in ("completed", "cancelled", "refunded"):
                    request = app.desk.escalate(issue_id, app.actor, notes=note or None)
                if request.status == "pending_payment":
                    raise_user(f"request {request.id} awaits payment: press $ once it is paid")
                action = "assign" if request.status == "pending_assignment" else "reassign"
                app.desk.act(request.id, action, app.actor, candidate.expert_id, note)
            self.run_action(f"{issue_id} {'reassigned' if holder else 'assigned'} to {name}", operation)

        question = f"Reassign {issue_id} from {holder} to {name}?" if holder else f"Assign {issue_id} to {name}?"
        self._confirm(question, f"match {candidate.match_score:.1f} · {'; '.join(candidate.reasons)}", assign)

    def action_reassign(self) -> None:
        request_id = self._request_id("This issue has no expert request yet: assign with 1-5.")
        pane = self.query_one(CandidatesPane)
        if not request_id:
            return
        row = self.data.position(self.current or "")
        holder = self.data.assignee[row] if row is not None else ""
        others = [c for c in pane.candidates if c.expert_name != holder]
        if not others:
            self.notify("No other candidate to reassign to.", severity="warning")
            return
        target, app = others[0], self.desk_app
        whom = f" from {holder}" if holder else ""
        self._confirm(f"Reassign {request_id}{whom} to {target.expert_name}?", f"match {target.match_score:.1f}",
                      lambda note: self.run_action(f"{request_id} reassigned to {target.expert_name}",
                                                   lambda: app.desk.act(request_id, "reassign", app.actor, target.expert_id, note)))

    def _request_action(self, verb: str, question: str, operation: Any) -> None:
        request_id = self._request_id()
        if not request_id:
            return
        self._confirm(question.format(request_id), "", lambda note: self.run_action(
            f"{request_id}: {verb}", lambda: operation(request_id, note)))

    def action_senior(self) -> None:
        app = self.desk_app
        self._request_action("escalated to a senior expert", "Escalate {} to a senior expert?",
                             lambda rid, note: app.desk.escalate_to_senior(rid, app.actor, note))

    def action_pay(self) -> None:
        app = self.desk_app
        self._request_action("payment recorded", "Record payment for {}?",
                             lambda rid, note: app.desk.act(rid, "pay", app.actor, note=note))

    def action_cancel_request(self) -> None:
        app = self.desk_app
        self._request_action("cancelled", "Cancel request {}?", lambda rid, note: app.desk.act(rid, "cancel", app.actor, note=note))

    def action_wait_resume(self) -> None:
        app = self.desk_app
        row = self.data.position(self.current or "")
        waiting = row is not None and self.data.status[row] == "waiting"
        verb = "resume" if waiting else "wait"
        self._request_action(verb, f"{verb.capitalize()} request {{}}?" if waiting else "Wait for the requester on {}?",
                             lambda rid, note: app.desk.act(rid, verb, app.actor, note=note))

    def action_new_issue(self) -> None:
        app = self.desk_app

        def created(issue: Any) -> None:
            if issue is not None:
                self.run_action(f"created {issue.id or 'a new issue'}",
                                lambda: app.store.issues.add(issue.model_copy(update={"created_at": app.clock()}), actor=app.actor))

        self.app.push_screen(NewIssueForm(app.desk.decide), created)

    def action_package(self) -> None:
        if self.current is None:
            self.notify("Select an issue first.", severity="warning")
            return
        self.load_package(self.current)

    @work(thread=True, exclusive=True, group="package")
    def load_package(self, issue_id: str) -> None:
        self.post_message(loaders.PackageReady(issue_id, self.desk_app.desk.package(issue_id)))

    def on_package_ready(self, message: loaders.PackageReady) -> None:
        self.app.push_screen(PackageScreen(message.issue_id, message.markdown, self.desk_app.store.path.parent))

def raise_user(message: str) -> None:
    from triagedesk.domain.errors import UserError

    raise UserError(message)
