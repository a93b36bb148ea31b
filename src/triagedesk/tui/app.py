"""The Textual app: themes, settings, the store's live changes, workers' failures, the command palette."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from triagedesk import __version__
from triagedesk.app.actor import person
from triagedesk.app.desk import Desk
from triagedesk.domain.errors import UserError
from triagedesk.domain.records import AuditEntry, utcnow
from triagedesk.store.repositories import model_fields
from triagedesk.store.repositories import Store
from triagedesk.store.watch import ChangeWatcher
from triagedesk.tui.config import Settings, load_settings, save_settings
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.sync.client import Remote
from triagedesk.tui.live_sync import LiveSync, SyncStatus
from triagedesk.tui.screens.modals import ConflictsScreen, HelpScreen
from triagedesk.tui.themes import DEFAULT_THEME, load_themes

HELP: list[tuple[str, list[tuple[str, str]]]] = [
    ("Queue", [("↑ ↓ j k", "move"), ("PgUp PgDn", "page"), ("Home End g G", "first / last"),
               ("/", "filter by text (Enter returns to the queue)"), ("Esc", "clear every filter"),
               ("u", "cycle the urgency filter"), ("f", "cycle the status filter"), ("p", "cycle the profile filter"),
               ("A", "cycle the assignee filter: unassigned, mine, each expert"),
               ("v", "sort by a column (again: reversed); a click on a column name too"),
               ("S / V", "save the view (filters + sort) / open a saved view"),
               ("Space, shift+↑↓, *", "mark a row, mark while moving, mark every row shown"),
               ("M", "act on the marked rows: assign, escalate or cancel them at once"), ("Tab", "next pane")]),
    ("Coordinator", [("1-5", "assign the Nth candidate (confirm, optional note)"), ("r", "reassign to the next candidate"),
                     ("e", "escalate to a senior expert"), ("w", "wait for the requester / resume (pauses the SLA)"),
                     ("$", "record payment"), ("x", "cancel the request"), ("n", "new issue"),
                     ("m", "escalation package with its messages (ctrl+s saves it)")]),
    ("Expert", [("s", "start a session"), ("Space", "pause / resume the session"), ("E", "end the session"),
                ("o", "record the outcome"), ("c", "record a correction"), ("w", "wait / resume"), ("m", "package")]),
    ("Everywhere", [("a / d", "Analytics / Desk tab"), ("< >", "analytics period 7 / 30 / 90 days"),
                    ("b", "backtest a changed profile over the stored history"),
                    ("t", "next theme (saved)"), ("C", "sync conflicts, with the losing revisions"),
                    ("ctrl+r", "reload from the store"), ("ctrl+p", "command palette"),
                    ("?", "this help"), ("q", "quit")]),
]


class TriageDeskApp(App):
    """The triage desk over one store, for one role."""

    CSS_PATH = "app.tcss"
    TITLE = "triagedesk"
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("t", "next_theme", "Theme", show=False),
        Binding("C", "conflicts", "Conflicts", show=False),
        Binding("ctrl+r", "reload", "Reload", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, store: Store, role: str = "coordinator", expert_id: str | None = None,
                 profile: str | None = None, clock: Callable[[], datetime] = utcnow,
                 monotonic: Callable[[], float] = time.monotonic, live: bool = True, watch: bool = True,
                 sync_remote: Remote | None = None) -> None:
        super().__init__()
        self.store = store
        self.role = role
        self.expert_id = expert_id
        self.clock = clock
        self.monotonic = monotonic
        self.live = live
        self.watch = watch
        self.desk = Desk(store, clock=clock, profile_override=profile)
        self.settings, self._settings_problem = load_settings()
        self.actor = person(self.settings.desk.actor, expert_id if role == "expert" else None)
        self._watcher: ChangeWatcher | None = None
        self._pending_refresh = False
        self.sync_remote = sync_remote
        self._sync: LiveSync | None = None
        self._sync_error = ""  # the sync error last told in a notification (the header always shows it)
        self._base_subtitle = ""

    def on_mount(self) -> None:
        themes, problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        for problem in problems:
            self.notify(f"Theme skipped: {problem}", severity="warning", timeout=10)
        if self._settings_problem:
            self.notify(self._settings_problem, severity="warning", timeout=10)
        wanted = self.settings.theme
        if wanted not in self.available_themes:
            self.notify(f"Unknown theme {wanted!r}; using {DEFAULT_THEME}", severity="warning")
            wanted = DEFAULT_THEME
        self.theme = wanted
        who = f" · {self.expert_id}" if self.expert_id else ""
        self._base_subtitle = f"{self.role}{who} · {self.store.path.parent.name}/{self.store.path.name}"
        self.sub_title = self._base_subtitle
        if self.sync_remote is not None:
            self.sub_title = f"{self._base_subtitle} · sync starting with {self.sync_remote.shown}"
            self._sync = LiveSync(self.store, self.sync_remote, self.clock, self._from_sync_thread).start()
        self.push_screen(DeskScreen(self.role, self.expert_id))
        if self.watch:
            self._watcher = ChangeWatcher(self.store, self._changed_elsewhere, self.settings.desk.refresh_seconds,
                                          on_error=lambda exc: self.call_from_thread(self.notify, str(exc), severity="error"))
            self._watcher.start()

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        if self._sync is not None:
            self._sync.stop()

    def _from_sync_thread(self, status: SyncStatus, changed: bool) -> None:
        """On the sync thread: hand the status to the UI thread, unless the desk is closing."""
        if self._sync is None or self._sync.stopped or not self.is_running:
            return
        try:
            self.call_from_thread(self._sync_status, status, changed)
        except RuntimeError:
            pass  # the event loop closed between the check and the call

    def _sync_status(self, status: SyncStatus, changed: bool) -> None:
        self.sub_title = f"{self._base_subtitle} · {status.line()}"
        if status.error and status.error != self._sync_error:  # once per new error, not every retry
            self.notify(f"Sync: {status.error}", severity="error", timeout=6)
        elif self._sync_error and not status.error:
            self.notify("Sync: back in step with the server", timeout=4)
        self._sync_error = status.error
        if changed:  # written by this process: the watcher, which catches up on other processes, never sees it
            self._refresh_panes()

    def action_conflicts(self) -> None:
        entries = [AuditEntry.model_validate(model_fields(d)) for d in self.store.audit_log.raw()
                   if d.get("action") == "sync_conflict"]
        self.push_screen(ConflictsScreen(sorted(entries, key=lambda e: e.at, reverse=True)))

    def _changed_elsewhere(self, changed: set[tuple[str, str]]) -> None:
        """On the watcher thread: refresh the panes once, on the UI thread."""
        if not self._pending_refresh:
            self._pending_refresh = True
            self.call_from_thread(self._refresh_panes)

    def _refresh_panes(self) -> None:
        self._pending_refresh = False
        screen = self.screen_stack[1] if len(self.screen_stack) > 1 else self.screen
        if isinstance(screen, DeskScreen):
            screen.reload()
            if screen.current:
                screen.load_detail(screen.current)

    def watch_theme(self, theme: str) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, DeskScreen) and screen.is_mounted:
                from triagedesk.tui.widgets.queue_view import QueueView

                screen.query_one(QueueView).restyle(self.theme_variables)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification is plain text, whatever the caller asks: they carry issue ids, expert names,
        file paths and server answers, which are data (`[/]` in a name would otherwise break the toast)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one handler for workers' failures: a user's mistake is a notice, anything else is reported."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, UserError):
            self.notify(str(error), severity="error", timeout=8)
        else:
            self.notify(f"Unexpected error: {type(error).__name__}: {error}", severity="error", timeout=12)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(HELP))

    def action_next_theme(self) -> None:
        names = sorted(self.available_themes)
        ours = [n for n in names if n.startswith("triagedesk")] + [n for n in names if not n.startswith("triagedesk")]
        self.theme = ours[(ours.index(self.theme) + 1) % len(ours)] if self.theme in ours else ours[0]
        self._remember_theme()
        self.notify(f"Theme: {self.theme}")

    def _remember_theme(self) -> None:
        if self.settings.theme == self.theme:
            return
        self.settings = Settings.model_validate({**self.settings.model_dump(), "theme": self.theme})
        try:
            save_settings(self.settings)
        except OSError as exc:
            self.notify(f"Could not save the theme choice: {exc}", severity="warning")

    def action_reload(self) -> None:
        self._refresh_panes()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Every key of the desk", self.action_help)
        yield SystemCommand("Reload", "Reload the panes from the store", self.action_reload)
        yield SystemCommand("Next theme", "Switch to the next theme and remember it", self.action_next_theme)
        yield SystemCommand("Sync conflicts", "Every conflict sync resolved, with the losing revision", self.action_conflicts)
        if isinstance(screen, DeskScreen):
            actions = [("Filter", "Filter the queue by text", "filter"), ("Clear filters", "Show every open issue", "clear_filter"),
                       ("Cycle urgency filter", "critical, high, medium, low, all", "cycle_urgency"),
                       ("Cycle status filter", "new, pending, assigned, in review, waiting, all", "cycle_status"),
                       ("Cycle profile filter", "infrastructure, appraisal, all", "cycle_profile"),
                       ("Sort", "Sort by any column (the same again: reversed)", "sort_menu"),
                       ("Cycle assignee filter", "unassigned, mine, each expert, all", "cycle_assignee"),
                       ("Save view", "Save the filters and sort under a name", "save_view"),
                       ("Open saved view", "A saved set of filters and sort", "open_view"),
                       ("Analytics", "The lead's charts", "show_tab('analytics')"), ("Desk", "The four panes", "show_tab('desk')"),
                       ("Backtest a profile", "Replay a changed profile over the stored history", "backtest"),
                       ("Package", "The escalation package of the selected issue", "package")]
            if self.role == "coordinator":
                actions += [(f"Assign candidate {n}", f"Assign the selected issue to candidate #{n}", f"assign({n})") for n in range(1, 6)]
                actions += [("Reassign", "Reassign to the next candidate", "reassign"),
                            ("Escalate to senior", "Reassign to a senior expert", "senior"),
                            ("Wait / resume", "Pause or resume the SLA clock", "wait_resume"),
                            ("Record payment", "Mark the request paid", "pay"),
                            ("Cancel request", "Cancel the selected issue's request", "cancel_request"),
                            ("New issue", "Open the intake form", "new_issue"),
                            ("Bulk action on marked rows", "Assign, escalate or cancel every marked issue", "bulk")]
            if self.role == "expert":
                actions += [("Start session", "Start a session on the selected request", "start_session"),
                            ("Pause / resume session", "", "toggle_session"), ("End session", "", "end_session"),
                            ("Record outcome", "", "outcome"), ("Record correction", "", "correction"),
                            ("Wait / resume", "Pause or resume the SLA clock", "wait_resume")]
            for title, help_text, action in actions:
                yield SystemCommand(title, help_text or title, _runner(screen, action))


def _runner(screen: Screen, action: str) -> Callable[[], object]:
    return lambda: screen.run_action(action)


__all__ = ["TriageDeskApp", "__version__"]
