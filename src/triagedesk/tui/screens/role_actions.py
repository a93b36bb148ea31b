"""Actions of the expert (sessions, outcomes, corrections) and the lead (backtest), mixed into the desk."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from triagedesk.tui import loaders
from triagedesk.tui.screens.forms import CorrectionForm, OutcomeForm
from triagedesk.tui.screens.modals import BacktestScreen, PromptScreen
from triagedesk.tui.widgets.analytics_view import AnalyticsView

if TYPE_CHECKING:
    from triagedesk.tui.app import TriageDeskApp


class RoleActions:
    """Needs the desk screen's `desk_app`, `_request_id`, `run_action`, `query_one`, `notify`, `app`."""

    desk_app: TriageDeskApp

    def action_backtest(self) -> None:
        """Replay a changed profile over the stored history (the lead's rule tuning)."""
        def chosen(source: str | None) -> None:
            if source:
                self.run_backtest(source, self.query_one(AnalyticsView).days)

        self.app.push_screen(PromptScreen("Backtest which profile? (a name or a path to a TOML file)",
                                          "e.g. ~/tuned-infrastructure.toml", "infrastructure"), chosen)

    @work(thread=True, exclusive=True, group="backtest")
    def run_backtest(self, source: str, days: int) -> None:
        from triagedesk.domain.scoring.backtest import backtest
        from triagedesk.domain.scoring.escalation import Scorer
        from triagedesk.resources import load_profile

        desk = self.desk_app.desk
        candidate = Scorer(load_profile(source))
        store = desk.store
        result = backtest(store.issues.all(), store.requests.all(), store.corrections.all(),
                          desk.scorer(candidate.profile.name), candidate, desk.clock(), days)
        self.post_message(loaders.BacktestReady(source, result.as_dict()))

    def on_backtest_ready(self, message: loaders.BacktestReady) -> None:
        self.app.push_screen(BacktestScreen(message.source, message.result))

    # -- expert actions ------------------------------------------------------------------------
    def _session(self) -> Any:
        app = self.desk_app
        request_id = self._request_id()
        if request_id is None:
            return None, None
        return request_id, app.desk.running_session(request_id)

    def action_start_session(self) -> None:
        request_id, running = self._session()
        if not request_id:
            return
        if running is not None:
            self.notify("A session is already running.", severity="warning")
            return
        app = self.desk_app
        self.run_action(f"session started on {request_id}", lambda: app.desk.start_session(request_id, app.actor))

    def action_toggle_session(self) -> None:
        _, running = self._session()
        if running is None:
            self.notify("No running session: press s to start one.", severity="warning")
            return
        move = "resume" if running.status == "paused" else "pause"
        app = self.desk_app
        self.run_action(f"session {move}d", lambda: app.desk.session_move(running.id, move, app.actor))

    def action_end_session(self) -> None:
        _, running = self._session()
        if running is None:
            self.notify("No running session.", severity="warning")
            return
        app = self.desk_app
        self.run_action("session ended", lambda: app.desk.session_move(running.id, "end", app.actor))

    def action_outcome(self) -> None:
        _, running = self._session()
        if running is None:
            self.notify("Start a session (s) before recording its outcome.", severity="warning")
            return
        app = self.desk_app

        def save(values: Any) -> None:
            if values is not None:
                self.run_action("outcome recorded", lambda: app.desk.record_outcome(
                    running.id, app.actor, values.resolution_achieved, values.recommendations, values.actions_taken,
                    values.knowledge_gained, values.follow_up_needed, values.rating))

        self.app.push_screen(OutcomeForm(), save)

    def action_correction(self) -> None:
        request_id = self._request_id()
        if not request_id:
            return
        app = self.desk_app

        def save(values: Any) -> None:
            if values is not None:
                self.run_action("correction recorded", lambda: app.desk.record_correction(
                    request_id, app.actor, values.field, values.original_value, values.corrected_value,
                    values.explanation, values.confidence))

        self.app.push_screen(CorrectionForm(), save)
