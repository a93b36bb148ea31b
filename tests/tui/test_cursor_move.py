"""A cursor move fills the side panes for the new row without rebuilding widgets it does not need to."""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widget import Widget
from textual.widgets import Static

from tests.support.clock import Clock
from tests.support.flows import record_outcome, session_move, start_session
from tests.support.legal_keys import legal_labels
from tests.support.pilot import NOW, make_app, settle
from triagedesk.app.desk import Desk
from triagedesk.domain.records import Session
from triagedesk.store.database import open_store
from triagedesk.store.repositories import model_fields
from triagedesk.tui import keys
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.widgets.candidates_pane import CandidatesPane
from triagedesk.tui.widgets.escalation_pane import EscalationPane
from triagedesk.tui.widgets.key_bar import KeyBar
from triagedesk.tui.widgets.queue_view import QueueView
from triagedesk.tui.widgets.timers_pane import TimersPane


async def test_each_move_fills_both_panes_and_the_key_bar_shows_exactly_the_legal_keys(store_copy: Path) -> None:
    """The key bar is one widget repainted with the keys legal now: no widget is mounted or removed by a move
    (Textual's Footer recomposed a widget per key, and the screen's layout, on every change of keys)."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen)
        queue = screen.query_one(QueueView)
        pane = screen.query_one(EscalationPane)
        candidates = screen.query_one(CandidatesPane)
        bar = screen.query_one(KeyBar)
        widgets = set(screen.query("*"))
        changed = same = 0
        for _ in range(30):
            keys_before = keys.footprint("coordinator", screen.selection)
            await pilot.press("down")
            await settle(pilot)
            issue_id = queue.current_issue()
            assert screen.detail is not None and screen.detail.issue.id == issue_id
            assert pane.plain().startswith(f"{issue_id}: ")  # the same widget, new content
            assert screen.detail.match is not None and candidates.match is screen.detail.match
            assert len(candidates.plain().splitlines()) == len(candidates.candidates) + 1 > 1  # the header, a line each
            assert candidates.candidates[0].expert_id in {c.expert_id for c in screen.detail.match.ranked}
            shown = [description for _key, _display, description in bar.items]
            assert shown == legal_labels(screen) and bar.palette() is not None
            drawn = "".join(segment.text for segment in bar.render_line(0))
            assert all(label in drawn for label in shown) and "palette" in drawn
            assert set(screen.query("*")) == widgets, "a move mounted or removed widgets"
            if keys.footprint("coordinator", screen.selection) == keys_before:
                same += 1
            else:
                changed += 1
        assert same > 0 and changed > 0, "the walk crossed rows with the same keys and rows with other keys"


async def test_a_decision_of_the_same_length_repaints_the_escalation_pane_without_a_layout(
        store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A layout made the next frame repaint both side panes (and a Static's new height cost a second layout):
    the pane's virtual height is at least its own, so moving between decisions that fit asks for no layout."""
    laid_out: list[Widget] = []
    refresh = Widget.refresh

    def counted(self: Widget, *regions: Any, **options: Any) -> Any:
        if options.get("layout") and any(isinstance(n, EscalationPane) for n in (self, *self.ancestors)):
            laid_out.append(self)
        return refresh(self, *regions, **options)

    monkeypatch.setattr(Widget, "refresh", counted)
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen)
        pane = screen.query_one(EscalationPane)
        quiet = relaid = 0
        for _ in range(30):
            size = pane.virtual_size
            laid_out.clear()
            await pilot.press("down")
            await settle(pilot)
            assert screen.detail is not None and pane.plain().startswith(f"{screen.detail.issue.id}: ")
            assert pane.virtual_size.height >= pane.size.height
            if pane.virtual_size == size:
                assert not laid_out, "a decision of the same size asked for a layout"
                quiet += 1
            else:
                relaid += 1
        assert quiet > 0, "the walk crossed decisions of the same size"


async def test_the_store_indexes_built_after_the_load_are_kept_out_of_the_collector(store_copy: Path) -> None:
    """A full collection walking the store's indexes cost ~150 ms every few cursor moves at 100k: the desk
    freezes them (gc.freeze) once its warm-up has built them."""
    app = make_app(store_copy)
    warm = app.desk.warm

    def late_warm(*args: Any) -> None:  # as at 100k: the indexes built after the queue shows (and frozen)
        time.sleep(0.3)
        warm(*args)

    app.desk.warm = late_warm  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        indexes = app.desk.store.journal.indexes
        assert indexes is not None and indexes.knowledge is not None and indexes.fields
        maps = [m for index in indexes.fields.values() for m in index.built.values()]
        assert maps
        held = [*maps, *(m.base for m in maps if m.base is not None), *(m.newer for m in maps), indexes.knowledge]
        walked = {id(o) for o in gc.get_objects()}  # the collector's generations (frozen objects are not in them)
        assert held and not [o for o in held if id(o) in walked]
    gc.unfreeze()


