"""Actions of the expert (sessions, outcomes, corrections) and the lead (backtest), mixed into the desk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message

from triagedesk.domain.records import Session
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.forms import CorrectionForm, OutcomeForm
from triagedesk.tui.screens.modals import BacktestScreen, PromptScreen
from triagedesk.tui.screens.outcome_forms import CompletingOutcomeForm
from triagedesk.tui.widgets.analytics_view import AnalyticsView

if TYPE_CHECKING:
    from triagedesk.app.desk import Desk
    from triagedesk.tui.keys import Selection


class RoleActions:
    """Mixed into the desk screen; needs its `desk`, `actor`, `selection`, `_request_id` and `write`."""

    desk: Desk
    actor: str
    selection: Selection
    app: Any
    query_one: Any
    notify: Any
    write: Any
    post_message: Any
    _request_id: Any

    @dataclass
    class BacktestReady(Message):
        source: str
        result: dict[str, Any]

    @dataclass
    class SessionFound(Message):
        """The selected request's running session, read off the UI thread, and what to do with it."""

        request_id: str
        session: Session | None
        move: str
        completes: bool = False
        """Recording the outcome completes the request (the form asks for the final report)."""

    def action_backtest(self) -> None:
        """Replay a changed profile over the stored history (the lead's rule tuning)."""
        def chosen(source: str | None) -> None:
            if source:
                self.run_backtest(source, self.query_one(AnalyticsView).days)

        first = self.desk.profiles()[0] if self.desk.profiles() else ""
        self.app.push_screen(PromptScreen("Backtest which profile? (a name or a path to a TOML file)",
                                          f"e.g. ~/tuned-{first}.toml", first), chosen)

    @work(thread=True, exclusive=True, group="backtest", exit_on_error=False)
    def run_backtest(self, source: str, days: int) -> None:
        self.post_message(self.BacktestReady(source, self.desk.backtest(source, days)))

    def on_role_actions_backtest_ready(self, message: BacktestReady) -> None:
        self.app.push_screen(BacktestScreen(message.source, message.result))

    # -- expert actions ------------------------------------------------------------------------
    def _with_session(self, move: str) -> None:
        request_id = self._request_id()
        if request_id:
            self.find_session(request_id, move)

    @work(thread=True, exclusive=True, group="session", exit_on_error=False)
    def find_session(self, request_id: str, move: str) -> None:
        running = self.desk.running_session(request_id)
        if move == "outcome" and running is None:
            running = self.desk.session_awaiting_outcome(request_id)  # ended, its outcome not yet recorded
        completes = move == "outcome" and running is not None and self.desk.completes(running.id)
        self.post_message(self.SessionFound(request_id, running, move, completes))

    def on_role_actions_session_found(self, message: SessionFound) -> None:
        desk, actor, running, request_id = self.desk, self.actor, message.session, message.request_id
        if message.move == "start":
            if running is not None:
                tell(self, "A session is already running.", severity="warning")
                return
            self.write(f"session started on {request_id}", lambda: desk.start_session(request_id, actor))
            return
        if running is None:
            tell(self, "No running session: press s to start one." if message.move != "outcome" else
                        "No session without an outcome: start one with s.", severity="warning")
            return
        if message.move == "toggle":
            move = "resume" if running.status == "paused" else "pause"
            self.write(f"session {move}d", lambda: desk.session_move(running.id, move, actor))
        elif message.move == "end":
            self.write("session ended", lambda: desk.session_move(running.id, "end", actor))
        elif message.move == "outcome":
            self._outcome(running, message.completes)

    def action_start_session(self) -> None:
        self._with_session("start")

    def action_toggle_session(self) -> None:
        self._with_session("toggle")

    def action_end_session(self) -> None:
        self._with_session("end")

    def action_outcome(self) -> None:
        self._with_session("outcome")

    def _outcome(self, running: Session, completes: bool = False) -> None:
        desk, actor = self.desk, self.actor

        def save(values: Any) -> None:
            if values is not None:
                report = getattr(values, "final_report", None)
                self.write("outcome recorded" + (", request completed" if completes else ""),
                           lambda: desk.record_outcome(
                               running.id, actor, values.resolution_achieved, values.recommendations,
                               values.actions_taken, values.knowledge_gained, values.follow_up_needed, values.rating,
                               final_report=report))

        self.app.push_screen(CompletingOutcomeForm() if completes else OutcomeForm(), save)

    def action_acknowledge(self) -> None:
        request_id = self._request_id()
        if request_id:
            desk, actor = self.desk, self.actor
            self.write(f"{request_id} acknowledged", lambda: desk.acknowledge(request_id, actor))

    def action_correction(self) -> None:
        request_id = self._request_id()
        if not request_id:
            return
        desk, actor = self.desk, self.actor

        def save(values: Any) -> None:
            if values is not None:
                self.write("correction recorded", lambda: desk.record_correction(
                    request_id, actor, values.field, values.original_value, values.corrected_value,
                    values.explanation, values.confidence))

        self.app.push_screen(CorrectionForm(), save)
