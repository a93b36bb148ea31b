"""The desk for people who live in it (#27): your keys, the `:` line, undo and redo, copying, the notice history,
the key tester, claims and saved views renamed or deleted, each through Pilot."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.pilot import make_app, screen_of, settle
from triagedesk.app.actor import config_path
from triagedesk.domain.records import OPEN_STATUSES
from triagedesk.domain.requests.actions import Actor
from triagedesk.domain.requests.plan import Intent
from triagedesk.domain.routing.eligibility import eligible
from triagedesk.store.database import open_store
from triagedesk.tui.config import load_settings
from triagedesk.tui.screens.command_prompt import CommandPrompt
from triagedesk.tui.screens.issue_screen import IssueScreen
from triagedesk.tui.screens.key_tester import KeyTesterScreen
from triagedesk.tui.screens.modals import ConfirmScreen, HelpScreen, PromptScreen
from triagedesk.tui.screens.notices_screen import NoticesScreen
from triagedesk.tui.screens.views_screen import ViewsScreen
from triagedesk.tui.widgets.queue_view import QueueView


def configure(text: str) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def rows_in(screen, status: str | None, profile: str | None = None) -> list[str]:
    """Queue rows whose latest request is in `status` (None: never escalated)."""
    data = screen.data
    found = [data.ids[i] for i in range(len(data)) if (data.status[i] == status if status else
                                                        data.request_id[i] is None)
             and (profile is None or data.profile[i] == profile)]
    assert found, f"the demo has {status} rows"
    return found


async def goto(pilot, screen, issue_id: str) -> None:
    """Through the command line, as a person would."""
    await pilot.press("colon", *issue_id, "enter")
    await settle(pilot)
    assert screen.current == issue_id


# -- your keys -------------------------------------------------------------------------------------
async def test_a_remapped_key_takes_the_action_and_the_old_one_no_longer_does(store_copy: Path) -> None:
    configure('[keys]\nescalate = "ctrl+g"\n')
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        target = rows_in(screen, None, "infrastructure")[0]
        await goto(pilot, screen, target)
        await pilot.press("exclamation_mark")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)  # ! is nothing now
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and target in app.screen.question
        await pilot.press("escape")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = [key for _, rows in app.screen.sections for key, text in rows if "expert request" in text]
        assert shown == ["ctrl+g"]
        assert not [n for n in app._notifications if n.severity == "warning"]


async def test_a_clashing_or_unknown_key_starts_with_the_defaults_and_one_notice(store_copy: Path) -> None:
    configure('[keys]\nescalate = "r"\nteleport = "z"\n')
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        told = [n for n in app._notifications if str(n.message).startswith("Your keys")]
        assert len(told) == 1
        assert "teleport: no such action" in str(told[0].message)
        assert "r already takes reassign" in str(told[0].message)
        screen = screen_of(app)
        await goto(pilot, screen, rows_in(screen, None, "infrastructure")[0])
        await pilot.press("exclamation_mark")  # the default kept
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)


async def test_a_key_the_framework_keeps_is_reported_and_the_action_keeps_its_default(store_copy: Path) -> None:
    """ctrl+p is the palette's (Textual's, before any binding of ours): given to escalate it would never run."""
    configure('[keys]\nescalate = "ctrl+p"\n')
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        told = [n for n in notices(app) if n.startswith("Your keys")]
        assert len(told) == 1 and "ctrl+p is kept for the command palette; kept !" in told[0]
        screen = screen_of(app)
        await goto(pilot, screen, rows_in(screen, None, "infrastructure")[0])
        await pilot.press("exclamation_mark")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)


# -- the command line ------------------------------------------------------------------------------
async def test_colon_and_an_id_jumps_to_an_issue_the_filters_hid(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        hidden = rows_in(screen, "waiting")[0]
        await pilot.press("f", "f")  # pending only: the waiting issue is filtered out
        queue = screen.query_one(QueueView)
        assert hidden not in {queue.data.ids[i] for i in queue.rows}
        await pilot.press("colon", *hidden.lower()[:-1])
        assert isinstance(app.screen, CommandPrompt)
        assert hidden in [w.text for w in app.screen.shown]  # completed from the id's first letters, any case
        await pilot.press(hidden[-1], "enter")
        await settle(pilot)
        assert screen.current == hidden and screen.spec.status == "all"
        assert any("the filters hid it" in n for n in notices(app))


@pytest.mark.parametrize("typed", [str, str.lower], ids=["as_shown", "in_lower_case"])
async def test_colon_and_a_closed_issue_opens_it_read_only(typed, store_copy: Path) -> None:
    """A closed issue's id is found in any case, as an open one's is."""
    store = open_store(store_copy)
    closed = next(r.analysis_id for r in store.requests.all() if r.status == "completed"
                  and not [o for o in store.requests.by("analysis_id", r.analysis_id) if o.status in OPEN_STATUSES])
    store.close()
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *typed(closed), "enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueScreen) and app.screen.issue_id == closed and not app.screen.can_edit
        assert any(f"{closed} is closed" in n for n in notices(app))
        await pilot.press("escape", "colon", *"NOPE-1", "enter")
        await settle(pilot)
        assert "No issue NOPE-1." in notices(app)


async def test_words_aliases_and_fuzzy_actions_on_the_line(store_copy: Path) -> None:
    configure('[aliases]\ncrit = "urgency critical"\nloop = "loop"\n')
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("colon", *"crit", "enter")
        assert screen.spec.urgency == 0
        await pilot.press("colon", *"status waiting", "enter")
        assert screen.spec.status == "waiting" and screen.spec.urgency == 0
        await pilot.press("colon", *"profile appraisal", "enter")
        assert screen.spec.profile == "appraisal"
        await pilot.press("colon", *"sort sla", "enter")
        assert screen.spec.sort == "sla"
        await pilot.press("colon", *"clear", "enter")
        assert screen.spec.is_plain()
        await pilot.press("colon", *"loop", "enter")
        assert any("alias 'loop' refers back to itself" in n for n in notices(app))
        await pilot.press("colon", *"status bogus", "enter")
        assert any("no state 'bogus'" in n for n in notices(app))
        await pilot.press("colon", *"hlp")  # fuzzy: the help action, Enter takes the best completion
        assert app.screen.shown and app.screen.shown[0].text == "help"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


# -- undo and redo ---------------------------------------------------------------------------------
def _specialists(app, issue_ids: list[str]) -> tuple[str, list[str]]:
    desk = app.desk
    fits = {key: {c.expert_id for c in eligible(desk.queries.candidates(desk.queries.issue(key)).ranked,
                                                  desk.figures.counted())} for key in issue_ids}
    counts = {e: sum(e in f for f in fits.values()) for key in fits for e in fits[key]}
    expert = max(sorted(counts), key=lambda e: counts[e])
    assert counts[expert] >= 2, "the demo has pending requests two of which one expert can take"
    return expert, [k for k in fits if expert in fits[k]][:3]


async def test_undo_of_a_bulk_assign_restores_every_row_then_redo_takes_it_again(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        expert, targets = _specialists(app, rows_in(screen, "pending_assignment"))
        screen.query_one(QueueView).set_marks(set(targets))
        await pilot.press("M", "a")
        letter = next(key for key, value, _ in app.screen.choices if value == expert)
        await pilot.press(letter)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        status = {screen.data.ids[i]: screen.data.status[i] for i in range(len(screen.data))}
        assert [status[t] for t in targets] == ["assigned"] * len(targets)
        await pilot.press("ctrl+z")
        await settle(pilot)
        status = {screen.data.ids[i]: screen.data.status[i] for i in range(len(screen.data))}
        assert [status[t] for t in targets] == ["pending_assignment"] * len(targets)
        assert any(n.startswith("Undo: ") for n in notices(app))
        await pilot.press("ctrl+y")
        await settle(pilot)
        status = {screen.data.ids[i]: screen.data.status[i] for i in range(len(screen.data))}
        assert [status[t] for t in targets] == ["assigned"] * len(targets)
    store = open_store(store_copy)
    undone = [e for e in store.audit_log.by("action", "unassign") if e.note == "undo"]
    assert len(undone) == len(targets) and all(e.actor == app.actor for e in undone)
    store.close()


async def test_undo_survives_a_restart_and_is_refused_once_the_expert_started(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        expert, targets = _specialists(app, rows_in(screen, "pending_assignment"))
        await goto(pilot, screen, targets[0])
        number = 1 + [c.expert_id for c in screen.candidates()].index(expert)
        await pilot.press(str(number))
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
    desk = make_app(store_copy).desk  # the expert starts a session meanwhile, from her own desk
    request = desk.queries.open_request_for(targets[0])
    assert request is not None and request.assigned_expert_id == expert
    desk.commands.run(Actor("her", "expert", expert), Intent("start", targets[0], request.id))
    desk.close()
    again = make_app(store_copy)  # a new run: the history is the audit log
    async with again.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert any(n.startswith("Cannot undo: ") and "the expert has since started a session" in n
                   for n in notices(again)), notices(again)


# -- small things that save a day ------------------------------------------------------------------
async def test_y_copies_the_id_and_Y_one_line_and_N_lists_every_notice(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        target = screen.current
        assert target is not None
        await pilot.press("y")
        assert app.clipboard == target
        await pilot.press("Y")
        assert app.clipboard.startswith(f"{target} · ") and "\n" not in app.clipboard
        await pilot.press("N")
        await settle(pilot)
        assert isinstance(app.screen, NoticesScreen)
        texts = [n.text for n in app.screen.notices]
        assert texts[:2] == [f"Copied: {app.clipboard}"[:len(texts[0])], f"Copied {target}"]


async def test_the_key_tester_names_each_key_and_what_it_takes(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k")
        assert isinstance(app.screen, KeyTesterScreen)
        tester = app.screen
        await pilot.press("exclamation_mark", "f5", "escape")
        assert tester.pressed[2].startswith("exclamation_mark · character '!' → escalate")
        assert tester.pressed[1] == "f5 → nothing on the desk"
        assert isinstance(app.screen, KeyTesterScreen)  # one Esc is a key to test
        await pilot.press("escape")
        assert not isinstance(app.screen, KeyTesterScreen)


async def test_the_key_tester_names_the_keys_textual_keeps(store_copy: Path) -> None:
    from textual.command import CommandPalette

    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k")
        assert isinstance(app.screen, KeyTesterScreen)
        for key in ("ctrl+p", "ctrl+q", "ctrl+c"):  # the palette's, quit's: named, not taken
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, KeyTesterScreen) and app.is_running
            assert app.screen.pressed and app.screen.pressed[0].startswith(f"{key} → "), app.screen.pressed
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert not isinstance(app.screen, KeyTesterScreen)
        await pilot.press("ctrl+p")  # the palette again once the tester is closed
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)


async def test_an_expert_claims_an_unassigned_request_of_her_specialisation(store_copy: Path) -> None:
    probe = make_app(store_copy).desk
    pending = [r for r in probe.store.requests.all() if r.status == "pending_assignment"
               and r.profile == "infrastructure"]
    issue_id, expert = next((r.analysis_id, c.expert_id) for r in pending for c in eligible(
        probe.queries.candidates(probe.queries.issue(r.analysis_id)).ranked, probe.figures.counted()))
    probe.close()
    app = make_app(store_copy, role="expert", expert_id=expert)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await goto(pilot, screen, issue_id)
        await pilot.press("T")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and app.screen.confirm_label == "Take it", notices(app)
        await pilot.press("enter")
        await settle(pilot)
        assert any(f"{issue_id} claimed by" in n for n in notices(app))
    desk = make_app(store_copy).desk
    request = desk.queries.open_request_for(issue_id)
    assert request is not None and request.assigned_expert_id == expert and request.acknowledged_at is not None
    desk.close()


async def test_saved_views_are_renamed_and_deleted_from_V_and_the_line(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("u", "S", *"hot", "enter", "f", "S", *"hot pending", "enter")
        await pilot.press("V")
        assert isinstance(app.screen, ViewsScreen)
        await pilot.press("r")
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.query_one("#answer").value == "hot"  # the old name, selected: typing replaces it
        await pilot.press(*"hot stuff", "enter")
        assert set(load_settings()[0].views) == {"hot stuff", "hot pending"}
        await pilot.press("V", "d")  # sorted by name: "hot pending" first
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        assert set(load_settings()[0].views) == {"hot stuff"}
        await pilot.press("colon", *"view rename hot stuff = burning", "enter")
        assert set(load_settings()[0].views) == {"burning"}
        await pilot.press("colon", *"view rename nothing = x", "enter")
        assert any("no saved view 'nothing'" in n for n in notices(app))
        await pilot.press("colon", *"view delete burning", "enter")
        assert load_settings()[0].views == {}


async def test_a_view_named_with_an_equals_sign_is_renamed_from_V(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("S", *"sla=breached", "enter")
        await settle(pilot)
        assert set(load_settings()[0].views) == {"sla=breached"}
        await pilot.press("V", "r")
        await pilot.press("ctrl+a", "ctrl+k", *"late=2h", "enter")  # both names pass as typed
        await settle(pilot)
        assert set(load_settings()[0].views) == {"late=2h"}, notices(app)
