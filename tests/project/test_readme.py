"""The README and the docs against the behaviour: the README is short and links every page of docs/; the desk's
page names the issue screen's edit key and which requests Timers show (review of #20: findings 21 and 22)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.clock import Clock
from tests.support.stores import desk_at
from tests.support.world import outage
from triagedesk.domain.requests.actions import Actor
from triagedesk.tui.screens.issue_screen import IssueScreen

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")
DESK = (ROOT / "docs" / "desk.md").read_text("utf-8")
LINK = re.compile(r"\]\(([^)#]+)(#[^)]*)?\)")


def _keys_of(screen: type) -> set[str]:
    return {key.strip() for binding in screen.BINDINGS for key in binding.key.split(",")}  # type: ignore[union-attr]


def test_the_readme_names_the_issue_screens_edit_key() -> None:
    assert "ctrl+e" in _keys_of(IssueScreen)
    assert "`ctrl+e` edits the issue" in DESK
    assert "`e` edits the issue" not in DESK + README  # `e` is the senior escalation on the desk


def test_the_readme_says_which_requests_timers_show(tmp_path: Path) -> None:
    desk = desk_at(tmp_path, None, [outage("INC-1")], Clock())
    try:
        desk.commands.escalate("INC-1", Actor("coord"))
        shown = {c.request.status for c in desk.queries.clocks()}
        assert shown == {"pending_assignment"}  # a pending request's resolve clock is in Timers
        assert "SLA clocks of assigned, in-review and waiting requests" not in DESK
        assert "live SLA countdowns of assigned, in-review and waiting requests" not in DESK
        assert "a pending\n  request's resolve target included" in DESK
    finally:
        desk.close()


def test_the_readme_is_short_and_links_every_page_of_the_docs() -> None:
    assert len(README.encode("utf-8")) <= 10 * 1024
    linked = {target for target, _ in LINK.findall(README)}
    pages = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert len(pages) >= 8
    assert pages <= linked, sorted(pages - linked)


def test_every_relative_link_in_the_readme_and_the_docs_resolves() -> None:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    checked = 0
    for path in files:
        for target, _ in LINK.findall(path.read_text("utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (path.parent / target).exists(), f"{path.relative_to(ROOT)} links {target}"
            checked += 1
    assert checked > 10


def test_the_readmes_keys_are_the_desks() -> None:
    from triagedesk.tui.keys import KEYS

    bound = {row.shown_key for row in KEYS} | {key for row in KEYS for key in row.key.split(",")}
    bound |= {"↑", "↓", "Space", "ctrl+p"}  # the queue's cursor and marks, Textual's palette
    table = README.split("## The ten keys that matter")[1].split("\n## ")[0]
    named = [k for k in re.findall(r"`([^`]+)`", table) if k != "config.toml" and not k.startswith("[")]
    assert len(named) >= 10
    missing = [k for k in named if k not in bound]
    assert not missing, missing
