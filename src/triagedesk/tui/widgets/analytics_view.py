"""The lead's analytics: one PlotextPlot per chart (each with its own `plt`), a period selector, opportunities."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import RadioButton, RadioSet, Static
from textual.worker import Worker, WorkerState
from textual_plotext import PlotextPlot

from triagedesk.display import literal
from triagedesk.tui.failures import tell_failure
from triagedesk.tui.widgets.noise_view import noise_view
from triagedesk.tui.widgets.oncall_load import OnCallLoad

PERIODS = (7, 30, 90)
CHARTS = ("daily", "resolution", "sla", "corrections", "experts-completed", "experts-turnaround", "experts-rating")
TOP = 30
"""Experts named in a performance chart (the chart grows to name them all; past this, one "others" bar)."""
EXPERT_MEASURES = (  # (chart, measure key, title, unit, how "others" combine, best first)
    ("experts-completed", "completed", "Expert performance: completed reviews", "", "sum", True),
    ("experts-turnaround", "avg_turnaround_hours", "Expert performance: average turnaround (h)", " h", "mean", False),
    ("experts-rating", "rating", "Expert performance: average rating (1-5)", "", "mean", True),
)


def top_with_others(rows: list[tuple[str, float]], top: int, combine: str, best_high: bool) -> list[tuple[str, float]]:
    """The `top` best rows by value, then one "others (n)" row (their sum or mean), so every expert is counted."""
    ordered = sorted(rows, key=lambda kv: (-kv[1] if best_high else kv[1], kv[0]))
    if len(ordered) <= top + 1:
        return ordered
    rest = ordered[top:]
    values = [v for _, v in rest]
    other = sum(values) if combine == "sum" else sum(values) / len(values)
    return [*ordered[:top], (f"others ({len(rest)})", round(other, 2))]


def bar_labels(names: list[str], values: list[float], unit: str = "", width: int = 22) -> list[str]:
    """Each bar's own label: its name and its value (horizontal bars: one row each, none dropped)."""
    shown = [f"{v:g}{unit}" for v in values]
    wide = max((len(t) for t in shown), default=0)
    room = max(width - wide - 1, 4)
    return [f"{(n if len(n) <= room else n[: room - 1] + '…'):<{room}} {t:>{wide}}"
            for n, t in zip(names, shown, strict=True)]


def rgb(value: str | None, fallback: tuple[int, int, int]) -> tuple[int, int, int]:
    if not value:
        return fallback
    try:
        return Color.parse(value).rgb
    except Exception:  # noqa: BLE001 - a theme variable that is not a colour
        return fallback


