"""80x24 as a first-class size: ids whole (what follows them gives way), pane titles that drop whole parts rather
than cut, keys in the key bar whole with the palette's in sight, the analytics legend beside the chart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.pilot import make_app, screen_of, settle
from triagedesk.tui.screens.desk_screen import TIMERS_TITLE
from triagedesk.tui.widgets.key_bar import KeyBar
from triagedesk.tui.widgets.pane_titles import fitted
from triagedesk.tui.widgets.queue_view import QueueView, visible_columns
from triagedesk.tui.widgets.timers_pane import TimersPane

ID = re.compile(r"\b(?:APR|INC)-\d{6}\b")


def test_a_title_drops_whole_parts_from_its_end() -> None:
    assert fitted(TIMERS_TITLE, 200) == TIMERS_TITLE
    assert fitted(TIMERS_TITLE, 20) == "Timers"
    assert fitted("13 clocks · 4 breached · refund exposure $1,075", 24) == "13 clocks · 4 breached"
    assert fitted("Queue", 2) == "Queue"  # the first part is kept whole, even when nothing fits


def test_the_id_column_grows_to_the_longest_id_and_the_title_gives_way() -> None:
    short = dict(visible_columns(80))
    long = dict(visible_columns(80, id_width=2 + len("INC-2026-000123-eu-west")))
    assert short["id"] == 12 and long["id"] == 25
    assert sum(long.values()) <= 80 - 18  # the title keeps its minimum; columns went instead


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
async def test_timers_show_every_id_whole_and_titles_fit(store_copy: Path, size: tuple[int, int]) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        timers = screen.query_one(TimersPane)
        lines = timers.text().plain.splitlines()
        assert len(lines) == len(timers.clocks) > 5
        width = timers.scrollable_content_region.width
        for line, clock in zip(lines, timers.clocks, strict=True):
            assert len(line) <= width and clock.issue_id in line.split()  # whole, never cut
        for pane in screen.query("#escalation, #candidates, #timers"):
            for title in (pane.border_title, pane.border_subtitle):
                assert title is None or len(title) <= pane.outer_size.width - 6, title
        assert (timers.border_title == TIMERS_TITLE) == (size[0] >= 160)
        if size == (80, 24):  # more clocks than lines: the pane scrolls (the fitting mixin keeps its CSS)
            assert timers.allow_vertical_scroll and timers.max_scroll_y > 0
        queue = screen.query_one(QueueView)
        rows = [queue.render_line(y).text for y in range(1, min(len(queue.rows), 8) + 1)]
        assert rows and all(len(row) <= queue.scrollable_content_region.width for row in rows)
        assert all(ID.match(row.strip()) for row in rows)
        bar = screen.query_one(KeyBar)
        drawn = "".join(segment.text for segment in bar.render_line(0))
        assert drawn.rstrip().endswith("palette")
        labels = [label for _key, _shown, label in bar.items]
        keys_drawn = drawn.split("▏")[0].rstrip()
        assert sum(label in keys_drawn for label in labels) >= 5
        assert any(keys_drawn.endswith(label) for label in labels), f"the last key is cut: {keys_drawn!r}"


async def test_the_analytics_legend_is_beside_the_chart_not_over_its_bars(store_copy: Path) -> None:
    from textual_plotext import PlotextPlot

    app = make_app(store_copy, role="lead")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        chart = screen_of(app).query_one("#chart-daily", PlotextPlot)
        legend = str(chart.border_subtitle)
        assert all(u in legend for u in ("critical", "high", "medium", "low"))
        drawn = "\n".join(chart.render_line(y).text for y in range(chart.size.height))
        assert "critical" not in drawn and "medium" not in drawn  # plotext draws no legend over the bars
        charts = screen_of(app).query_one("#charts")
        assert chart.outer_size.width >= charts.size.width - 2  # one chart a row at 80 columns


@pytest.mark.parametrize("role", ["coordinator", "expert"])
async def test_every_pane_of_the_desk_fits_its_column_and_the_screen_at_80x24(store_copy: Path, role: str) -> None:
    """Timers keeps room for an id (min-width on its column): it must not spill past its column or the screen,
    cutting its right border, its subtitle's count and each clock's state."""
    app = make_app(store_copy, role=role, expert_id="expert-202" if role == "expert" else None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panes = [app.screen.query_one(f"#{name}") for name in ("escalation", "timers", "oncall")]
        panes += [p for p in app.screen.query("#candidates") if p.display]
        assert len(panes) >= 3
        for pane in panes:
            assert pane.region.width > 0, pane.id
            assert pane.region.right <= 80 and pane.region.right <= pane.parent.region.right, pane.id
        assert app.screen.query_one("#timers").region.width >= 30  # room for a clock and a whole id
