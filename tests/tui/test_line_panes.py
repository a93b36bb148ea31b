"""The side panes drawn from lines: laid out only when the scrollbar comes or goes, scrolled over all their lines,
rendered off the UI thread when asked, and showing experts' text literally."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from rich.console import Group
from rich.text import Text
from textual.widget import Widget

from tests.support.pilot import PaneApp
from triagedesk.domain.models import Candidate, Factor, Match
from triagedesk.tui.widgets.candidates_pane import CandidatesPane
from triagedesk.tui.widgets.escalation_pane import EscalationPane
from triagedesk.tui.widgets.line_pane import LinePane


def lines(count: int, tag: str = "line") -> Group:
    return Group(*(Text(f"{tag} {n}") for n in range(1, count + 1)))


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> list[Widget]:
    """Every widget that asks for a layout from now on."""
    asked: list[Widget] = []
    refresh = Widget.refresh

    def counted(self: Widget, *regions: Any, **options: Any) -> Any:
        if options.get("layout"):
            asked.append(self)
        return refresh(self, *regions, **options)

    monkeypatch.setattr(Widget, "refresh", counted)
    return asked


async def test_content_of_another_length_that_still_overflows_asks_for_no_layout(layouts: list[Widget]) -> None:
    pane = LinePane()
    app = PaneApp(pane)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        height = pane.size.height
        assert height == 5
        pane._draw(lines(12))
        await pilot.pause()
        assert pane.show_vertical_scrollbar and pane.virtual_size.height == 12
        width = pane.virtual_size.width
        for count in (30, 9, 17):  # longer, shorter, longer: the bar stays
            layouts.clear()
            pane._draw(lines(count))
            await pilot.pause()
            assert not [w for w in layouts if w is pane], f"{count} lines asked for a layout"
            assert pane.virtual_size == (width, count)
            assert pane.vertical_scrollbar.window_virtual_size == count  # the bar's range follows
            pane.scroll_end(animate=False, immediate=True)
            await pilot.pause()
            assert pane.scroll_y == count - height
            assert "".join(s.text for s in pane.render_line(height - 1)).startswith(f"line {count}")
        pane.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        pane._draw(lines(8))  # shorter while scrolled to the end of 17: the scroll comes back within the lines
        await pilot.pause()
        assert pane.scroll_y == 8 - height
        assert "".join(s.text for s in pane.render_line(height - 1)).startswith("line 8")


async def test_content_that_starts_or_stops_overflowing_is_laid_out_for_the_scrollbar(layouts: list[Widget]) -> None:
    pane = LinePane()
    app = PaneApp(pane)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        pane._draw(lines(3))
        await pilot.pause()
        assert not pane.show_vertical_scrollbar and pane.virtual_size == (pane.size.width, pane.size.height)
        layouts.clear()
        pane._draw(lines(4))  # still fits: the same virtual size
        await pilot.pause()
        assert not [w for w in layouts if w is pane]
        pane._draw(lines(20))
        await pilot.pause()
        assert [w for w in layouts if w is pane], "the scrollbar came without a layout"
        assert pane.show_vertical_scrollbar
        assert pane.virtual_size.width == pane.size.width - pane.styles.scrollbar_size_vertical  # beside the bar
        assert all(len(line) <= pane.virtual_size.width for line in pane.plain().splitlines())
        layouts.clear()
        pane._draw(lines(2))
        await pilot.pause()
        assert [w for w in layouts if w is pane], "the scrollbar went without a layout"
        assert not pane.show_vertical_scrollbar and pane.plain() == "line 1\nline 2"


async def test_lines_rendered_on_a_worker_thread_are_those_the_ui_thread_renders(layouts: list[Widget]) -> None:
    pane = LinePane()
    app = PaneApp(pane)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        content = Group(*(Text("word " * 30) for _ in range(3)))  # wrapped at the pane's width
        done: list[Any] = []
        geometry = pane.geometry()  # on the UI thread: a widget's size may lay the screen out
        thread = threading.Thread(target=lambda: done.append(pane.lines_of(content, geometry)))
        thread.start()
        thread.join()
        drawn = done[0]
        assert drawn.size == pane.size and drawn.lines
        pane.put(drawn)
        on_worker = pane.plain()
        pane._draw(content)
        assert pane.plain() == on_worker and len(on_worker.splitlines()) > 3


async def test_lines_rendered_for_another_size_are_rendered_again_for_this_one() -> None:
    pane = LinePane()
    app = PaneApp(pane)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        content = Text("word " * 40)
        drawn = pane.lines_of(content)
        pane.styles.width = 24  # the pane is resized before the worker's lines arrive
        await pilot.pause()
        pane.put(drawn)
        shown = pane.plain().splitlines()
        assert shown and all(len(line) <= pane.size.width for line in shown)
        assert len(shown) > len(drawn.lines)


async def test_the_same_lines_drawn_again_repaint_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A detail loaded again after a change elsewhere in the store, drawn the same, repaints nothing; other lines
    and the same lines at another size do."""
    pane = LinePane()
    app = PaneApp(pane)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        pane._draw(lines(3))
        repaints: list[LinePane] = []
        refresh = Widget.refresh
        monkeypatch.setattr(Widget, "refresh", lambda self, *regions, **options: (
            repaints.append(self) if self is pane else None, refresh(self, *regions, **options))[1])
        pane._draw(lines(3))
        assert repaints == [] and pane.plain() == "line 1\nline 2\nline 3"
        pane._draw(lines(3, "row"))
        assert repaints == [pane] and pane.plain().startswith("row 1")
        before = pane.virtual_size.height
        pane.styles.height = 5  # its resize draws the same lines again, for the new height
        await pilot.pause()
        assert pane.size.height < before and pane.virtual_size.height == pane.size.height


