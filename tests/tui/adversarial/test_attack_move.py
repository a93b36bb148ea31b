"""A hostile review of the held cursor move (QueueView.holds_highlight), the LinePane panes and the line-drawn
Candidates pane: each test attacked the change; those that found a bug (their docstrings say which) guard its fix."""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.support.flows import act, escalate
from tests.support.pilot import PaneApp, make_app, settle
from triagedesk.domain.models import Candidate, Factor, Match
from triagedesk.tui import loaders
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.widgets.candidates_pane import CandidatesPane
from triagedesk.tui.widgets.escalation_pane import EscalationPane
from triagedesk.tui.widgets.queue_view import QueueView


def desk_of(app) -> DeskScreen:
    screen = app.screen_stack[-1]
    assert isinstance(screen, DeskScreen)
    return screen


def cursor_rows(queue: QueueView) -> list[int]:
    """Rows of the viewport painted with the cursor style (bold cursor background), from render_line."""
    cursor_bg = queue.get_component_rich_style("queue--cursor").bgcolor
    rows = []
    for y in range(1, queue.size.height):
        strip = queue.render_line(y)
        if any(seg.style is not None and seg.style.bgcolor == cursor_bg for seg in strip):
            rows.append(y)
    return rows


async def test_theme_change_recolours_the_candidates_header_and_zebra(store_copy: Path) -> None:
    """Found: the Candidates pane bakes its header/zebra colours into its lines at show time;
    a theme change (key t) leaves the old theme's colours until the next move (the DataTable it replaced
    restyled itself)."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        pane = screen.query_one(CandidatesPane)
        assert pane.candidates
        before = pane.get_component_rich_style("candidates-pane--header", partial=True).bgcolor
        others = [t for t in app.our_themes if t != app.theme]
        assert others
        for name in others:
            app.theme = name
            await settle(pilot)
            wanted = pane.get_component_rich_style("candidates-pane--header", partial=True).bgcolor
            if wanted != before:
                break
        assert wanted != before, "no shipped theme with another header colour"
        header = pane.render_line(0)
        colours = {seg.style.bgcolor for seg in header if seg.style is not None and seg.text.strip()}
        assert colours == {wanted}, f"header painted {colours}, theme wants {wanted} (was {before})"


async def test_theme_change_recolours_the_escalation_urgency(store_copy: Path) -> None:
    """Found: the Escalation pane's urgency colour comes from the theme at prepare time and is
    not redrawn on a theme change."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        pane = screen.query_one(EscalationPane)
        urgency = screen.detail.decision.urgency
        key = f"urgency-{urgency}"
        before = app.theme_variables.get(key)
        for name in [t for t in app.our_themes if t != app.theme]:
            app.theme = name
            await settle(pilot)
            if app.theme_variables.get(key) != before:
                break
        wanted = app.theme_variables.get(key)
        assert wanted != before, "no shipped theme with another urgency colour"
        line = pane.render_line(1)  # the head line: URGENCY  score ...
        seg = next(s for s in line if s.text.strip().startswith(urgency.upper()))
        from textual.color import Color
        assert seg.style.color == Color.parse(wanted).rich_color, (seg.style.color, wanted, before)


