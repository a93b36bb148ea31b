"""Showing user text safely in a terminal: never markup, never escape sequences."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200e\u200f\u2028-\u202e\u2060-\u206f"
                      "\ufeff\ufff9-\ufffb]")
"""Control characters, and the invisible ones that reorder or break a line in a terminal: bidirectional marks,
embeddings, overrides and isolates (the "Trojan Source" characters), line and paragraph separators, the soft
hyphen, the byte-order mark. Joiners (U+200C, U+200D) stay: scripts and emoji sequences need them."""


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: cursor, colour, clear screen
                              r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: title, clipboard (52), links
                              r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
                              r"|\x1b[ -/]*[0-~]"  # the short ones (ESC c resets the terminal)
                              r"|\x9b[0-?]*[ -/]*[@-~]")  # the one-byte CSI
"""A terminal escape sequence, whole: what is left of one once its ESC is gone is noise, not text."""


def typed(text: str, multiline: bool = True) -> str:
    """Text a person wrote elsewhere (an editor's file) made data for a field: escape sequences dropped whole,
    tabs as spaces, other control and invisible characters removed, line breaks kept where the field holds lines
    (else the text is one line)."""
    text = _ESCAPE_SEQUENCE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text.expandtabs(4))
    return text if multiline else " ".join(text.split())


def printable(value: object) -> str:
    """User text with control and bidirectional characters (ESC, BEL, CR, U+202E...) shown as `\\x1b` or
    `\\u202e` escapes, never run; without U+FE0F, which asks terminals for a wide emoji that Rich (and so every
    column after it) counts narrow."""
    text = "" if value is None else str(value).replace("\ufe0f", "")
    return _CONTROL.sub(_escaped, text)


def literal(value: object, style: str = "") -> Text:
    """A Rich `Text` of user text: `[bold]` stays `[bold]`, ESC shows as `\\x1b`."""
    from rich.text import Text  # here: a command that prints plain lines never imports Rich

    return Text(printable(value), style=style)


LINE_BREAK = "⏎"
"""How a line break shows in text meant as one line (a title, a name): seen, and never splitting the line."""


def one_line(value: object, width: int | None = None) -> str:
    """User text on one line: each line break shown as ⏎ (any client may write one into a title), tabs as
    spaces, control characters escaped; optionally cut to `width` with an ellipsis. The queue, the panes and
    `show` all call it for single-line fields."""
    raw = "" if value is None else str(value)
    text = printable(raw.replace("\r\n", LINE_BREAK).replace("\n", LINE_BREAK).replace("\r", LINE_BREAK))
    text = text.replace("\t", " ")
    if width is not None and len(text) > width:
        return clip(text, width)
    return text


def clip(text: str, width: int) -> str:
    """`text` in `width` characters: cut at the last space when one is near the end, never mid-word."""
    if len(text) <= width:
        return text
    cut = text[: max(width - 1, 0)]
    space = cut.rfind(" ")
    if space >= width * 0.6:
        cut = cut[:space].rstrip(" ,;:·-")
    return cut + "…"


URGENCY_STYLE = {"critical": "bold red", "high": "dark_orange", "medium": "yellow", "low": "green"}