def candidate(name: str, score: float, reasons: list[str]) -> Candidate:
    return Candidate(expert_id=f"E-{score:.0f}", expert_name=name, match_score=score, reasons=reasons,
                     factors={"specialization": Factor(value=1.0, weight=0.5, contribution=0.5)},
                     available_now=True, next_available_at=None, current_workload=2,
                     estimated_turnaround_hours=None, response_sla_minutes=60, expertise_level="senior")


HOSTILE = "[bold]Evil[/] \x1b[31mred\nsecond line\x07"


@pytest.mark.parametrize("width", [40, 70, 140])
async def test_candidates_show_hostile_names_literally_on_one_line_each(width: int) -> None:
    pick = candidate(HOSTILE, 90.0, [HOSTILE, "[link=http://x]y[/link]"])
    other = candidate("Ann", 80.0, ["fits"])
    pane = CandidatesPane()
    app = PaneApp(pane)
    async with app.run_test(size=(160, 30)) as pilot:
        pane.styles.width = width
        await pilot.pause()
        pane.show(Match(primary=pick, alternatives=[other], ranked=[pick, other], note="[red]note[/] \x1b]0;x\x07"))
        await pilot.pause()
        shown = pane.plain().splitlines()
        per = 2 if width < 56 else 1  # at 80 columns the pane is ~40 wide: a candidate takes two lines
        assert len(shown) == 1 + 2 * per and pane.candidates == [pick, other]
        assert shown[1].startswith(" 1 [bold]Evil[/] ")  # not bold
        assert "\\x1b[31mred" in shown[1]  # the escape shown, not run
        assert all("\x1b" not in line and "\x07" not in line for line in shown)
        assert all(len(line) <= pane.size.width for line in shown)
        assert "Ann" in shown[1 + per]
        note = pane._border_subtitle
        assert note is not None and note.plain == "[red]note[/] \\x1b]0;x\\x07"  # literal, no control character
        pane.show(None)
        await pilot.pause()
        assert pane.candidates == [] and pane.plain() == ""


async def test_the_escalation_pane_placeholder_stays_until_a_decision_is_shown() -> None:
    pane = EscalationPane()
    app = PaneApp(pane)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert pane.plain() == "Select an issue in the queue." and pane.shown_issue is None
        pane.styles.width = 20
        await pilot.pause()
        assert " ".join(pane.plain().split()) == "Select an issue in the queue."  # wrapped, not replaced
