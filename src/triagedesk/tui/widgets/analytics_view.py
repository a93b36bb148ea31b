"""The lead's analytics: one PlotextPlot per chart (each with its own `plt`), a period selector, opportunities."""

from __future__ import annotations

from typing import Any, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import RadioButton, RadioSet, Static
from textual_plotext import PlotextPlot

from triagedesk.display import literal

PERIODS = (7, 30, 90)


def rgb(value: str | None, fallback: tuple[int, int, int]) -> tuple[int, int, int]:
    if not value:
        return fallback
    try:
        return Color.parse(value).rgb
    except Exception:  # noqa: BLE001 - a theme variable that is not a colour
        return fallback


def thin_ticks(plot: PlotextPlot, positions: list[int], labels: list[str]) -> None:
    """Label only as many ticks as fit the plot's width, so plotext never has to drop overlapping ones."""
    if not positions:
        return
    room = max(plot.size.width - 8, 10)
    widest = max(len(label) for label in labels) + 2
    fits = max(room // widest, 1)
    step = max(-(-len(positions) // fits), 1)
    plot.plt.xticks(cast(list[float], positions[::step]), labels[::step])  # plotext's list[float] is invariant


class AnalyticsView(VerticalScroll, can_focus=True):
    """Charts of `analytics.report` for the chosen period; `<` and `>` change the period."""

    BINDINGS = [
        Binding("less_than_sign,comma", "period(-1)", "Shorter period"),
        Binding("greater_than_sign,full_stop", "period(1)", "Longer period"),
    ]

    DEFAULT_CSS = """
    AnalyticsView #periods { height: 3; }
    AnalyticsView #period-label { width: auto; padding: 1 1 0 1; }
    AnalyticsView RadioSet { layout: horizontal; height: 3; width: auto; }
    AnalyticsView RadioButton { width: auto; margin-right: 2; }
    AnalyticsView #charts { grid-size: 2; grid-gutter: 0 1; height: auto; }
    AnalyticsView PlotextPlot {
        height: 16; border: round $panel; border-title-color: $primary; border-title-style: bold;
    }
    AnalyticsView #summary, AnalyticsView #opportunities { height: auto; padding: 0 1; }
    """

    class PeriodChanged(Message):
        def __init__(self, days: int) -> None:
            super().__init__()
            self.days = days

    def __init__(self, days: int = 30, id: str | None = None) -> None:
        super().__init__(id=id)
        self.days = days

    def compose(self) -> ComposeResult:
        with Horizontal(id="periods"):
            yield Static("Period: ", id="period-label")
            with RadioSet(id="period"):
                for days in PERIODS:
                    yield RadioButton(f"{days} days", value=days == self.days, id=f"days-{days}")
        yield Static("Loading analytics…", id="summary")
        with Grid(id="charts"):
            for chart in ("daily", "resolution", "sla", "experts", "corrections"):
                yield PlotextPlot(id=f"chart-{chart}")
        yield Static("", id="opportunities")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        days = int(str(event.pressed.id).split("-")[1])
        if days != self.days:
            self.days = days
            self.post_message(self.PeriodChanged(days))

    def action_period(self, step: int) -> None:
        index = max(0, min(len(PERIODS) - 1, PERIODS.index(self.days) + step))
        self.query_one(f"#days-{PERIODS[index]}", RadioButton).value = True

    def show(self, data: dict[str, Any], colours: dict[str, str]) -> None:
        def percent(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.0%}"

        cost = data["cost_per_resolution"]
        summary = Text()
        summary.append(f"{data['total_requests']} escalations in {data['period_days']} days", style="bold")
        summary.append(
            f"  ·  completed {data['completed']}  ·  success {percent(data['success_rate'])}"
            f"  ·  SLA {percent(data['sla_compliance'])}  ·  MTTA {data['mtta_minutes'] or 0:.0f} min"
            f"  ·  refunds due {data['refunds_due']} (${data['refund_exposure']:,.0f})"
            f"  ·  cost/resolution {'n/a' if cost is None else f'${cost:,.0f}'}"
        )
        self.query_one("#summary", Static).update(summary)
        self._daily(data, colours)
        self._resolution(data, colours)
        self._sla(data, colours)
        self._experts(data, colours)
        self._corrections(data, colours)
        lines = Text("Optimisation opportunities\n", style="bold")
        for item in data["opportunities"]:
            lines.append_text(literal(f"• {item}\n"))
        self.query_one("#opportunities", Static).update(lines)

    def _plot(self, name: str, title: str) -> Any:
        plot = self.query_one(f"#chart-{name}", PlotextPlot)
        plot.border_title = title
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        return plot, plt

    def _daily(self, data: dict[str, Any], colours: dict[str, str]) -> None:
        plot, plt = self._plot("daily", "Escalations per day by urgency")
        days = data["daily"]
        labels = [d["date"][5:] for d in days]
        fallback = {"critical": (230, 60, 60), "high": (240, 150, 50), "medium": (230, 200, 60), "low": (90, 190, 90)}
        series = [[d[u] for d in days] for u in ("critical", "high", "medium", "low")]
        positions = list(range(1, len(labels) + 1))
        if any(sum(column) for column in series):
            plt.stacked_bar(positions, series, labels=["critical", "high", "medium", "low"],
                            color=[rgb(colours.get(f"urgency-{u}"), fallback[u])
                                   for u in ("critical", "high", "medium", "low")])
        thin_ticks(plot, positions, labels)
        plot.refresh()

    def _resolution(self, data: dict[str, Any], colours: dict[str, str]) -> None:
        plot, plt = self._plot("resolution", "Resolution time (hours)")
        bins = data["resolution_histogram"]
        if bins:
            positions = list(range(1, len(bins) + 1))
            plt.bar(positions, [b["count"] for b in bins], color=rgb(colours.get("primary"), (80, 150, 240)))
            thin_ticks(plot, positions, [f"{b['from']:g}" for b in bins])
        plot.refresh()

    def _sla(self, data: dict[str, Any], colours: dict[str, str]) -> None:
        plot, plt = self._plot("sla", "SLA compliance by tier (%)")
        tiers = {k: v for k, v in data["sla_by_tier"].items() if v is not None}
        if tiers:
            positions = list(range(1, len(tiers) + 1))
            plt.bar(positions, [round(v * 100, 1) for v in tiers.values()],
                    color=rgb(colours.get("success"), (90, 190, 90)))
            thin_ticks(plot, positions, [name.replace(" (no tier)", "") for name in tiers])
            plt.ylim(0, 100)
        plot.refresh()

    def _experts(self, data: dict[str, Any], colours: dict[str, str]) -> None:
        plot, plt = self._plot("experts", "Expert performance: completed, avg turnaround (h), rating x10")
        rows = sorted(data["experts"], key=lambda r: -r["completed"])[:8]
        if rows:
            names = [(r["name"] or r["expert_id"]).split()[0][:8] for r in rows]
            positions = list(range(1, len(names) + 1))
            plt.multiple_bar(positions, [[r["completed"] for r in rows],
                                     [r["avg_turnaround_hours"] or 0 for r in rows],
                                     [(r["rating"] or 0) * 10 for r in rows]],
                             labels=["completed", "turnaround h", "rating x10"],
                             color=[rgb(colours.get("primary"), (80, 150, 240)),
                                    rgb(colours.get("warning"), (240, 180, 60)),
                                    rgb(colours.get("success"), (90, 190, 90))])
            thin_ticks(plot, positions, names)  # after the bars, which set their own ticks
        plot.refresh()

    def _corrections(self, data: dict[str, Any], colours: dict[str, str]) -> None:
        plot, plt = self._plot("corrections", "Correction rate by field (% of completed)")
        completed = max(data["completed"], 1)
        fields = data["corrections_by_field"]
        if fields:
            positions = list(range(1, len(fields) + 1))
            plt.bar(positions, [round(v / completed * 100, 1) for v in fields.values()],
                    color=rgb(colours.get("error"), (230, 60, 60)))
            thin_ticks(plot, positions, list(fields))
        plot.refresh()
