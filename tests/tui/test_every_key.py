"""Every key in every request state of both profiles, in every role, at 160x48 and 80x24: the desk stays open.

Each (profile, state, key) gets its own issue, so a key that writes never changes the state the next key
is pressed in. A confirmation is confirmed (the write path is what used to crash); a prompt gets a
mistyped path; a form is submitted as it is. A refused write leaves the journal byte for byte as it was.
"""

from __future__ import annotations

import inspect
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from textual.command import CommandPalette

from tests.support.flows import act, escalate, start_session
from tests.support.pilot import NOW, settle
from triagedesk.app.desk import Desk
from triagedesk.app.queue import MINE, QueueFilter
from triagedesk.domain.inputs import parse_models
from triagedesk.domain.models import Expert, Issue
from triagedesk.resources import data_dir
from triagedesk.store.check import check
from triagedesk.store.database import open_store
from triagedesk.tui import keys
from triagedesk.tui.app import TriageDeskApp
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.screens.forms import ModelForm
from triagedesk.tui.screens.modals import ConfirmScreen, PromptScreen
from triagedesk.tui.widgets.queue_view import QueueView

STATES = {
    "infrastructure": ["new", "pending_assignment", "assigned", "in_review", "waiting"],
    "appraisal": ["new", "pending_payment", "pending_assignment", "assigned", "in_review", "waiting"],
}
EXPERTS = {"appraisal": "expert-456", "infrastructure": "net-ana"}
"""Who holds each profile's held requests below (a silver appraiser, a network architect): the expert role's desk."""
PRESSED = [k for k in keys.KEYS if k.key != "q" and k.name not in ("undo", "redo")]
"""q last, once; undo and redo take back the steps before them (tests/tui/test_power_desk.py)."""
WRITES = {"assign", "escalate", "pay", "reassign", "senior", "wait_resume", "cancel_request", "new_issue",
          "acknowledge", "start_session", "toggle_session", "end_session", "outcome", "correction", "claim"}
WRITING = [k for k in PRESSED if k.name in WRITES]
"""The keys whose confirmation writes: each gets its own issue in each state."""
FULL = os.environ.get("TRIAGEDESK_EVERY_KEY_FULL") == "1"
"""`make keys-soak`: every role and profile at both sizes (the default run alternates sizes)."""


def issue_id(profile: str, state: str, n: int) -> str:
    short = {"new": "NEW", "pending_payment": "PPAY", "pending_assignment": "PASS", "assigned": "ASGN",
             "in_review": "REVW", "waiting": "WAIT"}[state]
    return f"K-{profile[:3].upper()}-{short}-{n:02d}"


def _experts() -> list[Expert]:
    out: list[Expert] = []
    for name in ("infrastructure", "appraisal"):
        path = data_dir() / "experts" / f"{name}.jsonl"
        out += parse_models(path.read_text("utf-8"), str(path), Expert)
    return out


def _issue(profile: str, key: str) -> Issue:
    if profile == "appraisal":
        return Issue(id=key, profile="appraisal", title=f"Silver teapot {key}", category="silver",
                     estimated_value={"min": 50000, "max": 80000}, confidence=0.5, created_at=NOW)
    return Issue(id=key, profile="infrastructure", title=f"Core switch down {key}", users_affected=900,
                 total_users=1000, affected_systems=["core-switch"], created_at=NOW,
                 research={"overall_confidence": 0.3})


@pytest.fixture(scope="module")
def every_state_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("every-key") / "desk.json"
    store = open_store(path)
    store.experts.put_many(_experts())
    desk = Desk(store, clock=lambda: NOW - timedelta(hours=1))
    for profile, states in STATES.items():
        for state in states:
            for n in range(len(WRITING)):
                key = issue_id(profile, state, n)
                store.issues.add(_issue(profile, key), actor="test")
                if state == "new":
                    continue
                request = escalate(desk, key, "test")
                if state == "pending_payment":
                    continue
                if request.status == "pending_payment":
                    act(desk, request.id, "pay", "test")
                if state == "pending_assignment":
                    continue
                act(desk, request.id, "assign", "test", EXPERTS[profile])
                if state in ("in_review", "waiting"):
                    start_session(desk, request.id)
                if state == "waiting":
                    act(desk, request.id, "wait", "test")
    store.close()
    return path


def _copy(source: Path, target: Path) -> Path:
    target.mkdir()
    for file in source.parent.glob("desk.json*"):
        shutil.copy2(file, target / file.name)
    return target / "desk.json"


async def _select(pilot, screen: DeskScreen, target: str) -> None:
    """The issue alone in the queue, under the cursor, on the Desk tab, the queue focused (not the filter box)."""
    if screen.query_one("#tabs").active != "desk":
        await pilot.press("d")
    screen.query_one("#filter").display = False
    screen.query_one(QueueView).focus()
    screen.spec = QueueFilter(text=target.lower(), assignee=MINE if screen.role == "expert" else None)
    screen.apply_filter(keep=target)
    await settle(pilot)
    assert screen.current == target, (target, screen.current)


def _legal(screen: DeskScreen, row: keys.Key) -> bool:
    """The key table allows it now (an app-wide key always)."""
    if row.scope == "app":
        return True
    return screen.role in row.roles and keys.refusal(row, row.params(), screen.role, screen.selection,
                                                     screen.expert_id) is None


