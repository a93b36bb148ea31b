"""The desk: Queue, Escalation, Candidates and Timers panes plus the Analytics tab, for every role."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Header, Input, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from triagedesk.app import memory, queue_updates
from triagedesk.app.desk import Desk
from triagedesk.app.queue import QueueData, order
from triagedesk.display import literal
from triagedesk.domain.models import Candidate
from triagedesk.domain.requests.actions import Actor
from triagedesk.tui import keymap, keys, loaders
from triagedesk.tui.collecting import COLLECTING
from triagedesk.tui.config import Settings
from triagedesk.tui.detail_reloads import DetailReloads
from triagedesk.tui.failures import tell_failure
from triagedesk.tui.giving_way import KEYS
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.bulk_door import BulkDoor
from triagedesk.tui.screens.coordinator_door import CoordinatorDoor
from triagedesk.tui.screens.desk_keys import DOORS, selection_of
from triagedesk.tui.screens.desk_keys import door as _door
from triagedesk.tui.screens.expert_door import ExpertDoor
from triagedesk.tui.screens.lead_door import LeadDoor
from triagedesk.tui.screens.noise_door import NoiseDoor
from triagedesk.tui.screens.power_door import PowerDoor
from triagedesk.tui.screens.queue_controls import QueueControls, plain_spec
from triagedesk.tui.screens.views_door import ViewsDoor
from triagedesk.tui.screens.workflow_door import WorkflowDoor
from triagedesk.tui.ui_idle import UiIdle
from triagedesk.tui.widgets.analytics_view import AnalyticsView
from triagedesk.tui.widgets.candidates_pane import CandidatesPane
from triagedesk.tui.widgets.dispatcher_badge import DispatcherBadge
from triagedesk.tui.widgets.escalation_pane import EscalationPane
from triagedesk.tui.widgets.key_bar import KeyBar
from triagedesk.tui.widgets.line_pane import Drawn
from triagedesk.tui.widgets.maintenance_badge import MaintenanceBadge
from triagedesk.tui.widgets.oncall_pane import OnCallPane
from triagedesk.tui.widgets.queue_view import QueueView
from triagedesk.tui.widgets.timers_pane import TimersPane

TIMERS_TITLE = "Timers · breached first, then least time left"
LOAD_AFTER_IDLE = (0.01, 0.3)
"""A full load, and the warm-up after it, wait until the UI thread has been idle 10 ms, at most 0.3 s (`UiIdle`):
the screen's layout after the first frame (30-60 ms CPU alone) took 2-3 times as long beside the load."""
T = TypeVar("T")


