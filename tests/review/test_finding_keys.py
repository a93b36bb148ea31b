"""Review of issue #20 (hostile): every key answers, in states the every-key test does not build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.clock import Clock
from tests.support.stores import desk_at
from tests.support.world import outage
from tests.tui.conftest import settle
from triagedesk.app.desk import Desk
from triagedesk.app.queue import MINE, QueueFilter
from triagedesk.domain.requests.actions import Actor
from triagedesk.resources import config_dir, data_dir
from triagedesk.store.database import open_store
from triagedesk.tui.app import TriageDeskApp
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.screens.forms import ModelForm


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


@pytest.mark.xfail(strict=True, reason="FINDING 18: on a profile with no correctable fields, `c` opens a correction "
                                       "form with nothing to choose instead of answering why (every key answers)")
async def test_finding18_correction_key_answers_when_the_profile_has_no_correctable_fields(tmp_path: Path) -> None:
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
        assert said and said[0].startswith("Correction:"), said
