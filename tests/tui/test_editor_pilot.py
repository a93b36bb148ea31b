"""ctrl+o opens a form's long text in $VISUAL / $EDITOR (the desk suspended through Textual's `App.suspend`), and
what the editor saved comes back into the field; a missing editor, one that fails, or a terminal that cannot be
handed over leave the field as it was, with a one-line notice. The temporary file is always removed.

The editor is a real program: a shell script each test writes, run as the desk would run the user's. Textual's
headless driver (Pilot's) says it cannot suspend: there is no terminal to hand over, and its suspend and resume have
nothing to do. The tests that reach the editor let it say so (`can_suspend`), so everything else runs as in a
terminal: `App.suspend`, the editor's process, the file read back and removed. One test keeps the headless answer
and sees the notice a terminal that cannot suspend gets."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import Input, TextArea

from tests.support.pilot import make_app, settle
from triagedesk.tui.screens.forms import NewIssueForm
from triagedesk.tui.screens.modals import ConfirmScreen
from triagedesk.tui.widgets.queue_view import QueueView

TYPED = "Seen at 09:00 by the night shift."


def editor(folder: Path, body: str, name: str = "editor") -> Path:
    """A shell script standing for the user's editor: it notes which file it was given, then does `body`."""
    script = folder / name
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{folder}/given"\n{body}\n', "utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.fixture
def suspendable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(HeadlessDriver, "can_suspend", property(lambda self: True))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    return monkeypatch


async def ctrl_o_on_the_description(store_copy: Path, text: str = TYPED) -> tuple[str, list[str], object]:
    """Open the new-issue form, type a title and `text` as the description, press ctrl+o: the description after,
    the notices, and the app (saved with ctrl+s by the caller's checks)."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NewIssueForm)
        form.query_one("#f-title", Input).value = "Night shift report"
        area = form.query_one("#f-description", TextArea)
        area.load_text(text)
        area.focus()
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert app.screen is form and form.focused is area
        after = area.text
        await pilot.press("ctrl+s")
        await settle(pilot)
        notices = [str(n.message) for n in app._notifications]
    return after, notices, app


async def test_no_editor_set_is_one_notice_and_the_text_stays(store_copy: Path, env, suspendable) -> None:
    after, notices, _app = await ctrl_o_on_the_description(store_copy)
    assert after == TYPED
    assert any(n.startswith("No editor set: set VISUAL or EDITOR") for n in notices)


async def test_a_missing_editor_leaves_the_text(store_copy: Path, tmp_path: Path, env, suspendable) -> None:
    env.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    after, notices, _app = await ctrl_o_on_the_description(store_copy)
    assert after == TYPED
    assert any("not found (VISUAL / EDITOR): the description is unchanged." in n for n in notices)


async def test_an_editor_that_fails_leaves_the_text_and_the_file_is_removed(store_copy: Path, tmp_path: Path, env,
                                                                              suspendable) -> None:
    env.setenv("EDITOR", str(editor(tmp_path, 'printf "half-written" >> "$1"\nexit 3')))
    after, notices, _app = await ctrl_o_on_the_description(store_copy)
    assert after == TYPED  # what it wrote before failing is not taken
    assert any("exited with 3: the description is unchanged." in n for n in notices)
    given = Path((tmp_path / "given").read_text("utf-8"))
    assert given.name.startswith("triagedesk-") and not given.exists()


async def test_a_terminal_that_cannot_suspend_says_so(store_copy: Path, tmp_path: Path, env) -> None:
    env.setenv("EDITOR", str(editor(tmp_path, 'printf "\\nnever\\n" >> "$1"')))
    after, notices, _app = await ctrl_o_on_the_description(store_copy)  # headless: Textual cannot suspend
    assert after == TYPED
    assert any(n.startswith("This terminal cannot hand the screen to an editor") for n in notices)
    assert not (tmp_path / "given").exists()  # the editor never ran


async def test_the_editor_edits_the_text_and_it_is_saved(store_copy: Path, tmp_path: Path, env, suspendable) -> None:
    env.setenv("VISUAL", str(editor(tmp_path, 'printf "\\nadded by the editor\\n" >> "$1"')))
    env.setenv("EDITOR", str(tmp_path / "no-such-editor"))  # VISUAL comes first
    after, notices, app = await ctrl_o_on_the_description(store_copy)
    assert after == f"{TYPED}\nadded by the editor"  # the editor's own newline at the end is not kept
    given = Path((tmp_path / "given").read_text("utf-8"))
    assert given.name.startswith("triagedesk-") and not given.exists()  # the temporary file is removed
    assert not any("editor" in n.lower() for n in notices)
    made = [i for i in app.desk.store.issues.all() if i.title == "Night shift report"]
    assert len(made) == 1 and made[0].description == f"{TYPED}\nadded by the editor"


async def test_an_editor_command_with_arguments_and_text_with_a_final_newline(store_copy: Path, tmp_path: Path,
                                                                             env, suspendable) -> None:
    """EDITOR is a command line ("code --wait"); a text that ended with a newline keeps it."""
    script = editor(tmp_path, 'printf "%s\\n" "$2" > "$3"', name="ed with space")
    env.setenv("EDITOR", f"'{script}' --replace-with \"one line\"")
    after, _notices, _app = await ctrl_o_on_the_description(store_copy, "old text\n")
    assert after == "one line\n"


async def test_what_the_editor_saves_is_data_escape_sequences_and_nul_never_reach_the_field(
        store_copy: Path, tmp_path: Path, env, suspendable) -> None:
    """ESC [2J (clear the screen), OSC 52 (write the clipboard) and a NUL in the editor's file: the sequences are
    dropped whole, the tab becomes spaces, the NUL a visible \ufffd, said once."""
    body = "printf 'seen \\033[2J\\033]52;c;aGk=\\007 then\\000 nul\\tx\\r\\nline 2\\n' > \"$1\""
    env.setenv("EDITOR", str(editor(tmp_path, body)))
    after, notices, _app = await ctrl_o_on_the_description(store_copy)
    assert after == "seen  then\ufffd nul x\nline 2"
    assert len([n for n in notices if "NUL byte" in n]) == 1, notices


async def test_a_confirmations_note_opens_in_the_editor_and_is_written_as_one_line(store_copy: Path, tmp_path: Path,
                                                                                   env, suspendable) -> None:
    """ctrl+o in a confirmation's note: the editor gets what was typed, and what it saves comes back as one line
    (an audit note is one line), then Enter writes it with the action."""
    env.setenv("EDITOR", str(editor(tmp_path, 'printf "\\nthen the pager\\n" >> "$1"')))
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        issue_id = app.screen.query_one(QueueView).current_issue()
        await pilot.press("1")  # the first candidate: a confirmation with a note
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        await pilot.press(*"call first")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert app.screen is dialog and dialog.query_one("#note", Input).value == "call first then the pager"
        assert (tmp_path / "given").exists() and not Path((tmp_path / "given").read_text("utf-8")).exists()
        await pilot.press("enter")
        await settle(pilot)
        request = app.desk.queries.request_for(issue_id)
        assert request is not None
        assert any(a.note == "call first then the pager" for a in app.desk.store.history(request.id))


async def test_a_confirmation_without_an_editor_keeps_its_note(store_copy: Path, env, suspendable) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        await pilot.press(*"call first", "ctrl+o")
        await settle(pilot)
        assert app.screen is dialog and dialog.query_one("#note", Input).value == "call first"
        assert any("No editor set" in str(n.message) for n in app._notifications)
