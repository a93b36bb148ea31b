"""Review of issue #20 (hostile): the README's workflow section against the behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.clock import Clock
from tests.support.stores import desk_at
from tests.support.world import outage
from triagedesk.domain.requests.actions import Actor
from triagedesk.tui.screens.issue_screen import IssueScreen

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")


def _keys_of(screen: type) -> set[str]:
    return {key.strip() for binding in screen.BINDINGS for key in binding.key.split(",")}  # type: ignore[union-attr]


@pytest.mark.xfail(strict=True, reason="FINDING 21: the README says `e` edits the issue on the issue screen; the key "
                                       "is ctrl+e (`e` is the senior escalation on the desk)")
def test_finding21_readme_names_the_issue_screens_edit_key() -> None:
    said = "`e` edits the issue" in README
    assert not said or "e" in _keys_of(IssueScreen), "README: `e` edits the issue; IssueScreen binds ctrl+e"


@pytest.mark.xfail(strict=True, reason="FINDING 22: the README says Timers and `timers` show assigned, in-review and "
                                       "waiting requests; pending requests' resolve clocks are there too (and "
                                       "breach)")
def test_finding22_readme_says_which_requests_timers_show(tmp_path: Path) -> None:
    desk = desk_at(tmp_path, None, [outage("INC-1")], Clock())
    try:
        desk.commands.escalate("INC-1", Actor("coord"))
        shown = {c.request.status for c in desk.queries.clocks()}
        assert shown == {"pending_assignment"}  # a pending request's resolve clock is in Timers
        assert "SLA clocks of assigned, in-review and waiting requests" not in README
        assert "live SLA countdowns of assigned, in-review and waiting requests" not in README
    finally:
        desk.close()
