"""A desk key through Pilot takes an action exactly as the desk's command does: the same notice of refusal, or the
same records and audit entries, over random histories (hypothesis; few examples: each starts the app)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support.doors import ISSUES, built, copy_store, histories, ids_of, state_of
from tests.support.pilot import settle
from triagedesk.app.commands import Refused
from triagedesk.app.desk import Desk
from triagedesk.app.queue import QueueFilter
from triagedesk.domain.requests.actions import Actor
from triagedesk.domain.requests.plan import Intent
from triagedesk.store.database import open_store
from triagedesk.tui import keys
from triagedesk.tui.app import TriageDeskApp
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.screens.modals import ConfirmScreen
from triagedesk.tui.screens.workflow_door import refusal_text
from triagedesk.tui.widgets.candidates_pane import CandidatesPane

KEYS = {"escalate": "exclamation_mark", "pay": "dollar_sign", "reassign": "r", "senior": "e",
        "wait_resume": "w", "cancel_request": "x", "assign": "1"}


ACTOR = "cora"


async def _press(path: Path, clock, issue_id: str, key: str) -> tuple[str, Intent | None]:
    """Press the coordinator's key on the issue, confirm what is asked (no note), decline an override; what the
    desk said, and the intent the same action is (for the command door)."""
    app = TriageDeskApp(Desk(open_store(path), clock=clock), live=False, watch=False)
    app.actor = ACTOR  # the audit's "who", as the command door says it
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        screen.spec = QueueFilter(text=issue_id.lower())
        screen.apply_filter(keep=issue_id)
        await settle(pilot)
        if screen.current != issue_id:
            return "not in the queue", None  # closed: the queue does not show it, no key can act on it
        selection = screen.selection
        name = {"assign": keys.give_rule(selection), "wait_resume": keys.wait_rule(selection),
                "cancel_request": "cancel"}.get(key, key)
        pane = screen.query_one(CandidatesPane).candidates
        expert = pane[0].expert_id if key == "assign" and pane else None
        intent = Intent(name, issue_id, selection.request_id, expert)
        told = {n.identity for n in app._notifications}
        await pilot.press(KEYS[key])
        await settle(pilot)
        said = "done"
        if isinstance(app.screen, ConfirmScreen):
            if app.screen.question.endswith("anyway?"):
                await pilot.press("escape")  # the override is declined: nothing written
                said = "override declined"
            else:
                await pilot.press("enter")
            await settle(pilot)
        notes = [n for n in app._notifications if n.identity not in told]
        refusals = [n.message for n in notes if n.severity == "warning"]
        if refusals:
            said = refusals[0]
        await pilot.press("q")
    return said, intent


@pytest.mark.long
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories, issue=st.integers(0, len(ISSUES) - 1), key=st.sampled_from(sorted(KEYS)))
def test_a_key_takes_the_action_as_the_desk_command_does(history: list[tuple[int, str, int]], issue: int,
                                                         key: str) -> None:
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        clock = built(root / "base", history)
        base = ids_of(root / "base" / "desk.json")
        by_key, by_command = copy_store(root / "base", root / "key"), copy_store(root / "base", root / "command")
        issue_id = ISSUES[issue].id or ""
        said, intent = asyncio.run(_press(by_key, clock, issue_id, key))
        if intent is None:
            return
        desk = Desk(open_store(by_command), clock=clock)
        try:
            try:
                desk.commands.run(Actor(ACTOR), intent)
                expected = "done"
            except Refused as exc:
                expected = "override declined" if exc.refusal.overridable else refusal_text(exc.refusal)
        finally:
            desk.close()
        if said != expected:  # the key's own condition may speak first (no candidate): then nothing was written
            assert expected != "done", (said, expected)
        event(f"{key}: {'taken' if said == 'done' else 'refused'}")
        assert state_of(by_key, base) == state_of(by_command, base), (key, said, expected)
        with contextlib.suppress(OSError):
            shutil.rmtree(root)
