"""A long text opened in the user's own editor ($VISUAL, then $EDITOR), the desk suspended meanwhile."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from textual.app import App, SuspendNotSupported

from triagedesk.display import typed

EDITOR_KEY = "ctrl+o"
"""Opens a long text (a form's, a confirmation's note) in the user's editor."""
VARIABLES = ("VISUAL", "EDITOR")
"""Where the editor's command is read, in this order (the convention of git, crontab and less)."""


@dataclass(frozen=True)
class Edited:
    """What came back: the new text (None: the field stays as it was), and a one-line notice when something went
    wrong or there is something to say."""

    text: str | None
    problem: str = ""


def editor_command(env: Mapping[str, str]) -> list[str] | str:
    """The editor's command line from the environment, or a sentence saying why there is none."""
    for name in VARIABLES:
        value = env.get(name, "").strip()
        if not value:
            continue
        try:
            words = shlex.split(value)
        except ValueError as exc:
            return f"${name} cannot be read as a command ({exc})."
        if words:
            return words
    return "No editor set: set VISUAL or EDITOR (for example EDITOR=nano) to open a text in it."


REPLACED = "\ufffd"
"""What a NUL byte or bytes that are not UTF-8 become in the text read back."""


def read_back(raw: bytes, multiline: bool) -> Edited:
    """The editor's file as a field's text: data, never terminal commands (`display.typed`); a NUL byte or bytes
    that are not UTF-8 become REPLACED, said once in the notice."""
    text = raw.decode("utf-8", errors="replace").replace("\x00", REPLACED)
    problem = ""
    if b"\x00" in raw or text != raw.decode("utf-8", errors="ignore"):
        problem = f"The editor's text held a NUL byte or bytes that are not UTF-8: each is now {REPLACED}."
    return Edited(typed(text, multiline), problem)


def edit_in_editor(app: App[object], text: str, what: str, env: Mapping[str, str] | None = None,
                   multiline: bool = True) -> Edited:
    """Write `text` to a temporary file, run the editor on it with the desk suspended (Textual's `App.suspend`),
    and read it back as data (`read_back`: no control characters; one line unless `multiline`). An editor that is
    missing or exits non-zero, or a terminal that cannot be handed over,
    leaves the text as it was (`Edited.text` None) with a notice naming `what`. The file is always removed."""
    command = editor_command(os.environ if env is None else env)
    if isinstance(command, str):
        return Edited(None, command)
    handle, name = tempfile.mkstemp(prefix="triagedesk-", suffix=".txt")
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        failure: OSError | None = None
        returncode = 0
        try:
            with app.suspend():
                try:  # inside: Textual resumes the desk only when the block ends normally
                    returncode = subprocess.run([*command, str(path)], check=False).returncode
                except OSError as exc:
                    failure = exc
        except SuspendNotSupported:
            return Edited(None, f"This terminal cannot hand the screen to an editor: the {what} is unchanged.")
        if isinstance(failure, FileNotFoundError):
            return Edited(None, f"Editor {command[0]!r} not found (VISUAL / EDITOR): the {what} is unchanged.")
        if failure is not None:
            return Edited(None, f"Editor {command[0]!r} could not run ({failure.strerror or failure}): "
                                f"the {what} is unchanged.")
        if returncode != 0:
            return Edited(None, f"Editor {command[0]!r} exited with {returncode}: the {what} is unchanged.")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return Edited(None, f"Could not read the edited text back ({exc.strerror or exc}): "
                                f"the {what} is unchanged.")
    finally:
        path.unlink(missing_ok=True)
    if raw.endswith(b"\n") and not text.endswith("\n"):
        raw = raw[:-1]  # the newline an editor adds at the end of the last line
    return read_back(raw, multiline)
