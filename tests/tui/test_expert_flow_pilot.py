"""Pilot tests of the expert's flow: K acknowledges, o after E records that session's outcome, completing asks
for the final report, a paused session stays in Timers."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import TextArea

from tests.support.clock import Clock
from tests.support.flows import act, escalate
from tests.support.pilot import make_app, screen_of, settle
from tests.support.stores import desk_at
from tests.support.world import outage
from triagedesk.app.desk import Desk
from triagedesk.app.queue import MINE, QueueFilter
from triagedesk.domain.requests.actions import Actor
from triagedesk.resources import config_dir, data_dir
from triagedesk.store.database import open_store
from triagedesk.tui import keys
from triagedesk.tui.app import TriageDeskApp
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.screens.forms import ModelForm
from triagedesk.tui.screens.outcome_forms import CompletingOutcomeForm
from triagedesk.tui.widgets.queue_view import QueueView
from triagedesk.tui.widgets.timers_pane import TimersPane


def an_unacknowledged_assignment(path: Path) -> tuple[str, str, str]:
    """A fresh assignment (nobody has acknowledged it): an infrastructure issue escalated and given to an expert."""
    from tests.support.pilot import NOW
    from triagedesk.app.desk import Desk

    store = open_store(path)
    desk = Desk(store, clock=lambda: NOW)
    try:
        asked = {r.analysis_id for r in store.requests.all()}
        issue = next(i for i in store.issues.all() if i.profile == "infrastructure" and i.id not in asked)
        expert = next(e for e in store.experts.all() if e.is_active and e.id.startswith(("net", "sec", "cloud")))
        request = escalate(desk, issue.id or "", "cora")
        act(desk, request.id, "assign", "cora", expert.id)
        return request.id, issue.id or "", expert.id
    finally:
        store.close()


def offered(screen, action: str) -> bool:  # type: ignore[no-untyped-def]
    """The key bar offers the key now (the table's answer for the desk's expert)."""
    return action in {k.name for k in keys.bar(screen.role, screen.selection, screen.expert_id)}


async def goto(pilot, queue: QueueView, issue_id: str) -> None:
    for _ in range(len(queue.rows)):
        if queue.current_issue() == issue_id:
            return
        await pilot.press("down")
    raise AssertionError(f"{issue_id} not in the queue")


async def test_acknowledge_then_session_end_outcome_and_final_report(store_copy: Path) -> None:
    request_id, issue_id, expert_id = an_unacknowledged_assignment(store_copy)
    app = make_app(store_copy, role="expert", expert_id=expert_id)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await goto(pilot, screen.query_one(QueueView), issue_id)
        await settle(pilot)
        assert offered(screen, "acknowledge")
        assert not offered(screen, "outcome")
        await pilot.press("K")
        await settle(pilot)
        assert not offered(screen, "acknowledge")  # done: the key leaves the footer
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("space")  # paused: still shown in Timers
        await settle(pilot)
        timers = screen.query_one(TimersPane)
        assert any("session" in line and issue_id in line for line in timers.text().plain.splitlines())
        await pilot.press("E")
        await settle(pilot)
        assert offered(screen, "outcome")  # ended, its outcome still to record
        await pilot.press("o")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CompletingOutcomeForm)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, CompletingOutcomeForm)  # the final report is required
        await pilot.press(*"All good")  # typed into the first field, the final report
        assert form.query_one("#f-final_report", TextArea).text == "All good"
        form.query_one("#f-final_report", TextArea).load_text("All good; see the notes.")
        form.query_one("#f-knowledge_gained", TextArea).load_text("learned")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
    store = open_store(store_copy)
    request = store.requests.require(request_id)
    outcomes = [o for o in store.outcomes.all() if o.request_id == request_id]
    acks = [e for e in store.audit_log.all() if e.target_id == request_id and e.action == "acknowledge"]
    store.close()
    assert request.acknowledged_at is not None and acks and acks[0].actor == expert_id
    assert (request.status, request.final_report) == ("completed", "All good; see the notes.")
    assert len(outcomes) == 1


def _profile_without_corrections() -> str:
    """The shipped infrastructure profile as a user's own `quiet` profile, its `[corrections.fields]` emptied."""
    text = (data_dir() / "profiles" / "infrastructure.toml").read_text("utf-8")
    text = text.replace('name = "infrastructure"', 'name = "quiet"', 1)
    text = text.replace('id_prefix = "INC"', 'id_prefix = "QUI"')
    head, _, _tail = text.partition("[corrections.fields]")
    folder = config_dir() / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "quiet.toml").write_text(head, "utf-8")
    assert re.search(r"^name = \"quiet\"", head, re.M)
    return "quiet"


async def test_correction_key_answers_when_the_profile_has_no_correctable_fields(tmp_path: Path) -> None:
    """Review of #20, finding 18: every key answers; `c` names why, instead of an empty form."""
    profile = _profile_without_corrections()
    clock = Clock()
    issue = outage("QUI-1").model_copy(update={"profile": profile})
    desk = desk_at(tmp_path, None, [issue], clock)
    assert desk.engine.profile(profile).corrections.fields == {}
    desk.commands.escalate("QUI-1", Actor("coord"))
    desk.commands.assign("QUI-1", "net-ana", Actor("coord"))
    desk.close()
    app = TriageDeskApp(Desk(open_store(tmp_path / "desk.json"), clock=clock), role="expert", expert_id="net-ana",
                        live=False, watch=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DeskScreen)
        screen.spec = QueueFilter(text="qui-1", assignee=MINE)
        screen.apply_filter(keep="QUI-1")
        await settle(pilot)
        assert screen.current == "QUI-1"
        told = len(app._notifications)
        await pilot.press("c")
        await settle(pilot)
        said = [str(n.message) for n in list(app._notifications)[told:]]
        assert not isinstance(app.screen, ModelForm), "an empty correction form opened"
        assert said == ["Correction: the quiet profile has no correctable fields (its [corrections.fields] table is "
                        "empty)"], said
