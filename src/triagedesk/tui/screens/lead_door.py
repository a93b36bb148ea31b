"""The lead's key: backtest a changed profile over the stored history (the rule tuning)."""

from __future__ import annotations

from triagedesk.tui.screens.desk_host import DeskHost
from triagedesk.tui.screens.modals import BacktestScreen, PromptScreen


class LeadDoor:
    def __init__(self, host: DeskHost) -> None:
        self.host = host

    def backtest(self) -> None:
        host = self.host
        profiles = host.desk.engine.profiles()
        first = profiles[0] if profiles else ""

        def chosen(source: str | None) -> None:
            if source:
                days = host.analytics_days()
                queries = host.desk.queries
                host.background(lambda: queries.backtest(source, days).as_dict(),
                                lambda result: host.push(BacktestScreen(source, result)))

        host.push(PromptScreen("Backtest which profile? (a name or a path to a TOML file)",
                               f"e.g. ~/tuned-{first}.toml", first), chosen)