async def test_a_loaded_queue_reaches_the_ui_thread_already_sorted(store_copy: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """At 1M rows the urgency sort and the filter's search text take ~1.4 s: the load's worker does them."""
    arrived: list[tuple[int, int]] = []
    handler = DeskScreen.on_desk_screen_queue_loaded

    def seen(screen: DeskScreen, message: DeskScreen.QueueLoaded) -> None:
        arrived.append((len(message.data.sorted_rows), len(message.data.haystacks)))
        handler(screen, message)

    monkeypatch.setattr(DeskScreen, "on_desk_screen_queue_loaded", seen)
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen) and len(screen.data) > 0
        assert arrived == [(1, 1)]
        assert list(screen.data.sorted_rows) == [("urgency", 0)]


async def test_the_timers_are_lines_of_one_widget_and_a_tick_redraws_them_in_place(store_copy: Path) -> None:
    clock = Clock(NOW)
    app = make_app(store_copy, clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        pane = app.screen_stack[-1].query_one(TimersPane)
        assert len(pane.clocks) > 1
        body = pane.query_one("#clocks", Static)
        assert list(pane.children) == [body]  # no widget per clock
        before = pane.text().plain
        assert before.splitlines() == [pane.line_of(c) for c in pane.clocks]
        clock.advance(seconds=61)
        pane.tick()
        await settle(pilot)
        assert pane.query_one("#clocks", Static) is body and list(pane.children) == [body]
        after = pane.text().plain
        assert after != before and after.splitlines() == [pane.line_of(c) for c in pane.clocks]
        assert str(body.content) == after


def test_the_session_awaiting_an_outcome_is_found_by_index_as_the_scan_found_it(store_copy: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A cursor move on a row with a request asks this; it scanned every session and outcome (36 ms at 100k)."""
    desk = Desk(open_store(store_copy), clock=lambda: NOW)
    store = desk.store
    held = [r for r in store.requests.raw() if r.get("status") == "assigned" and r.get("assigned_expert_id")][:4]
    assert len(held) == 4
    for n, request in enumerate(held):  # ended sessions: three without their outcome, one with it
        start_session(desk, request["id"], request["assigned_expert_id"])
        session_move(desk, request["id"], "end")
        if n == 0:
            record_outcome(desk, request["id"], actions_taken=["fixed"])
    sessions, outcomes = store.sessions.raw(), store.outcomes.raw()
    recorded = {d.get("session_id") for d in outcomes}

    def scanned(request_id: str) -> str | None:
        ended = [Session.model_validate(model_fields(d)) for d in sessions
                 if d.get("request_id") == request_id and d.get("status") == "ended" and d.get("id") not in recorded]
        return max(ended, key=lambda s: s.ended_at or s.started_at).id if ended else None

    expected = {r["id"]: scanned(r["id"]) for r in store.requests.raw()}
    assert any(expected.values()) and not all(expected.values())

    def no_scan() -> None:
        raise AssertionError("a kind-wide scan")

    monkeypatch.setattr(store.sessions, "raw", no_scan)
    monkeypatch.setattr(store.outcomes, "raw", no_scan)
    found = {}
    for request_id in expected:
        waiting = desk.queries.awaiting_outcome(request_id)
        found[request_id] = waiting.id if waiting else None
    assert found == expected


class Frames:
    """What each frame the screen paints drew: the issue on the queue row drawn with the cursor, and the issue
    (or match) whose content each side pane drew its lines from."""

    def __init__(self, screen: DeskScreen) -> None:
        self.painted: list[dict[str, Any]] = []
        self._now: dict[str, Any] = {}
        queue, escalation = screen.query_one(QueueView), screen.query_one(EscalationPane)
        candidates = screen.query_one(CandidatesPane)
        paint, queue_line = screen._compositor_refresh, queue.render_line
        escalation_line, candidates_line = escalation.render_line, candidates.render_line

        def frame() -> None:
            self._now = {}
            paint()
            self.painted.append(self._now)

        def on_queue(y: int) -> Any:
            if y >= 1 and y - 1 + int(queue.scroll_offset.y) == queue.cursor:
                self._now["cursor"] = queue.current_issue()
            return queue_line(y)

        def on_escalation(y: int) -> Any:
            self._now["escalation"] = escalation.shown_issue
            return escalation_line(y)

        def on_candidates(y: int) -> Any:
            self._now["candidates"] = candidates.match
            return candidates_line(y)

        screen._compositor_refresh = frame  # type: ignore[method-assign]
        queue.render_line = on_queue  # type: ignore[method-assign]
        escalation.render_line = on_escalation  # type: ignore[method-assign]
        candidates.render_line = on_candidates  # type: ignore[method-assign]


@pytest.mark.parametrize("size", [(160, 48), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_move_paints_the_cursor_in_the_frame_that_paints_the_panes_it_fills(
        store_copy: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    """The cursor painted alone, and Textual waits 17-33 ms after a frame before the next: the panes came that
    much later. The queue holds a move's repaint (its scroll too) until the screen shows the detail."""
    monkeypatch.setattr(QueueView, "HOLD", 30.0)  # however slow the machine: here the detail always comes first
    app = make_app(store_copy)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen)
        queue = screen.query_one(QueueView)
        frames = Frames(screen)
        scrolled = 0
        candidates = screen.query_one(CandidatesPane)
        redrawn = 0
        for _ in range(24):  # at 80x24 the queue shows 7 rows: most of these moves scroll it
            top = queue.scroll_offset.y
            frames.painted.clear()
            listed = candidates.plain()
            await pilot.press("down")
            await settle(pilot)
            issue_id = queue.current_issue()
            assert screen.detail is not None and screen.detail.issue.id == issue_id
            scrolled += queue.scroll_offset.y != top
            showing = [n for n, frame in enumerate(frames.painted) if frame.get("cursor") == issue_id]
            assert showing, "no frame painted the cursor on its new row"
            first = frames.painted[showing[0]]
            assert first.get("escalation") == issue_id, "the cursor painted before the Escalation pane"
            if candidates.plain() != listed:  # the same lines drawn again repaint nothing (`LinePane.put`)
                redrawn += 1
                assert first.get("candidates") is screen.detail.match, "the cursor painted before the Candidates"
            else:
                assert not [f for f in frames.painted if "candidates" in f], "the same candidates painted again"
            assert not [f for f in frames.painted[:showing[0]] if "cursor" in f or "escalation" in f]
        assert scrolled > (10 if size[1] == 24 else -1) and redrawn > 5


async def test_a_detail_that_does_not_come_lets_the_cursor_paint_after_the_hold(
        store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hold is a bound, not a wait on the worker: a slow detail leaves the cursor painted at once after it."""
    from triagedesk.tui import loaders

    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen)
        queue = screen.query_one(QueueView)
        frames = Frames(screen)
        before = screen.detail
        detail = loaders.detail
        monkeypatch.setattr(loaders, "detail", lambda *a, **k: (time.sleep(1.5), detail(*a, **k))[1])
        await pilot.press("down")
        issue_id = queue.current_issue()
        await pilot.pause(QueueView.HOLD * 10)  # well past the hold, well before the detail
        assert screen.detail is before and queue.holding is False
        assert [f for f in frames.painted if f.get("cursor") == issue_id], "the cursor waited for a slow detail"
        await settle(pilot)
        assert screen.detail is not None and screen.detail.issue.id == issue_id
        assert screen.query_one(EscalationPane).shown_issue == issue_id
        assert [f for f in frames.painted if f.get("escalation") == issue_id], "the late detail was never painted"


async def test_no_worker_reads_a_widgets_size(store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A widget's size may lay the screen out (its compositor's map, rebuilt when stale): the detail's worker read
    the Escalation pane's size, which under a pushed screen raised LookupError (no active app on the thread) and
    could race the UI thread's layout. The UI thread takes the geometry; the worker only renders."""
    import threading

    off_thread: list[str] = []
    size = Widget.size

    def watched(self: Widget) -> Any:
        if threading.current_thread() is not threading.main_thread():
            off_thread.append(type(self).__name__)
        return size.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(Widget, "size", property(watched))
    app = make_app(store_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen)
        for key in ("down", "down", "F", "escape", "down", "pagedown"):
            await pilot.press(key)
            await settle(pilot)
        assert screen.detail is not None and screen.detail.issue.id == screen.query_one(QueueView).current_issue()
    assert off_thread == []