class DeskScreen(Screen[None]):
    """One screen for coordinators, experts (their own queue) and leads (opening on Analytics); its keys are
    taken by typed pieces (`CoordinatorDoor`, `ExpertDoor`, `BulkDoor`, `LeadDoor`, `QueueControls`)."""

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

    def __init__(self, desk: Desk, settings: Settings, role: str, expert_id: str | None, actor: str,
                 live: bool = True) -> None:
        super().__init__()
        self.desk, self.settings, self.role, self.expert_id = desk, settings, role, expert_id
        self.actor = Actor(actor, role, expert_id)  # type: ignore[arg-type]
        self.live = live
        self.data = QueueData()
        self.spec = plain_spec(role)
        self.current: str | None = None
        self.detail: loaders.Detail | None = None
        self.detail_reloads = DetailReloads(self.load_detail)
        self.selection = keys.Selection(tab="analytics" if role == "lead" else "desk")
        self._keys_shown: tuple[bool, ...] | None = None
        self.coordinator, self.expert = CoordinatorDoor(self, door := WorkflowDoor(self)), ExpertDoor(self, door)
        self.bulk_door, self.lead, self.noise_door = BulkDoor(self), LeadDoor(self), NoiseDoor(self)
        self.queue_controls = QueueControls(self)
        self.views = ViewsDoor(self)
        self.power = PowerDoor(self)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DispatcherBadge(self.desk.dispatcher, id="dispatcher")
        yield MaintenanceBadge(self.desk.queries.windows, self.desk.clock, id="maintenance")
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
                            yield TimersPane(id="timers", clock=self.desk.clock, live=self.live)
            with TabPane("Analytics", id="analytics"):
                yield AnalyticsView(self.settings.analytics.period_days, self.desk.queries.report, id="analytics-view")
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
        self.query_one(QueueView).restyle(self.app.theme_variables)
        self.query_one(QueueView).markable = self.role == "coordinator"
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.query_one(AnalyticsView if self.role == "lead" else QueueView).focus()
        self._ui_idle = UiIdle(asyncio.get_running_loop())
        self.query_one("#queue-pane").border_subtitle = "loading the store…"
        self.query_one(QueueView).waiting_for("Loading the store…")  # a line, not Textual's overlay (see below)
        self.reload()

    def _theme_changed(self, _theme: Theme) -> None:
        self.query_one(QueueView).restyle(self.app.theme_variables)
        self.call_after_refresh(self._recolour)  # once the new CSS is applied

    def _recolour(self) -> None:
        """Draw again what took its colours from the theme: the clocks, the urgency, the Candidates' rows."""
        self.query_one(TimersPane).redraw()
        self._escalation.recolour(self.app.theme_variables)
        (candidates := self.query_one(CandidatesPane)).show(candidates.match)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "detail" and event.state == WorkerState.ERROR and self.current is not None:
            self.detail = None  # not the last issue's decision and candidates under a cursor on another
            self.detail_reloads.failed()
            self._escalation.show_failure(self.current)
            self.query_one(CandidatesPane).show(None)
            self.query_one(QueueView).show_highlight()
            self._select(candidates=0)  # the key bar offers only what works without the detail
        if event.worker.group == "queue" and event.state == WorkerState.ERROR and not self.data.ids:
            self.query_one(QueueView).empty_text = f"The queue could not be loaded: {event.worker.error}"
        tell_failure(self, event)

    def on_resize(self) -> None:
        self.set_class(narrow := self.size.width < 110, "-narrow")
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
        """Redraw the key bar only when what the keys allow differs from what it shows."""
        shown = keys.footprint(self.role, self.selection, self.expert_id)
        if shown != self._keys_shown:
            self._keys_shown = shown
            bar = keys.bar(self.role, self.selection, self.expert_id)
            mapped = getattr(self.app, "keymap", keymap.DEFAULT)
            self.query_one(KeyBar).show([(mapped.key(k).split(",")[0], self.app.get_key_display(
                Binding(mapped.key(k), k.action)), k.label) for k in bar])

    def _selection_of(self, issue_id: str | None) -> dict[str, Any]:
        return selection_of(self.data, issue_id, self.selection, self.role, self.expert_id,
                            self.desk.engine.opening_status_of)

    # -- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Queue first (the timers follow it), the report only while Analytics is open; a loaded queue: its patch."""
        if self.data.feed is not None:
            self.update_queue()
        else:
            self.load_queue()
        self.query_one(AnalyticsView).changed(self.query_one(TabbedContent).active == "analytics")

    def on_desk_screen_store_changed(self, _: StoreChanged) -> None:
        self.reload()
        self.detail_reloads.changed(self.current)

    @on(TabbedContent.TabActivated)
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._select(tab=event.pane.id or "desk")
        view = self.query_one(AnalyticsView)
        view.shown = event.pane.id == "analytics"
        view.recount()

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False)
    def load_queue(self) -> None:
        worker = get_current_worker()  # replaced by a newer load while it waits for the UI: it stops (`loaders.load`)
        loaders.load(self.desk, self.desk.clock(), lambda data: order(data, self.spec, self.desk.clock().timestamp(),
                     me=self.expert_id), lambda data: self.post_message(self.QueueLoaded(data)),
                     lambda: self._ui_idle.wait(*LOAD_AFTER_IDLE), lambda: not worker.is_cancelled)

    @work(thread=True, group="queue-update", exit_on_error=False)
    def update_queue(self) -> None:
        with (data := self.data).feed.busy:  # patches are posted in the order their changes were drained
            drained, found = loaders.patch(self.desk, data)
            if drained:
                self.post_message(self.QueuePatched(data, found))

    def load_timers(self) -> None:
        desk, shown, expert = self.desk, self.settings.desk.timers_shown, self.expert_id if self.role == "expert" \
            else None
        self.query_one(TimersPane).load(lambda: loaders.timers(desk, shown, expert, KEYS.letting_keys_pass(1.0)))
        self.query_one(OnCallPane).load(lambda: loaders.on_call(desk, expert))

    def load_detail(self, issue_id: str, as_caught_up: bool = False) -> None:
        """Find `issue_id`'s detail on a worker (the Escalation pane's geometry read here); `as_caught_up`: a
        key's while a watcher follows the store (`Desk.as_caught_up`: no catch-up in the key's wait, the watcher
        catches up within its round and the change finds this detail again; a change's own reload reads anew)."""
        self.detail_reloads.asked(issue_id)
        self._detail_worker(issue_id, self._escalation.geometry(), self.app.theme_variables, as_caught_up)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _detail_worker(self, issue_id: str, geometry: tuple[Size, bool], colours: dict[str, str],
                       as_caught_up: bool) -> None:
        worker, expert = get_current_worker(), self.expert_id if self.role == "expert" else None
        with self.desk.as_caught_up() if as_caught_up else nullcontext(), suppress(loaders.Superseded):  # moved on
            for found in loaders.details(self.desk, self.data, issue_id, self.role != "expert", expert,
                                         lambda: self.current == issue_id and not worker.is_cancelled):
                drawn = None if found is None else self._escalation.prepare(
                    found.issue, found.decision, found.hits, colours, geometry)
                self.post_message(self.DetailReady(issue_id, found, drawn))

    def on_desk_screen_queue_loaded(self, message: QueueLoaded) -> None:
        # No `loading` overlay to take off here: at 1M, its removal laid the whole screen out again and held the
        # app's messages ~50 ms just as the queue came, so the first key waited (and its animation drew all along)
        queue = self.query_one(QueueView)
        self.data = message.data
        queue.waiting = False  # the filter's line from now on
        memory.keep_loaded()  # the loaded queue lives until the next load
        self.apply_filter(keep=queue.current_issue() or self.current)  # the cursor's (`current` lags a key's move)
        self._select(**self._selection_of(self.current))
        if queue.current_issue() == self.current:  # a detail found on the change read the row as loaded before
            self.detail_reloads.changed(self.current)
        self.load_timers()

    def on_desk_screen_queue_patched(self, message: QueuePatched) -> None:
        if message.data is not self.data:
            return  # a newer load replaced it; its own feed holds these changes
        if message.patch is None:
            self.load_queue()  # too many changes: a full load is cheaper
            return
        keep, applied = self.query_one(QueueView).current_issue(), queue_updates.apply(self.data, message.patch)
        if applied:  # `keep`, the cursor's issue: a key's move reaches `self.current` a few turns later
            self.apply_filter(keep=keep, changed=(changed := {*message.patch.rows.ids, *message.patch.gone}))
            self._select(**self._selection_of(self.current))
            if self.current in changed:  # a detail found meanwhile may have read the row's model before the patch
                self.detail_reloads.changed(self.current)
        self.load_timers()

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
        self.load_detail(message.issue_id, as_caught_up=getattr(self.app, "follow_store", False))

    def on_desk_screen_detail_ready(self, message: DetailReady) -> None:
        if message.issue_id != self.current:
            return  # stale: the cursor has moved on
        self.detail_reloads.shown(message.issue_id, message.detail is None or not message.detail.partial)
        self.detail = message.detail
        # the cursor paints in the frame that shows its detail; then the workers waiting while a key is pending go on
        self.query_one(QueueView).show_highlight(then=COLLECTING.served)
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

    # -- filtering (QueueControls does it) ----------------------------------------------------
    def apply_filter(self, keep: str | None = None, within: Any = None, changed: Collection[str] | None = None) -> None:
        self.queue_controls.apply_filter(keep, within, changed)

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.queue_controls.filter_changed(event.value)

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one(QueueView).focus()

    def _show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self._select(tab=tab)
        self.query_one(QueueView if tab == "desk" else AnalyticsView).focus()

    # -- writing ---------------------------------------------------------------------------
    @work(thread=True, group="write", exit_on_error=False)
    def write(self, label: str | Callable[[Any], str], operation: Callable[[], object]) -> None:
        """Run one of the desk's writes off the UI thread; a refusal reaches the app's failure handler.
        `label` is the toast, or makes it from what the write returned (a new issue's id)."""
        result = operation()
        self.post_message(self.ActionDone(label(result) if callable(label) else label))

    def on_desk_screen_action_done(self, message: ActionDone) -> None:
        tell(self, message.text)
        self.on_desk_screen_store_changed(self.StoreChanged())

    # -- what the pieces need of the screen (DeskHost) ------------------------------------------
    def push(self, screen: Screen[Any], then: Callable[[Any], None] | None = None) -> None:
        self.app.push_screen(screen, then)

    @work(thread=True, group="door", exit_on_error=False)
    def background(self, job: Callable[[], T], then: Callable[[T], None]) -> None:
        result = job()
        self.app.call_from_thread(then, result)

    def queue_view(self) -> QueueView:
        return self.query_one(QueueView)

    def filter_box(self) -> Input:
        return self.query_one("#filter", Input)

    def analytics_days(self) -> int:
        return self.query_one(AnalyticsView).days

    def queue_subtitle(self, text: Text) -> None:
        self.query_one("#queue-pane").border_subtitle = text

    def candidates(self) -> list[Candidate]:
        return list(self.query_one(CandidatesPane).candidates)

    def marked_rows(self) -> list[str]:
        return self.query_one(QueueView).marked_in_order()

    def unmark(self, done: set[str]) -> None:
        queue = self.query_one(QueueView)
        queue.set_marks(queue.marked - done)  # the skipped stay marked, to be seen

    def on_queue_view_marks_changed(self, message: QueueView.MarksChanged) -> None:
        self.queue_controls.show_marks(message.count)
        self._select(marked=message.count)

    def on_queue_view_sort_asked(self, message: QueueView.SortAsked) -> None:
        self.queue_controls.sort_by(message.column)


for _name, _piece, _method in DOORS:  # each key's action: the table's answer, then the piece that takes it
    setattr(DeskScreen, f"action_{_name}", _door(_name, _piece, _method))