def legend(entries: list[tuple[str, tuple[int, int, int]]]) -> Text:
    """A chart's legend for its border, beside the plot (plotext draws its own over the bars): a coloured block
    and the name of each series."""
    text = Text()
    for n, (name, (red, green, blue)) in enumerate(entries):
        text.append("  " if n else "")
        text.append("■ ", style=f"rgb({red},{green},{blue})")
        text.append(name)
    return text


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
    AnalyticsView Grid { grid-size: 2; grid-gutter: 0 1; grid-rows: 18; height: auto; }
    AnalyticsView PlotextPlot {
        height: 18; border: round $panel; border-title-color: $primary; border-title-style: bold;
        border-subtitle-color: $foreground;
    }
    AnalyticsView #summary, AnalyticsView #opportunities, AnalyticsView #oncall-load, AnalyticsView #noise {
        height: auto; padding: 0 1;
    }
    """

    @dataclass
    class Counted(Message):
        """A report counted off the UI thread, for this period."""

        days: int
        data: dict[str, Any]

    def __init__(self, days: int = 30, count: Callable[[int], dict[str, Any]] | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.days = days
        self.count = count
        self.stale = True
        self.counting = False
        self.shown = False
        """The tab is open: what changes is counted again."""

    # -- counting: never two at once (at 100k a report takes seconds; thread workers cannot be stopped) ----------
    def changed(self, shown: bool) -> None:
        """The store changed; count again now if the tab is open, else when it opens."""
        self.stale = True
        self.shown = shown
        self.recount()

    def recount(self) -> None:
        if self.shown and self.stale and not self.counting and self.count is not None:
            self.stale = False
            self.counting = True
            self._count(self.days)

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def _count(self, days: int) -> None:
        assert self.count is not None
        self.post_message(self.Counted(days, self.count(days)))

    def on_analytics_view_counted(self, message: Counted) -> None:
        self.counting = False
        if message.days == self.days:
            self.show(message.data, self.app.theme_variables)
        self.recount()  # what changed while it was counted

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "report" and event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self.counting = False  # a failed count does not stop the next one
        tell_failure(self, event)

    def compose(self) -> ComposeResult:
        with Horizontal(id="periods"):
            yield Static("Period: ", id="period-label")
            with RadioSet(id="period"):
                for days in PERIODS:
                    yield RadioButton(f"{days} days", value=days == self.days, id=f"days-{days}")
        yield Static("Loading analytics…", id="summary")
        # two grids: each has rows of one height (the experts' grow with their count), which Textual lays out at
        # once; a row that a taller chart stretched took layouts over seconds to reach its height
        with Grid(id="charts"):
            for chart in CHARTS[:4]:
                yield PlotextPlot(id=f"chart-{chart}")
        with Grid(id="expert-charts"):
            for chart in CHARTS[4:]:
                yield PlotextPlot(id=f"chart-{chart}")
        yield Static("", id="opportunities")
        yield OnCallLoad(id="oncall-load")
        yield Static("", id="noise")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        days = int(str(event.pressed.id).split("-")[1])
        if days != self.days:
            self.days = days
            self.stale = True
            self.counting = False  # the count of the other period is not shown (its message is dropped)
            self.recount()

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
        self.query_one(OnCallLoad).show(data.get("oncall"))
        if "noise" in data:
            self.query_one("#noise", Static).update(noise_view(data["noise"]))

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
        urgencies = ("critical", "high", "medium", "low")
        series = [[d[u] for d in days] for u in urgencies]
        positions = list(range(1, len(labels) + 1))
        colour = {u: rgb(colours.get(f"urgency-{u}"), fallback[u]) for u in urgencies}
        if any(sum(column) for column in series):  # no plotext legend: it is drawn over the bars
            plt.stacked_bar(positions, series, color=[colour[u] for u in urgencies])
        plot.border_subtitle = legend([(u, colour[u]) for u in urgencies])
        thin_ticks(plot, positions, labels)
        plot.refresh()

    def _resolution(self, data: dict[str, Any], colours: dict[str, str]) -> None:
        bins = data["resolution_histogram"]
        self._hbars("resolution", "Resolution time: requests by hours to complete",
                    [f"{b['from']:g}–{b['to']:g} h" for b in bins], [float(b["count"]) for b in bins],
                    rgb(colours.get("primary"), (80, 150, 240)))

    def _hbars(self, name: str, title: str, names: list[str], values: list[float], colour: tuple[int, int, int],
               unit: str = "", empty: str = "no data in this period") -> None:
        """Horizontal bars, every one labelled with its name and value."""
        plot, plt = self._plot(name, title)
        if values:
            labels = bar_labels(names, values, unit)
            plt.bar(labels[::-1], values[::-1], orientation="horizontal", color=colour, width=0.6)
        else:
            plt.title(empty)
        plot.refresh()

    def _sla(self, data: dict[str, Any], colours: dict[str, str]) -> None:
        tiers = {k.replace(" (no tier)", ""): v for k, v in data["sla_by_tier"].items() if v is not None}
        self._hbars("sla", "SLA compliance by tier (%)", list(tiers), [round(v * 100, 1) for v in tiers.values()],
                    rgb(colours.get("success"), (90, 190, 90)), "%")

    def _experts(self, data: dict[str, Any], colours: dict[str, str]) -> None:
        palette = {"completed": ("primary", (80, 150, 240)), "avg_turnaround_hours": ("warning", (240, 180, 60)),
                   "rating": ("success", (90, 190, 90))}
        measures = []
        for chart, key, title, unit, combine, best_high in EXPERT_MEASURES:
            rows = [((r["name"] or r["expert_id"]), float(r[key])) for r in data["experts"] if r[key] is not None]
            measures.append((chart, key, title, unit, rows, top_with_others(rows, TOP, combine, best_high)))
        height = max(18, *(2 * len(shown) + 5 for *_, shown in measures))  # a bar and a gap per expert shown
        self.query_one("#expert-charts", Grid).styles.grid_rows = str(height)
        for chart, key, title, unit, rows, shown in measures:
            variable, fallback = palette[key]
            self.query_one(f"#chart-{chart}", PlotextPlot).styles.height = height
            self._hbars(chart, f"{title} · {len(rows)} experts", [n for n, _ in shown], [v for _, v in shown],
                        rgb(colours.get(variable), fallback), unit)

    def _corrections(self, data: dict[str, Any], colours: dict[str, str]) -> None:
        """Per profile, corrections per field over that profile's completed requests (the training-gap figure)."""
        rates: dict[str, dict[str, float]] = data["correction_rates"]
        bases = data["correction_rate_base"]
        several = len(rates) > 1
        names = [f"{field} ({profile})" if several else field for profile, fields in rates.items() for field in fields]
        values = [round(v * 100, 1) for fields in rates.values() for v in fields.values()]
        of = ", ".join(f"{bases.get(p, 0)} {p}" for p in rates) or "0"
        self._hbars("corrections", f"Correction rate by field (% of {of} completed)", names, values,
                    rgb(colours.get("error"), (230, 60, 60)), "%", "no correction in this period")
