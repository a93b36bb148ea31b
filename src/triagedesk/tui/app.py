"""The Textual app: themes, settings, the store's live changes, workers' failures, the command palette."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from textual import events, work
from textual.app import App, SystemCommand
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker

from triagedesk import __version__
from triagedesk.app.actor import person
from triagedesk.app.desk import Desk, Follower
from triagedesk.app.dispatching import ACTOR as DISPATCHER_NAME
from triagedesk.domain.records import AuditEntry
from triagedesk.sync.client import Remote
from triagedesk.tui import keymap, keys
from triagedesk.tui.collecting import COLLECTING
from triagedesk.tui.config import NotSaved, Settings, read_settings, save_settings
from triagedesk.tui.failures import tell_failure
from triagedesk.tui.giving_way import KEYS
from triagedesk.tui.live_sync import LiveSync, SyncStatus
from triagedesk.tui.notices import NoticeLog, tell
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.screens.key_tester import KeyTesterScreen
from triagedesk.tui.screens.modals import ConflictsScreen, HelpScreen
from triagedesk.tui.screens.notices_screen import NoticesScreen
from triagedesk.tui.screens.rejected_screen import RejectedScreen
from triagedesk.tui.themes import DEFAULT_THEME, load_themes

SWITCH_INTERVAL = 0.001
"""Seconds a thread holding the GIL keeps it while the UI thread asks for it (Python's default is 0.005). The UI
thread gives the GIL up at every wait of its loop and asks for it again, many times a frame; against a worker that
builds an index or loads the queue each ask waited up to 5 ms (issue #24: a key's repaint held 100-300 ms)."""

KEPT_BY_TEXTUAL = frozenset({"command_palette", "quit", "help_quit"})
"""The actions of the keys Textual binds itself (`keymap.FRAMEWORK_KEYS`)."""


class TriageDeskApp(App):
    """The triage desk over one store, for one role."""

    CSS_PATH = "app.tcss"
    TITLE = "triagedesk"
    BINDINGS = keys.bindings("app")

    def __init__(self, desk: Desk, role: str = "coordinator", expert_id: str | None = None,
                 live: bool = True, watch: bool = True,
                 sync_remote: Remote | None = None) -> None:
        super().__init__()
        self.role = role
        self.expert_id = expert_id
        self.clock = desk.clock
        self.live = live
        self.follow_store = watch
        self.desk = desk
        loaded = read_settings()
        self.settings, self._settings_problems = loaded.settings, loaded.problems
        self._config_unreadable = loaded.unreadable  # then config.toml is never written this run
        self._unsaved_told = False
        self.keymap = keymap.build(self.settings.keys)
        self.actor = person(self.settings.desk.actor, expert_id if role == "expert" else None)
        self._watcher: Follower | None = None
        self._pending_refresh = False
        self.sync_remote = sync_remote
        self._sync: LiveSync | None = None
        self._sync_error = ""  # the sync error last told in a notification (the header always shows it)
        self._base_subtitle = ""
        self.our_themes: list[str] = []
        self.notice_log = NoticeLog(self.clock)
        self._switch_interval = sys.getswitchinterval()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            KEYS.pressed()  # the desk's background work gives way while keys come
        await super().on_event(event)

    COLLECT_EVERY = 0.025
    """Seconds between two looks at whether a collection is due while no key comes (`Collecting.tick`)."""

    def on_mount(self) -> None:
        sys.setswitchinterval(min(self._switch_interval, SWITCH_INTERVAL))
        COLLECTING.start()  # no collection lands in a key's wait: the desk runs them between keys
        self.set_interval(self.COLLECT_EVERY, COLLECTING.tick)
        self.desk.records.on_skipped(self._skipped_record)
        themes, problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        self.our_themes = [t.name for t in themes]
        for problem in problems:
            tell(self, f"Theme skipped: {problem}", severity="warning", timeout=10)
        if self._settings_problems:
            tell(self, "; ".join(self._settings_problems), severity="warning", timeout=10)
        self.set_keymap(self.keymap.textual())
        if self.keymap.problems:  # one notice for them all; those actions keep the table's keys
            tell(self, "Your keys: " + "; ".join(self.keymap.problems), severity="warning", timeout=12)
        wanted = self.settings.theme
        if wanted not in self.our_themes:
            tell(self, f"Unknown theme {wanted!r}; using {DEFAULT_THEME}", severity="warning")
            wanted = DEFAULT_THEME
        if not self._apply_theme(wanted) and wanted != DEFAULT_THEME:
            self._apply_theme(DEFAULT_THEME)
        who = f" · {self.expert_id}" if self.expert_id else ""
        self._base_subtitle = f"{self.role}{who} · {self.desk.where}"
        self.sub_title = self._base_subtitle
        if self.sync_remote is not None:
            self.sub_title = f"{self._base_subtitle} · sync starting with {self.sync_remote.shown}"
            self._sync = LiveSync(self.desk, self.sync_remote, self.clock, self._from_sync_thread).start()
        self.push_screen(DeskScreen(self.desk, self.settings, self.role, self.expert_id, self.actor, self.live))
        if self.follow_store:
            self._watcher = self.desk.records.follow(
                self._changed_elsewhere, self.settings.desk.refresh_seconds,
                on_error=lambda exc: self.call_from_thread(tell, self, str(exc), severity="error"))
            self.set_interval(0.5, self.show_lag)

    LAG_SHOWN = 1.0
    """Seconds behind the store (changes noticed, not yet handed to the panes) from which the subtitle says so."""

    def show_lag(self) -> None:
        """Say in the subtitle how far behind the store the desk is, while it is (`· behind the store by N s`)."""
        lag = self._watcher.lag() if self._watcher is not None else 0.0
        base = self.sub_title.split(" · behind the store by ")[0]
        self.sub_title = base + (f" · behind the store by {lag:.0f} s" if lag >= self.LAG_SHOWN else "")

    def on_unmount(self) -> None:
        self.desk.closing()  # the workers' long work stops at its next step: the process ends without waiting
        sys.setswitchinterval(self._switch_interval)
        COLLECTING.stop()
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
            tell(self, f"Sync: {status.error}", severity="error", timeout=6)
        elif self._sync_error and not status.error:
            tell(self, "Sync: back in step with the server", timeout=4)
        self._sync_error = status.error
        for told in status.told[:5]:  # each rejected or refused document once (R lists them all)
            tell(self, told[:300], severity="warning", timeout=8)
        if changed:  # written by this process: the watcher, which catches up on other processes, never sees it
            self._refresh_panes()

    def action_conflicts(self) -> None:
        self.load_conflicts()

    @work(thread=True, exclusive=True, group="conflicts", exit_on_error=False)
    def load_conflicts(self) -> None:
        """The whole audit log is read off the UI thread."""
        self.post_message(self.ConflictsLoaded(self.desk.queries.sync_conflicts()))

    @dataclass
    class ConflictsLoaded(Message):
        entries: list[AuditEntry]

    def on_triage_desk_app_conflicts_loaded(self, message: ConflictsLoaded) -> None:
        self.push_screen(ConflictsScreen(message.entries))

    def _skipped_record(self, notice: str) -> None:
        """A record the models cannot load was left out (from a worker thread, or this one)."""
        tell(self, notice[:300], severity="warning", timeout=12)  # notify is thread-safe

    def action_rejected(self) -> None:
        self.load_rejected()

    @work(thread=True, exclusive=True, group="rejected", exit_on_error=False)
    def load_rejected(self) -> None:
        self.post_message(self.RejectedLoaded(self.desk.records.rejected()))

    @dataclass
    class RejectedLoaded(Message):
        entries: list[dict]

    def on_triage_desk_app_rejected_loaded(self, message: RejectedLoaded) -> None:
        self.push_screen(RejectedScreen(message.entries))

    def _changed_elsewhere(self, changed: set[tuple[str, str]]) -> None:
        """On the watcher thread: refresh the panes once, on the UI thread."""
        if not self._pending_refresh:
            self._pending_refresh = True
            self.call_from_thread(self._refresh_panes)

    def _refresh_panes(self) -> None:
        """Tell every desk screen the store changed; each reloads what it shows."""
        self._pending_refresh = False
        for screen in self.screen_stack:
            if isinstance(screen, DeskScreen):
                screen.post_message(DeskScreen.StoreChanged())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        tell_failure(self, event)

    def action_notices(self) -> None:
        self.load_notices()

    @work(thread=True, exclusive=True, group="notices", exit_on_error=False)
    def load_notices(self) -> None:
        """The dispatcher's actions are read from the audit log off the UI thread."""
        found = self.desk.queries.actions_by(DISPATCHER_NAME)
        self.call_from_thread(self._show_notices, found)

    def _show_notices(self, dispatcher: list[AuditEntry]) -> None:
        self.push_screen(NoticesScreen(self.notice_log.all(), dispatcher))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the key tester is open, Textual's own priority keys (the palette's, quit) reach it as keys: it
        names them instead of opening the palette or quitting (Esc twice closes it)."""
        if isinstance(self.screen, KeyTesterScreen) and action in KEPT_BY_TEXTUAL:
            return False
        return True

    def action_key_tester(self) -> None:
        self.push_screen(KeyTesterScreen(self.keymap, self.role))

    def open_schedules(self) -> None:
        """The on-call schedules: a week grid per schedule; `o` adds an override (the desk's `O`)."""
        from triagedesk.tui.screens.schedule_screen import ScheduleScreen

        self.push_screen(ScheduleScreen(self.desk, self.role, self.actor))

    def action_help(self) -> None:
        self.push_screen(HelpScreen(keys.help_sections(self.role, self.keymap.shown)))

    def _apply_theme(self, name: str) -> bool:
        """Switch to a theme; one that fails to apply leaves the previous one, with a notice."""
        previous = self.theme
        try:
            self.theme = name
            self.refresh_css()
        except Exception as exc:  # a theme Textual cannot apply (a bad colour) is the user's file, not a crash
            self.theme = previous
            tell(self, f"Theme {name!r} could not be applied ({exc}); keeping {previous}", severity="warning")
            return False
        return True

    def action_next_theme(self) -> None:
        """The next of the shipped and the user's themes (never Textual's built-ins); saved once it applied."""
        ours = self.our_themes or [DEFAULT_THEME]
        wanted = ours[(ours.index(self.theme) + 1) % len(ours)] if self.theme in ours else ours[0]
        if self._apply_theme(wanted):
            self._remember_theme()
            tell(self, f"Theme: {self.theme}")

    def _remember_theme(self) -> None:
        if self.settings.theme == self.theme:
            return
        self.keep_settings(self.settings.model_copy(update={"theme": self.theme}))

    def keep_settings(self, settings: Settings) -> bool:
        """Take these settings for this run and write what changed into config.toml (nothing else in it is
        touched). A file that could not be read at start, or has an error now, is never written over: said once,
        and the change is kept for this run only. False when the file was not written."""
        base, self.settings = self.settings, settings
        reason = self._config_unreadable
        if reason is None:
            try:
                save_settings(settings, base)
                return True
            except NotSaved as exc:
                reason = str(exc)
            except OSError as exc:
                tell(self, f"Could not save the settings: {exc}", severity="warning")
                return False
        if not self._unsaved_told:
            self._unsaved_told = True
            tell(self, f"{reason}: the file has an error, so the desk does not write it; "
                       "the change is kept for this run only", severity="warning", timeout=12)
        return False

    def action_reload(self) -> None:
        self._refresh_panes()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Our commands only (Textual's own entries do nothing here), each with its key: the key table's rows legal
        now, app-wide ones too."""
        selection = screen.selection if isinstance(screen, DeskScreen) else keys.Selection(tab="other")
        for row in keys.KEYS:
            if not row.palette and row.name != "quit" or self.role not in row.roles:
                continue
            if row.scope == "screen" and (not isinstance(screen, DeskScreen) or keys.refusal(
                    row, row.params(), self.role, selection, self.expert_id) is not None):
                continue
            target: App[object] | Screen[object] = self if row.scope == "app" else screen
            help_text = f"{row.help[:1].upper()}{row.help[1:]} · {self.keymap.shown(row)}"
            yield SystemCommand(row.label, help_text, _runner(target, row.action))


def _runner(target: App[object] | Screen[object], action: str) -> Callable[[], object]:
    """A palette command runs the key's action where its key would (Textual's own `run_action`)."""
    return lambda: target.run_action(action)


__all__ = ["TriageDeskApp", "__version__"]
