"""Pilot test of the lead's analytics: one measure per expert chart, every expert named, every bar labelled."""

from __future__ import annotations

import re
from pathlib import Path

from textual_plotext import PlotextPlot

from tests.tui.conftest import make_app, settle
from tests.tui.test_desk_pilot import screen_of
from triagedesk.tui.widgets.analytics_view import EXPERT_MEASURES


def drawn(plot: PlotextPlot) -> str:
    plt = plot.plt
    plt.plotsize(plot.size.width, plot.size.height)
    return re.sub(r"\x1b\[[0-9;]*m", "", plt.build())


async def test_every_expert_is_named_in_each_measures_chart(store_copy: Path) -> None:
    app = make_app(store_copy, role="lead")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        report = screen.desk.report(30)
        for chart, key, _title, _unit, _combine, _best in EXPERT_MEASURES:
            experts = [r["name"] or r["expert_id"] for r in report["experts"] if r[key] is not None]
            assert len(experts) > 8  # more than the old chart's eight
            plot = screen.query_one(f"#chart-{chart}", PlotextPlot)
            text = drawn(plot)
            for name in experts:
                assert name[:12] in text, (chart, name)
        corrections = drawn(screen.query_one("#chart-corrections", PlotextPlot))
        for field, rate in report["correction_rates"].items():
            assert field in corrections and f"{round(rate * 100, 1):g}%" in corrections
