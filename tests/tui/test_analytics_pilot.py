"""Pilot test of the lead's analytics: one measure per expert chart, every expert named, every bar labelled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual_plotext import PlotextPlot

from tests.support.pilot import make_app, screen_of, settle
from triagedesk.tui.widgets.analytics_view import EXPERT_MEASURES, AnalyticsView


def drawn(plot: PlotextPlot) -> str:
    """The chart as plotext draws it at the height the view gives it (its layout may not have run yet)."""
    plt = plot.plt
    height = plot.styles.height
    plt.plotsize(max(plot.size.width, 60), int(height.value) if height is not None else plot.size.height)
    return re.sub(r"\x1b\[[0-9;]*m", "", plt.build())


@pytest.mark.parametrize("size", [(160, 48), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_chart_is_laid_out_at_its_height_once_the_report_is_shown(store_copy: Path,
                                                                              size: tuple[int, int]) -> None:
    """The experts' charts sat in one grid with the others, whose rows took layouts over seconds to reach a taller
    chart's height: a snapshot taken then caught them part-grown (one run in twelve failed)."""
    app = make_app(store_copy, role="lead")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        plots = list(screen_of(app).query(PlotextPlot))
        assert len(plots) == 7
        heights = {plot.id: plot.styles.height for plot in plots}
        assert all(h is not None for h in heights.values())
        assert {heights[f"chart-{chart}"].value for chart, *_ in EXPERT_MEASURES} == {37}  # 16 experts
        for plot in plots:
            assert plot.outer_size.height == heights[plot.id].value, plot.id


async def test_every_expert_is_named_in_each_measures_chart(store_copy: Path) -> None:
    app = make_app(store_copy, role="lead")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        report = screen.desk.queries.report(30)
        for chart, key, _title, _unit, _combine, _best in EXPERT_MEASURES:
            experts = [r["name"] or r["expert_id"] for r in report["experts"] if r[key] is not None]
            assert len(experts) > 8  # more than the old chart's eight
            plot = screen.query_one(f"#chart-{chart}", PlotextPlot)
            assert plot.styles.height is not None and plot.styles.height.value >= 2 * len(experts) + 5
            text = drawn(plot)
            for name in experts:
                assert name[:12] in text, (chart, name)
        corrections = drawn(screen.query_one("#chart-corrections", PlotextPlot))
        rates = [(field, rate) for fields in report["correction_rates"].values() for field, rate in fields.items()]
        assert rates, "the demo has corrections"
        for field, rate in rates:
            assert field in corrections and f"{round(rate * 100, 1):g}%" in corrections


async def test_changes_while_the_report_is_counted_start_no_second_count_and_one_after(store_copy: Path) -> None:
    """At 100k a report takes seconds: store changes arriving meanwhile must not pile up report workers (threads
    cannot be stopped); one more count runs once the running one is done."""
    import threading

    app = make_app(store_copy, role="lead")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        counted, release = [], threading.Event()
        view = screen.query_one(AnalyticsView)
        real = view.count

        def slow_report(days, now=None):
            counted.append(days)
            release.wait(10)
            return real(days, now)

        view.count = slow_report
        for _ in range(5):  # five changes from other desks while the first count runs
            screen.post_message(screen.StoreChanged())
            await pilot.pause(0.05)
        assert len(counted) == 1, counted
        release.set()
        for _ in range(200):  # the store's reloads cancel their own exclusive workers: poll, not settle
            await pilot.pause(0.02)
            if len(counted) >= 2 and not view.counting:
                break
        await pilot.pause(0.2)
        assert len(counted) == 2, counted  # what changed while it was counted, counted once more
        assert not view.counting
