"""The README's workflow section against the behaviour: the issue screen's edit key, which requests Timers show.
(From the review of issue #20: findings 21 and 22.)"""

from __future__ import annotations

from pathlib import Path

from tests.support.clock import Clock
from tests.support.stores import desk_at
from tests.support.world import outage
from triagedesk.domain.requests.actions import Actor
from triagedesk.tui.screens.issue_screen import IssueScreen

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")


def _keys_of(screen: type) -> set[str]:
    return {key.strip() for binding in screen.BINDINGS for key in binding.key.split(",")}  # type: ignore[union-attr]


def test_the_readme_names_the_issue_screens_edit_key() -> None:
    assert "ctrl+e" in _keys_of(IssueScreen)
    assert "`ctrl+e` edits the issue" in README
    assert "`e` edits the issue" not in README  # `e` is the senior escalation on the desk


def test_the_readme_says_which_requests_timers_show(tmp_path: Path) -> None:
    desk = desk_at(tmp_path, None, [outage("INC-1")], Clock())
    try:
        desk.commands.escalate("INC-1", Actor("coord"))
        shown = {c.request.status for c in desk.queries.clocks()}
        assert shown == {"pending_assignment"}  # a pending request's resolve clock is in Timers
        assert "SLA clocks of assigned, in-review and waiting requests" not in README
        assert "live SLA countdowns of assigned, in-review and waiting requests" not in README
        assert "a pending\n  request's resolve target included" in README
    finally:
        desk.close()
