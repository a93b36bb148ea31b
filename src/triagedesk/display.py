"""Showing user text safely in a terminal: never markup, never escape sequences."""

from __future__ import annotations

import re

from rich.text import Text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(value: object) -> str:
    """User text with control characters (ESC, BEL, CR...) shown as `\\x1b` escapes, never run."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def literal(value: object, style: str = "") -> Text:
    """A Rich `Text` of user text: `[bold]` stays `[bold]`, ESC shows as `\\x1b`."""
    return Text(printable(value), style=style)


def one_line(value: object, width: int | None = None) -> str:
    """User text on one line (newlines and tabs as spaces), optionally cut to `width` with an ellipsis."""
    text = printable(value).replace("\n", " ").replace("\t", " ")
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