async def test_a_detail_reload_does_not_yank_a_wheel_scrolled_queue_back_to_the_cursor(store_copy: Path) -> None:
    """Found: show_highlight() is called for every non-stale DetailReady, including a reload of
    the same issue's detail (a write by this desk or another, watch=True): a user who scrolled the queue
    with the mouse wheel to read further rows is thrown back to the cursor without moving it."""
    app = make_app(store_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        queue = screen.query_one(QueueView)
        assert queue.cursor == 0
        queue.scroll_to(y=10, animate=False, immediate=True)  # as the mouse wheel: browse, the cursor stays
        await settle(pilot)
        scrolled = queue.scroll_y
        assert scrolled > 0 and queue.cursor == 0
        screen.load_detail(screen.current)  # as StoreChanged / ActionDone do
        await settle(pilot)
        assert queue.cursor == 0
        assert queue.scroll_y == scrolled, f"the queue jumped from {scrolled} to {queue.scroll_y}"


async def test_a_failing_detail_paints_the_cursor_and_does_not_leave_the_old_issue_in_the_panes(
        store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A detail that raises: the cursor paints after HOLD (holds up); the panes then still show the
    previous issue's decision and candidates under a cursor on another issue (found)."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        queue = screen.query_one(QueueView)
        pane = screen.query_one(EscalationPane)
        first = queue.current_issue()
        assert pane.plain().startswith(f"{first}: ")
        real = loaders.detail

        def broken(*args, **kwargs):
            raise RuntimeError("store gone")

        monkeypatch.setattr(loaders, "detail", broken)
        await pilot.press("down")
        await settle(pilot)
        await pilot.pause(QueueView.HOLD * 3)
        await settle(pilot)
        assert not queue.holding
        assert cursor_rows(queue) == [2], "the cursor was not painted on the new row"
        monkeypatch.setattr(loaders, "detail", real)
        second = queue.current_issue()
        assert not pane.plain().startswith(f"{first}: "), (
            f"cursor on {second}, Escalation pane still shows {first}")


# -- hostile expert text in the line-drawn Candidates pane ---------------------------------------------------


def candidate(name: str, score: float, reasons: list[str], expert_id: str | None = None) -> Candidate:
    return Candidate(expert_id=expert_id or f"E-{score:.0f}", expert_name=name, match_score=score, reasons=reasons,
                     factors={"specialization": Factor(value=1.0, weight=0.5, contribution=0.5)},
                     available_now=True, next_available_at=None, current_workload=2,
                     estimated_turnaround_hours=None, response_sla_minutes=60, expertise_level="senior")


WIDE_NAMES = [
    "山田太郎山田太郎山田太郎山田太郎",  # 32 cells: cut inside a double-width character
    "e\u0301e\u0301e\u0301 combining",  # combining accents (0 cells)
    "Zoë\u200b\u200bZero\u200dWidth",  # zero-width space / joiner
    "\U0001F468\u200d\U0001F469\u200d\U0001F467 family",  # ZWJ emoji sequence
    "⚠\ufe0f warn",  # emoji presentation selector: 1 cell for Rich, 2 in most terminals
    "abc\u202edlrow\u202c",  # right-to-left override (Trojan-source style)
    "line\u2028sep\u2029para",  # Unicode line/paragraph separators
    "tab\there",
]


@pytest.mark.parametrize("width", [40, 70, 140])
async def test_hostile_wide_names_keep_every_line_the_pane_width_and_the_columns_aligned(width: int) -> None:
    """Each candidate line is exactly the pane's width in cells, and (medium/wide layouts) the score column
    starts at the same cell on every row."""
    shown = [candidate(n, 90.0 - i, [n], f"E-{i}") for i, n in enumerate(WIDE_NAMES[:5])]
    pane = CandidatesPane()
    app = PaneApp(pane, height=14, width=None)
    async with app.run_test(size=(160, 30)) as pilot:
        pane.styles.width = width
        await pilot.pause()
        pane.show(Match(primary=shown[0], alternatives=shown[1:3], ranked=shown, note=""))
        await pilot.pause()
        inner = pane.size.width
        for y in range(len(pane._lines)):
            strip = pane.render_line(y)
            assert strip.cell_length == inner, (y, strip.text, strip.cell_length, inner)
        if width >= 56:
            starts = []
            for y in range(1, 1 + len(pane.candidates)):
                text = pane.render_line(y).text
                score = f"{pane.candidates[y - 1].match_score:.1f}"
                at = text.index(score)
                starts.append(cell_len(text[:at]))
            assert len(set(starts)) == 1, f"score column at cells {starts}"


def _bad(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch not in "\n"


@pytest.mark.parametrize("name", WIDE_NAMES[5:] + ["\u00adsoft\u00adhyphen", "\u2066isolate\u2069", "bom\ufeff"])
async def test_no_format_or_separator_character_reaches_the_terminal(name: str) -> None:
    """Found: one_line()/printable() only escape C0/C1 controls; bidi overrides (U+202E),
    line/paragraph separators (U+2028/9), isolates, BOM and other Cf characters in an expert's name reach
    the terminal, where they reorder or break the line."""
    pick = candidate(name, 90.0, [name])
    pane = CandidatesPane()
    app = PaneApp(pane, height=14, width=None)
    async with app.run_test(size=(160, 30)) as pilot:
        pane.styles.width = 70
        await pilot.pause()
        pane.show(Match(primary=pick, alternatives=[], ranked=[pick], note=name))
        await pilot.pause()
        out = "".join(pane.render_line(y).text for y in range(len(pane._lines)))
        leaked = sorted({f"U+{ord(c):04X}" for c in out if _bad(c)})
        assert not leaked, f"{leaked} reach the terminal in {name!r}"


async def test_candidates_drop_the_emoji_presentation_selector_as_the_escalation_pane_does() -> None:
    """Found: the Escalation pane drops U+FE0F ("some terminals draw it wide: borders stay
    aligned"); the new Candidates lines keep it in an expert's name, so that row's columns shift by a cell
    in those terminals (Rich counts 1 cell, the terminal draws 2)."""
    pick = candidate("⚠\ufe0f Warn", 90.0, ["fits"])
    other = candidate("Ann", 80.0, ["fits"], "E-2")
    pane = CandidatesPane()
    app = PaneApp(pane, height=14, width=None)
    async with app.run_test(size=(160, 30)) as pilot:
        pane.styles.width = 100
        await pilot.pause()
        pane.show(Match(primary=pick, alternatives=[other], ranked=[pick, other], note=""))
        await pilot.pause()
        out = "".join(pane.render_line(y).text for y in range(len(pane._lines)))
        assert "\ufe0f" not in out


# -- resizes between the worker's prepare and the UI's show -----------------------------------------------
async def test_a_resize_while_the_detail_is_rendered_shows_lines_for_the_new_size(
        store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        pane = screen.query_one(EscalationPane)
        queue = screen.query_one(QueueView)
        real = EscalationPane.prepare

        def slow(self, *a, **k):
            drawn = real(self, *a, **k)
            time.sleep(0.4)  # the UI resizes meanwhile
            return drawn

        monkeypatch.setattr(EscalationPane, "prepare", slow)
        await pilot.press("down")
        await pilot.pause(0.05)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
        issue = queue.current_issue()
        assert pane.plain().startswith(f"{issue}:"[: pane.size.width]) or pane.plain().startswith(issue)
        width = pane.size.width
        for y in range(pane.size.height):
            assert pane.render_line(y).cell_length == width
        assert pane.size.width < EscalationPane.NARROW and "█" not in pane.plain(), "wide factor table at 80x24"
        assert cursor_rows(queue), "the cursor is not painted after the resize"


async def test_a_shrinking_terminal_keeps_the_cursor_row_in_view(store_copy: Path) -> None:
    """Found (older than the change: QueueView.on_resize never scrolls to the cursor): at 160x48 on a
    low row, a resize to 80x24 leaves the cursor below the viewport, the row acted on invisible."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        queue = screen.query_one(QueueView)
        for _ in range(25):
            await pilot.press("down")
        await settle(pilot)
        await pilot.pause(0.1)
        assert cursor_rows(queue)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        await pilot.pause(0.1)
        bottom = queue.scroll_y + queue.size.height - 2
        assert cursor_rows(queue), f"cursor row {queue.cursor} outside rows {queue.scroll_y}..{bottom}"


# -- held moves -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("keys", [("down", "end"), ("end", "home"), ("pagedown", "pagedown"), ("down", "up"),
                                  ("end", "pagedown"), ("down", "slash"), ("down", "escape")])
async def test_after_any_held_sequence_the_painted_cursor_is_the_current_issue(store_copy: Path, keys) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        queue = screen.query_one(QueueView)
        await pilot.press(*keys)
        await settle(pilot)
        await pilot.pause(QueueView.HOLD * 3)
        await settle(pilot)
        assert not queue.holding
        top = int(queue.scroll_offset.y)
        painted = cursor_rows(queue)
        assert painted == [queue.cursor - top + 1], (painted, queue.cursor, top)
        assert screen.current == queue.current_issue()
        assert screen.query_one(EscalationPane).shown_issue == queue.current_issue()
        cands = screen.query_one(CandidatesPane)
        assert screen.detail is not None and cands.match is screen.detail.match


# -- the scrollbar set without a layout -------------------------------------------------------------------
async def test_after_moves_between_overflowing_decisions_the_wheel_reaches_the_last_line(store_copy: Path) -> None:
    from textual import events

    app = make_app(store_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        pane = screen.query_one(EscalationPane)
        seen = 0
        for _ in range(12):
            before = pane.virtual_size
            await pilot.press("down")
            await settle(pilot)
            await pilot.pause(0.05)
            if not (pane.virtual_size.height > pane.size.height and before.height > pane.size.height
                    and before != pane.virtual_size):
                continue
            seen += 1
            for _ in range(pane.virtual_size.height + 3):  # the mouse wheel over the pane
                pane.post_message(events.MouseScrollDown(pane, 1, 1, 0, 0, 0, False, False, False))
            await settle(pilot)
            await pilot.pause(0.05)
            height = pane.size.height
            assert pane.scroll_y == pane.max_scroll_y == pane.virtual_size.height - height
            last = pane._lines[-1].text.rstrip()
            assert pane.render_line(height - 1).text.rstrip() == last
            bar = pane.vertical_scrollbar
            assert (bar.window_virtual_size, bar.window_size, bar.position) == (
                pane.virtual_size.height, height, pane.scroll_y)
            # the bar's column is not drawn over text: every line was rendered beside it
            assert all(s.cell_length <= pane.size.width - pane.styles.scrollbar_size_vertical for s in pane._lines)
            screen.query_one(QueueView).focus()
        assert seen, "no two overflowing decisions of different lengths in a row"


async def test_another_desks_write_during_a_held_slow_move_leaves_cursor_and_panes_on_one_issue(
        store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from triagedesk.app.desk import Desk
    from triagedesk.store.database import open_store

    app = make_app(store_copy, watch=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        queue = screen.query_one(QueueView)
        real = loaders.detail

        def slow(*args, **kwargs):
            time.sleep(0.3)
            return real(*args, **kwargs)

        monkeypatch.setattr(loaders, "detail", slow)
        # the issue at row 3: the other desk cancels its request / assigns it while our move to it is held
        await pilot.press("down", "down", "down")
        target = queue.current_issue()
        other = open_store(store_copy)
        second = Desk(other, clock=app.desk.clock)
        request = second.queries.request_for(target)
        if request is not None and request.status not in ("completed", "cancelled"):
            act(second, request.id, "cancel", "second desk")  # the row leaves the queue
        else:
            escalate(second, target, "second desk")
        for _ in range(100):
            await pilot.pause(0.03)
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        other.close()
        top = int(queue.scroll_offset.y)
        assert cursor_rows(queue) == [queue.cursor - top + 1]
        assert screen.current == queue.current_issue()
        assert screen.query_one(EscalationPane).shown_issue == screen.current
        assert screen.detail is not None and screen.detail.issue.id == screen.current
        assert screen.query_one(CandidatesPane).match is screen.detail.match


async def test_after_a_failing_detail_the_footer_offers_only_keys_that_work(
        store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Held up (a32c78c; a failing detail could have made it permanent): the footer is only redrawn when
    the detail arrives; when it fails the footer keeps the previous issue's keys (1 Assign, r Reassign) that
    check_action now refuses: pressing them does nothing, silently."""
    from tests.support.legal_keys import legal_labels
    from triagedesk.tui.widgets.key_bar import KeyBar

    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        bar = screen.query_one(KeyBar)
        assert "Assign" in " ".join(d for _k, _d, d in bar.items)

        def broken(*args, **kwargs):
            raise RuntimeError("store gone")

        monkeypatch.setattr(loaders, "detail", broken)
        await pilot.press("down")
        await settle(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
        shown = [description for _key, _display, description in bar.items]
        assert shown == legal_labels(screen), f"footer {shown} but legal {legal_labels(screen)}"


@pytest.mark.parametrize("role", ["expert", "lead"])
async def test_held_moves_for_the_other_roles(store_copy: Path, role: str) -> None:
    from triagedesk.tui.screenshots import busiest_expert

    expert = busiest_expert(store_copy) if role == "expert" else None
    app = make_app(store_copy, role=role, expert_id=expert)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        if role == "lead":
            await pilot.press("escape")
            await pilot.press("d")
            await settle(pilot)
            screen.query_one(QueueView).focus()
            await settle(pilot)
        queue = screen.query_one(QueueView)
        assert len(queue.rows) > 2
        await pilot.press("down", "end", "up")
        await settle(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
        top = int(queue.scroll_offset.y)
        assert cursor_rows(queue) == [queue.cursor - top + 1]
        pane = screen.query_one(EscalationPane)
        assert pane.shown_issue == queue.current_issue()
        assert all(pane.render_line(y).cell_length == pane.size.width for y in range(pane.size.height))


HOSTILE_TITLE = ("[b]x[/]\ttab 山田太郎の非常に長い題名 e\u0301\u0301 \u2028sep " + "W" * 300
                 + " \x1b]0;pwned\x07 \u202eevil\u202c end")


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_a_hostile_title_never_widens_a_line_of_the_escalation_pane_or_the_queue(store_copy: Path,
                                                                                         size) -> None:
    from triagedesk.domain.models import Issue
    from triagedesk.store.database import open_store

    store = open_store(store_copy)
    store.issues.add(Issue(id="EVIL-2", profile="infrastructure", title=HOSTILE_TITLE,
                           description="[red]x[/red]\t\u2028", users_affected=5000,
                           research={"overall_confidence": 0.1}))
    store.close()
    app = make_app(store_copy)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        await pilot.press("slash", *"evil-2", "enter")
        await settle(pilot)
        queue = screen.query_one(QueueView)
        assert queue.current_issue() == "EVIL-2"
        pane = screen.query_one(EscalationPane)
        assert pane.shown_issue == "EVIL-2"
        width = pane.size.width
        for y in range(len(pane._lines)):
            assert pane._lines[y].cell_length <= width
        for y in range(pane.size.height):
            strip = pane.render_line(y)
            assert strip.cell_length == width
            assert "\x1b" not in strip.text and "\x07" not in strip.text and "\t" not in strip.text
        row = queue.render_line(1)
        assert row.cell_length == queue.size.width and "\t" not in row.text and "\x1b" not in row.text


async def test_enter_right_after_a_move_opens_the_new_issue_and_escape_comes_back_painted(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        queue = screen.query_one(QueueView)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        opened = app.screen_stack[-1]
        assert opened is not screen
        text = " ".join(str(v) for v in vars(opened).values())
        assert queue.current_issue() in text
        await pilot.press("escape")
        await settle(pilot)
        await pilot.pause(0.1)
        assert app.screen_stack[-1] is screen and not queue.holding
        assert cursor_rows(queue) == [queue.cursor - int(queue.scroll_offset.y) + 1]
        assert screen.query_one(EscalationPane).shown_issue == queue.current_issue()


async def test_quit_with_a_move_held_exits_cleanly(store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = loaders.detail

    def slow(*args, **kwargs):
        time.sleep(0.2)
        return real(*args, **kwargs)

    app = make_app(store_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(loaders, "detail", slow)
        await pilot.press("down", "pagedown", "q")
        await pilot.pause(0.3)
    assert app._exception is None and app.return_code in (0, None)


# -- a user-written profile's score part names reach the Escalation pane's factor table ------------------------
@pytest.mark.parametrize("part", ["[/]unc", "[red]unc[/red]", "unc \x1b[31m"])
async def test_a_profiles_score_part_name_is_shown_literally_in_the_escalation_pane(part: str) -> None:
    """Found: a profile (a data file a user writes, loaded by `--profile PATH` without a check on
    its [score] keys) names the factors; EscalationPane._content adds the label to a rich Table as a *str*,
    which Rich parses as markup: "[/]" raises MarkupError (now on the detail worker: every issue's detail
    fails), "[red]" colours, ESC reaches the terminal."""
    from triagedesk.domain.models import Decision, Factor, Issue

    issue = Issue(id="APR-1", profile="appraisal", title="t", description="d")
    decision = Decision(issue_id="APR-1", profile="appraisal", should_escalate=True, urgency="high", score=0.5,
                        business_impact=None, factors={part: Factor(value=0.5, weight=0.25, contribution=0.125)},
                        triggers=[], reasons=[], recommended_tier=None, recommended_expert_type=None,
                        expert_level=None, response_due_minutes=None, estimated_expert_minutes=None, message="m")
    pane = EscalationPane()
    app = PaneApp(pane, height=30, width=70)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        drawn = pane.prepare(issue, decision, [], {})  # on the detail worker in the desk
        pane.show(issue, decision, [], {}, drawn)
        await pilot.pause()
        out = pane.plain()
        shown = part.replace("_", " ").replace("\x1b", "\\x1b")
        assert shown in out, f"{part!r} not shown literally: {out!r}"
        assert "\x1b" not in out


@pytest.mark.parametrize("width", [3, 4, 5, 8, 55, 56, 57, 129, 130, 131])
async def test_candidates_at_boundary_and_tiny_widths(width: int) -> None:
    shown = [candidate(n, 90.0 - i, [n, "r" * 80], f"E-{i}") for i, n in enumerate(["Ann", "山田太郎" * 6, "x" * 40,
                                                                                     "Bob", "Cy"])]
    pane = CandidatesPane()
    app = PaneApp(pane, height=14, width=None)
    async with app.run_test(size=(160, 30)) as pilot:
        pane.styles.width = width
        await pilot.pause()
        pane.show(Match(primary=shown[0], alternatives=shown[1:3], ranked=shown, note="n"))
        await pilot.pause()
        inner = pane.size.width
        for y in range(pane.size.height):
            assert pane.render_line(y).cell_length == inner
        assert all(s.cell_length <= inner for s in pane._lines)
        pane.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        if pane._lines:
            visible = [pane.render_line(y).text.rstrip() for y in range(pane.size.height)]
            assert pane._lines[-1].text.rstrip() in visible


@pytest.mark.parametrize("typed", ["zzzzqqq", "INC-000249"])
async def test_moves_in_a_filtered_queue_of_zero_or_one_row(store_copy: Path, typed: str) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = desk_of(app)
        queue = screen.query_one(QueueView)
        await pilot.press("down", "slash", *typed.lower(), "enter")
        await settle(pilot)
        await pilot.press("down", "pagedown", "end", "home", "up", "pageup")
        await settle(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
        assert app._exception is None and not queue.holding
        pane = screen.query_one(EscalationPane)
        cands = screen.query_one(CandidatesPane)
        if not queue.rows:
            assert screen.current is None and cursor_rows(queue) == []
            assert pane.shown_issue is None and cands.candidates == []
            assert "No" in "".join(s.text for s in queue.render_line(1))
        else:
            assert len(queue.rows) == 1 and cursor_rows(queue) == [1]
            assert pane.shown_issue == queue.current_issue() == screen.current
        # and back to the full queue: the cursor and the panes agree again
        await pilot.press("escape")
        await settle(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
        if queue.rows and screen.current is not None:
            assert pane.shown_issue == screen.current == queue.current_issue()
            assert cursor_rows(queue) == [queue.cursor - int(queue.scroll_offset.y) + 1]
