"""Which editor ctrl+o runs: $VISUAL, then $EDITOR, as a command line; a sentence when there is none."""

from __future__ import annotations

from triagedesk.tui.external_editor import editor_command


def test_visual_comes_before_editor_and_a_command_line_is_split_as_a_shell_would() -> None:
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vi"}) == ["code", "--wait"]
    assert editor_command({"VISUAL": "  ", "EDITOR": "'/opt/my editor/ed' -n"}) == ["/opt/my editor/ed", "-n"]


def test_no_editor_or_an_unreadable_one_is_a_sentence() -> None:
    assert str(editor_command({})).startswith("No editor set: set VISUAL or EDITOR")
    found = editor_command({"EDITOR": "'vi"})
    assert isinstance(found, str) and found.startswith("$EDITOR cannot be read as a command")
