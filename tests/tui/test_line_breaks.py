"""A line break in a title (any sync client may write one) shows as ⏎ on one line: the queue, the Escalation
pane and `show` all use `display.one_line`."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from tests.support.cli import run_cli
from tests.support.pilot import make_app, settle
from triagedesk.display import one_line
from triagedesk.domain.models import Issue
from triagedesk.store.database import open_store
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.widgets.escalation_pane import EscalationPane
from triagedesk.tui.widgets.queue_view import QueueView

TITLE = "Disk full\non db-3\r\nagain\rnow"


def test_one_line_shows_every_line_break_as_a_mark() -> None:
    assert one_line(TITLE) == "Disk full⏎on db-3⏎again⏎now"
    assert one_line("tab\there\x1b[31m") == "tab here\\x1b[31m"


def _add(path: Path) -> None:
    store = open_store(path)
    store.issues.add(Issue(id="NL-1", profile="infrastructure", title=TITLE, users_affected=5000,
                           research={"overall_confidence": 0.1}))
    store.close()


def test_show_keeps_the_heading_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    _add(path)
    shown = run_cli("show", "NL-1", "--db", str(path))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[:2] == ["## Issue", "NL-1: Disk full⏎on db-3⏎again⏎now"]


async def test_queue_and_escalation_pane_keep_the_title_on_one_line(store_copy: Path) -> None:
    _add(store_copy)
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        await pilot.press("slash", *"db-3")
        await settle(pilot)
        queue = screen.query_one(QueueView)
        assert queue.current_issue() == "NL-1"
        row = "".join(segment.text for segment in queue.render_line(1))
        assert "Disk full⏎on db-3⏎again" in row
        console = Console(width=300, record=True, file=open("/dev/null", "w"))
        console.print(screen.query_one(EscalationPane).source)
        first = console.export_text().splitlines()[0]
        assert first.startswith("NL-1: Disk full⏎on db-3⏎again⏎now")
