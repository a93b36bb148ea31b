"""Which editor ctrl+o runs: $VISUAL, then $EDITOR, as a command line; a sentence when there is none."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from triagedesk.display import typed
from triagedesk.tui.external_editor import REPLACED, Edited, editor_command, read_back


def test_visual_comes_before_editor_and_a_command_line_is_split_as_a_shell_would() -> None:
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vi"}) == ["code", "--wait"]
    assert editor_command({"VISUAL": "  ", "EDITOR": "'/opt/my editor/ed' -n"}) == ["/opt/my editor/ed", "-n"]


def test_no_editor_or_an_unreadable_one_is_a_sentence() -> None:
    assert str(editor_command({})).startswith("No editor set: set VISUAL or EDITOR")
    found = editor_command({"EDITOR": "'vi"})
    assert isinstance(found, str) and found.startswith("$EDITOR cannot be read as a command")


@given(st.binary(max_size=200), st.booleans())
def test_an_editors_file_becomes_text_without_a_control_character(raw: bytes, multiline: bool) -> None:
    found = read_back(raw, multiline)
    assert found.text is not None
    assert not [ch for ch in found.text if (ord(ch) < 32 and ch != "\n") or 0x7F <= ord(ch) <= 0x9F]
    assert multiline or "\n" not in found.text
    assert bool(found.problem) == (b"\x00" in raw or not _is_utf8(raw))


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_plain_text_and_its_lines_are_kept() -> None:
    assert read_back("Zoë's note\nline two\n".encode(), True) == Edited("Zoë's note\nline two\n")
    assert read_back("Zoë's note\r\nline two".encode(), True).text == "Zoë's note\nline two"
    assert read_back(b"a\n  b\tc", False).text == "a b c"
    assert read_back(f"{REPLACED} kept".encode(), True) == Edited(f"{REPLACED} kept")  # one the user typed
    assert read_back(b"\xff ok", True).text == f"{REPLACED} ok" and read_back(b"\xff ok", True).problem
    assert typed("\x1bc\x1b[31mred\x1b[0m \x1bPq#0\x1b\\ok") == "red ok"
