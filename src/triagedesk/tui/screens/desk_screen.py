"""The desk: Queue, Escalation, Candidates and Timers panes plus the Analytics tab, for every role."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Header, Input, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from triagedesk.app import queue_updates
from triagedesk.app.actor import person
from triagedesk.app.desk import Desk
from triagedesk.app.queue import MINE, STATUS_FILTERS, QueueData, QueueFilter, describe, order
from triagedesk.display import literal
from triagedesk.domain.models import URGENCIES
from triagedesk.domain.requests import workflow
from triagedesk.tui import keys, loaders
from triagedesk.tui.config import Settings
from triagedesk.tui.failures import tell_failure
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.bulk_actions import BulkActions
from triagedesk.tui.screens.coordinator_actions import CoordinatorActions
from triagedesk.tui.screens.queue_actions import QueueActions
from triagedesk.tui.screens.role_actions import RoleActions
from triagedesk.tui.widgets.analytics_view import AnalyticsView
from triagedesk.tui.widgets.candidates_pane import CandidatesPane
from triagedesk.tui.widgets.dispatcher_badge import DispatcherBadge
from triagedesk.tui.widgets.escalation_pane import EscalationPane
from triagedesk.tui.widgets.key_bar import KeyBar
from triagedesk.tui.widgets.line_pane import Drawn
from triagedesk.tui.widgets.oncall_pane import OnCallPane
from triagedesk.tui.widgets.queue_view import QueueView
from triagedesk.tui.widgets.timers_pane import TimersPane, TimerSpec

TIMERS_TITLE = "Timers · breached first, then least time left"


class DeskScreen(QueueActions, BulkActions, CoordinatorActions, RoleActions, Screen):
    """One screen for coordinators, experts (their own queue) and leads (opening on Analytics)."""

    BINDINGS = keys.bindings("screen")

    @dataclass
    class QueueLoaded(Message):
        data: QueueData

    @dataclass
    class DetailReady(Message):
        issue_id: str
        detail: loaders.Detail | None
        drawn: Drawn | None = None
        """The Escalation pane's lines for the detail, rendered by the worker."""

    @dataclass
    class TimersReady(Message):
        specs: list[TimerSpec]
        summary: str
        on_call: list[str] = field(default_factory=list)

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, DeskScreen.TimersReady)  # only the newest timers matter

    @dataclass
    class ReportReady(Message):
        days: int
        data: dict[str, Any]

    @dataclass
    class PackageReady(Message):
        issue_id: str
        markdown: str

    @dataclass
    class ActionDone(Message):
        text: str

    @dataclass
    class QueuePatched(Message):
        data: QueueData
        patch: queue_updates.Patch | None

    @dataclass
    class StoreChanged(Message):
        """Another process, live sync or this desk changed the store: reload what is shown."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, DeskScreen.StoreChanged)

    def __init__(self, desk: Desk, settings: Settings, role: str, expert_id: str | None = None,
                 actor: str = "", monotonic: Callable[[], float] = time.monotonic, live: bool = True) -> None:
        super().__init__()
        self.desk = desk
        self.settings = settings
        self.role = role
        self.expert_id = expert_id
        self.actor = actor or person(settings.desk.actor, expert_id if role == "expert" else None)
        self.monotonic = monotonic
        self.live = live
        self.data = QueueData()
        self.spec = self.plain_spec()
        self.current: str | None = None
        self.detail: loaders.Detail | None = None
        self.selection = keys.Selection(tab="analytics" if role == "lead" else "desk")
        self._keys_shown = keys.footprint(role, self.selection)
        self._report_stale = True
        self._report_running = False

    def plain_spec(self, sort: str = "urgency", reverse: bool = False) -> QueueFilter:
        """No filter: every open issue (the expert: their own)."""
        return QueueFilter(sort=sort, reverse=reverse, assignee=MINE if self.role == "expert" else None)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DispatcherBadge(self.desk.dispatcher, id="dispatcher")
        initial = "analytics" if self.role == "lead" else "desk"
        with TabbedContent(initial=initial, id="tabs"):
            with TabPane("Desk", id="desk"):
                with Horizontal(id="desk-body"):
                    with Vertical(id="queue-pane"):
                        yield Input(placeholder="filter: text in id, title, route, status, assignee", id="filter")
                        yield QueueView(id="queue", now_epoch=lambda: self.desk.clock().timestamp(),
                                        holds_highlight=True)
                    with Vertical(id="side"):
                        yield EscalationPane(id="escalation")
                        yield CandidatesPane(id="candidates")
                        with Vertical(id="clocks-column"):
                            yield OnCallPane(id="oncall")
                            yield TimersPane(id="timers", monotonic=self.monotonic, live=self.live)
            with TabPane("Analytics", id="analytics"):
                yield AnalyticsView(days=self.settings.analytics.period_days, id="analytics-view")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self._escalation = self.query_one(EscalationPane)  # the detail's worker renders its lines
        titles = {"queue-pane": "Queue", "escalation": "Escalation", "candidates": "Candidates",
                  "timers": TIMERS_TITLE, "oncall": "On call now · next (O: schedules)"}
        if self.role == "expert":
            titles.update({"queue-pane": f"Queue · {self.expert_id}"})
            self.query_one("#candidates").display = False
        for widget_id, title in titles.items():
            self.query_one(f"#{widget_id}").border_title = literal(title)
        self.query_one("#filter", Input).display = False
        self.query_one(OnCallPane).display = False  # until the first load finds a schedule
        self.query_one(QueueView).restyle(self.app.theme_variables)
        self.query_one(QueueView).markable = self.role == "coordinator"
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.role == "lead":
            self.query_one(AnalyticsView).focus()
        else:
            self.query_one(QueueView).focus()
        self.query_one("#queue-pane").border_subtitle = "loading the store…"
        self.query_one(QueueView).loading = True
        self.reload()

    def _theme_changed(self, _theme: Theme) -> None:
        self.query_one(QueueView).restyle(self.app.theme_variables)
        self.call_after_refresh(self._recolour)  # once the new CSS is applied

    def _recolour(self) -> None:
        """Draw again what took its colours from the theme: the clocks, the urgency, the Candidates' rows."""
        self.query_one(TimersPane).redraw()
        self._escalation.recolour(self.app.theme_variables)
        candidates = self.query_one(CandidatesPane)
        candidates.show(candidates.match)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "report" and event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self._report_running = False  # a failed count does not stop the next one
        if event.worker.group == "detail" and event.state == WorkerState.ERROR and self.current is not None:
            self.detail = None  # not the last issue's decision and candidates under a cursor on another
            self._escalation.show_failure(self.current)
            self.query_one(CandidatesPane).show(None)
            self.query_one(QueueView).show_highlight()
        tell_failure(self, event)

    def on_resize(self) -> None:
        narrow = self.size.width < 110
        self.set_class(narrow, "-narrow")
        self.query_one(KeyBar).compact = narrow  # the keys fit at 80 columns

    # -- what the keys may do now ------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return keys.check(action, parameters, self.role, self.selection)

    def _select(self, footer: bool = True, **changes: Any) -> None:
        """Update what the keys know of the selection; the footer follows, unless `footer` is false (a cursor
        move whose detail is on its way: the footer is redrawn once, when it arrives, not twice a move)."""
        values = {**self.selection.__dict__, **changes}
        self.selection = keys.Selection(**values)
        if footer:
            self._show_keys()

    def _show_keys(self) -> None:
        """Redraw the footer only when what the keys allow differs from what it shows (a recompose and a
        relayout of the footer cost more than the rest of a cursor move)."""
        shown = keys.footprint(self.role, self.selection)
        if shown != self._keys_shown:
            self._keys_shown = shown
            self.refresh_bindings()

    def _selection_of(self, issue_id: str | None) -> dict[str, Any]:
        row = self.data.position(issue_id) if issue_id else None
        if row is None:
            return {"issue_id": None, "status": None, "request_id": None, "holder": "", "session": None, "mine": False,
                    "candidates": 0}
        request_id = self.data.request_id[row]
        status = self.data.status[row] if request_id else None
        holder = self.data.assignee[row] if workflow.is_held(status) else ""
        same = issue_id == self.selection.issue_id
        mine = self.role != "expert" or (bool(self.expert_id) and self.data.assignee_id[row] == self.expert_id)
        return {"issue_id": issue_id, "status": status, "request_id": request_id, "holder": holder, "mine": mine,
                "opens_as": self.desk.opening_status_of(self.data.profile[row]),
                "session": self.selection.session if same else None,
                "acknowledged": self.selection.acknowledged if same else False,
                "awaiting_outcome": self.selection.awaiting_outcome if same else False,
                "candidates": self.selection.candidates if same else 0}

    # -- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Queue first (the timers follow it); the report only while the Analytics tab is open.
        A loaded queue takes only what changed since (its feed of the store's changes), not a reload."""
        if self.data.feed is not None:
            self.update_queue()
        else:
            self.load_queue()
        self._report_stale = True
        if self.query_one(TabbedContent).active == "analytics":
            self._refresh_report()

    def on_desk_screen_store_changed(self, _: StoreChanged) -> None:
        self.reload()
        if self.current:
            self.load_detail(self.current)

    def _refresh_report(self) -> None:
        """Recount the report if the store changed since it was counted, but never two at once: at 100k issues a
        report takes seconds, and changes arriving every second would pile up workers that cannot be stopped."""
        if self._report_stale and not self._report_running:
            self._report_stale = False
            self._report_running = True
            self.load_report(self.query_one(AnalyticsView).days)

    @on(TabbedContent.TabActivated)
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._select(tab=event.pane.id or "desk")
        if event.pane.id == "analytics":
            self._refresh_report()

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False)
    def load_queue(self) -> None:
        data = loaders.queue(self.desk, self.desk.clock())
        order(data, self.spec, self.desk.clock().timestamp(), me=self.expert_id)  # sorted here, not on the UI thread
        self.post_message(self.QueueLoaded(data))
        self.desk.warm()  # the indexes the panes' lookups use, built before the first cursor move needs them
        gc.freeze()  # they live as long as the store: a full collection walking them cost ~150 ms, every few moves

    @work(thread=True, group="queue-update", exit_on_error=False)
    def update_queue(self) -> None:
        data = self.data
        with data.feed.busy:  # patches are posted in the order their changes were drained
            changes = data.feed.drain()
            if changes:
                found = queue_updates.patch(self.desk, data, changes, self.desk.clock())
                self.post_message(self.QueuePatched(data, found))

    @work(thread=True, exclusive=True, group="timers", exit_on_error=False)
    def load_timers(self) -> None:
        expert = self.expert_id if self.role == "expert" else None
        self.post_message(self.TimersReady(*loaders.timers(self.desk, self.settings.desk.timers_shown, expert),
                                           loaders.on_call(self.desk, expert)))

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def load_report(self, days: int) -> None:
        self.post_message(self.ReportReady(days, self.desk.report(days)))

    def load_detail(self, issue_id: str) -> None:
        """Find `issue_id`'s detail on a worker (with the Escalation pane's geometry, read here)."""
        self._detail_worker(issue_id, self._escalation.geometry(), self.app.theme_variables)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _detail_worker(self, issue_id: str, geometry: tuple[Size, bool], colours: dict[str, str]) -> None:
        found = loaders.detail(self.desk, self.data, issue_id, with_match=self.role != "expert")
        drawn = None if found is None else self._escalation.prepare(
            found.issue, found.decision, found.hits, colours, geometry)
        self.post_message(self.DetailReady(issue_id, found, drawn))

    def on_desk_screen_queue_loaded(self, message: QueueLoaded) -> None:
        queue = self.query_one(QueueView)
        if queue.loading:
            queue.loading = False
            if self.role != "lead" and not isinstance(self.focused, Input):
                queue.focus()  # the loading overlay took focus away from the queue
        self.data = message.data
        gc.freeze()  # the loaded queue lives until the next load: keep the collector from walking it
        self.apply_filter(keep=self.current)
        self._select(**self._selection_of(self.current))
        self.load_timers()

    def on_desk_screen_queue_patched(self, message: QueuePatched) -> None:
        if message.data is not self.data:
            return  # a newer load replaced it; its own feed holds these changes
        if message.patch is None:
            self.load_queue()  # too many changes: a full load is cheaper
            return
        if queue_updates.apply(self.data, message.patch):
            self.apply_filter(keep=self.current)
            self._select(**self._selection_of(self.current))
        self.load_timers()

    def on_desk_screen_timers_ready(self, message: TimersReady) -> None:
        self.query_one(TimersPane).show(message.specs, message.summary)
        self.query_one(OnCallPane).show(message.on_call)

    def on_desk_screen_report_ready(self, message: ReportReady) -> None:
        self._report_running = False
        view = self.query_one(AnalyticsView)
        if message.days == view.days:
            view.show(message.data, self.app.theme_variables)
        if self._report_stale and self.query_one(TabbedContent).active == "analytics":
            self._refresh_report()  # what changed while it was counted

    def on_analytics_view_period_changed(self, message: AnalyticsView.PeriodChanged) -> None:
        self.load_report(message.days)

    def on_queue_view_highlighted(self, message: QueueView.Highlighted) -> None:
        changed = message.issue_id != self.current
        self.current = message.issue_id
        self._select(footer=message.issue_id is None, **self._selection_of(message.issue_id))
        if changed:
            self.query_one(EscalationPane).scroll_home(animate=False)
        if message.issue_id is None:
            self.detail = None
            self.query_one(EscalationPane).show(None, None)
            self.query_one(CandidatesPane).show(None)
            self.query_one(QueueView).show_highlight()
            return
        self.load_detail(message.issue_id)

    def on_desk_screen_detail_ready(self, message: DetailReady) -> None:
        if message.issue_id != self.current:
            return  # stale: the cursor has moved on
        self.detail = message.detail
        self.query_one(QueueView).show_highlight()  # the cursor paints in the frame that shows its detail
        if message.detail is None:
            self._show_keys()
            return
        colours = self.app.theme_variables
        self._escalation.show(message.detail.issue, message.detail.decision, message.detail.hits, colours,
                              message.drawn)
        self.query_one(CandidatesPane).show(message.detail.match)
        self._select(session=message.detail.session, opens_as=message.detail.opens_as,
                     acknowledged=message.detail.acknowledged, awaiting_outcome=bool(message.detail.awaiting_outcome),
                     candidates=len(self.query_one(CandidatesPane).candidates))

    def on_timers_pane_breached(self, message: TimersPane.Breached) -> None:
        tell(self, f"SLA breached: {message.label}", severity="error", timeout=8)

    # -- filtering and sorting ------------------------------------------------------------------
    def apply_filter(self, keep: str | None = None, within: Any = None) -> None:
        now = self.desk.clock().timestamp()
        rows = order(self.data, self.spec, now, within, me=self.expert_id)
        what = describe(self.spec)
        if not len(self.data):
            empty = "No open issue."
        elif self.spec == self.plain_spec(self.spec.sort, self.spec.reverse) and self.role == "expert":
            empty = "No open request is assigned to you. A shows the unassigned ones, then every one."
        else:
            empty = f"No open issue matches: {what}. Esc clears the filters."
        queue = self.query_one(QueueView)
        queue.show(self.data, rows, keep, empty_text=empty)
        self.queue_subtitle = f"{len(rows):,} of {len(self.data):,} open · {what}"
        self.show_marks(len(queue.marked))

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        previous = self.spec.text
        self.spec = self.spec.replace(text=event.value)
        narrowing = previous and event.value.lower().startswith(previous.lower())
        self.apply_filter(keep=self.current, within=self.query_one(QueueView).rows if narrowing else None)

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one(QueueView).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.spec = self.plain_spec(self.spec.sort, self.spec.reverse)
        self.apply_filter(keep=self.current)
        self.query_one(QueueView).focus()

    def _respec(self, **changes: Any) -> None:
        self.spec = self.spec.replace(**changes)
        self.apply_filter(keep=self.current)

    def action_cycle_urgency(self) -> None:
        options = [None, *range(len(URGENCIES))]
        self._respec(urgency=options[(options.index(self.spec.urgency) + 1) % len(options)])

    def action_cycle_status(self) -> None:
        self._respec(status=STATUS_FILTERS[(STATUS_FILTERS.index(self.spec.status) + 1) % len(STATUS_FILTERS)])

    def action_cycle_profile(self) -> None:
        options: list[str | None] = [None, *self.desk.profiles()]
        at = options.index(self.spec.profile) if self.spec.profile in options else 0
        self._respec(profile=options[(at + 1) % len(options)])

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self._select(tab=tab)
        if tab == "desk":
            self.query_one(QueueView).focus()
        else:
            self.query_one(AnalyticsView).focus()

    # -- writing ---------------------------------------------------------------------------
    @work(thread=True, group="write", exit_on_error=False)
    def write(self, label: str | Callable[[Any], str], operation: Callable[[], object]) -> None:
        """Run one of the desk's writes off the UI thread; a refusal reaches the app's failure handler.
        `label` is the toast, or makes it from what the write returned (a new issue's id)."""
        result = operation()
        self.post_message(self.ActionDone(label(result) if callable(label) else label))

    def on_desk_screen_action_done(self, message: ActionDone) -> None:
        tell(self, message.text)
        self.reload()
        if self.current:
            self.load_detail(self.current)

    def action_schedules(self) -> None:
        from triagedesk.tui.screens.schedule_screen import ScheduleScreen

        self.app.push_screen(ScheduleScreen(self.desk, self.role, self.actor))

    def action_package(self) -> None:
        if self.current is None:
            tell(self, "Select an issue first.", severity="warning")
            return
        self.load_package(self.current)

    @work(thread=True, exclusive=True, group="package", exit_on_error=False)
    def load_package(self, issue_id: str) -> None:
        self.post_message(self.PackageReady(issue_id, self.desk.package(issue_id)))

    def on_desk_screen_package_ready(self, message: PackageReady) -> None:
        from triagedesk.tui.screens.modals import PackageScreen

        self.app.push_screen(PackageScreen(message.issue_id, message.markdown, self.desk.folder))