async def _close_modals(pilot, app: TriageDeskApp) -> None:
    for _ in range(6):
        screen = app.screen
        if isinstance(screen, DeskScreen):
            return
        if isinstance(screen, ConfirmScreen):
            await pilot.press("enter")
        elif isinstance(screen, PromptScreen):
            screen.query_one("Input").value = "no/such/profile.toml"
            await pilot.press("enter")
        elif isinstance(screen, ModelForm):
            await pilot.press("ctrl+s")
            await settle(pilot)
            if app.screen is screen:
                await pilot.press("escape")
        else:
            await pilot.press("escape")
        await settle(pilot)
    raise AssertionError(f"could not get back to the desk from {app.screen!r}")


def _unexpected(app: TriageDeskApp) -> list[str]:
    return [n.message for n in app._notifications if n.message.startswith("Unexpected error")]


SIZES = [(160, 48), (80, 24)]
CASES = [(role, profile, size) for role in ("coordinator", "expert", "lead") for profile in STATES for size in SIZES]
if not FULL:  # in `make test`: the paid path at 80x24, the expert's at 160x48 (the full matrix is `make keys-soak`)
    CASES = [("coordinator", "appraisal", (80, 24)), ("expert", "infrastructure", (160, 48))]


@pytest.mark.long
@pytest.mark.parametrize("role, profile, size", CASES, ids=lambda v: f"{v[0]}x{v[1]}" if isinstance(v, tuple) else v)
async def test_every_key_in_every_state(every_state_store: Path, tmp_path: Path, role: str, profile: str,
                                        size: tuple[int, int]) -> None:
    path = _copy(every_state_store, tmp_path / "desk")
    store = open_store(path)
    expert_id = EXPERTS[profile] if role == "expert" else None
    app = TriageDeskApp(Desk(store, clock=lambda: NOW), role=role, expert_id=expert_id, live=False, watch=False)
    journal = store.journal.journal_path
    pressed = refused = answered = 0
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        if role == "lead":
            await pilot.press("d")  # the lead opens on Analytics; the desk's keys are pressed on the Desk tab
        for state in STATES[profile]:
            if True:
                if role == "expert" and state in ("new", "pending_payment", "pending_assignment"):
                    continue  # not in an expert's queue
                # the keys that write nothing here, pressed together on one issue: nothing is written; each of the
                # role's keys that is not legal now answers with the table's reason, and none opens anything
                first = issue_id(profile, state, 0)
                await _select(pilot, screen, first)
                legal = [(WRITING.index(row), row) for row in WRITING if _legal(screen, row)]
                idle = [row for row in PRESSED if row not in WRITING or not _legal(screen, row)]
                before = journal.read_bytes()
                for row in idle:
                    if (screen.current != first or screen.query_one("#filter").display
                            or screen.query_one("#tabs").active != "desk" or screen.spec.text != first.lower()):
                        await _select(pilot, screen, first)  # a filter key moved the queue, / focused the box: back
                    params = row.params()
                    reason = keys.refusal(row, params, role, screen.selection, expert_id) \
                        if role in row.roles and row.scope == "screen" else None
                    told = {n.identity for n in app._notifications}
                    await pilot.press(row.key.split(",")[0])
                    if reason is not None:  # not legal now: the table's reason, nothing opened
                        await settle(pilot)
                        said = [n.message for n in app._notifications if n.identity not in told]
                        assert said == [reason], (row.key, state, said, reason)
                        assert isinstance(app.screen, DeskScreen), (row.key, state, app.screen)
                        answered += 1
                    elif not isinstance(app.screen, DeskScreen):  # a view: closed again
                        await settle(pilot)
                        await _close_modals(pilot, app)
                await settle(pilot)
                assert isinstance(app.screen, DeskScreen), (state, app.screen)
                assert journal.read_bytes() == before, f"a key that writes nothing wrote, in {state}"
                pressed += len(idle)
                for n, row in legal:  # each legal key on its own issue in this state
                    target = issue_id(profile, state, n)
                    await _select(pilot, screen, target)
                    before = journal.read_bytes()
                    told = len(app._notifications)
                    await pilot.press(row.key.split(",")[0])
                    await settle(pilot)
                    await _close_modals(pilot, app)
                    pressed += 1
                    assert app.is_running, f"{row.key} on {target} ({state}) closed the desk"
                    assert not _unexpected(app), (row.key, target, _unexpected(app))
                    errors = [m for m in list(app._notifications)[told:] if m.severity == "error"
                              and not m.message.startswith("SLA breached")]
                    if errors:
                        refused += 1
                        assert journal.read_bytes() == before, f"{row.key} on {target} half-wrote: {errors}"
        await pilot.press("q")
    assert pressed > 0 and answered > 0, (pressed, answered)
    assert check(path).ok


@pytest.mark.long
async def test_every_palette_command(every_state_store: Path, tmp_path: Path) -> None:
    """Each command the palette offers runs (it used to call the screen's own run_action and crash), and only ours."""
    path = _copy(every_state_store, tmp_path / "desk")
    app = TriageDeskApp(Desk(open_store(path), clock=lambda: NOW), live=False, watch=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        target = issue_id("appraisal", "assigned", 1)
        screen.spec = QueueFilter(text=target.lower())
        screen.apply_filter(keep=target)
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Reassign" in titles and "Paid" not in titles  # only what applies to an assigned request
        for title in titles:
            if title in ("Quit", "Keys", "Screenshot", "Maximize", "Minimize"):
                continue
            command = next((c for c in app.get_system_commands(screen) if c.title == title), None)
            if command is None:
                continue  # an earlier command changed the request: this one no longer applies
            result = command.callback()
            if inspect.isawaitable(result):
                await result
            await settle(pilot)
            await _close_modals(pilot, app)
            assert app.is_running, title
            assert not _unexpected(app), (title, _unexpected(app))
        assert not isinstance(app.screen, CommandPalette)
