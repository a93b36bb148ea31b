"""The queue's columns: which are shown at a width, and how a row's cells are cut and a clock is written."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from textual.color import Color, ColorParseError

from triagedesk.app.queue import QueueData
from triagedesk.domain.models import URGENCIES
from triagedesk.domain.requests.states import NEVER_ESCALATED, state_name

COLUMNS = (("id", 12), ("urgency", 9), ("score", 6), ("sla", 7), ("status", 19), ("assignee", 15), ("route", 16))
"""Fixed columns before the title, which takes what is left; the id's grows to the longest id shown (never cut),
the status's holds the longest state's name ("pending assignment")."""
DROP_ORDER = ("route", "assignee", "status")
"""Columns given up, in this order, so the title keeps at least MIN_TITLE cells on narrow terminals."""
MIN_TITLE = 18


def visible_columns(width: int, id_width: int = 12) -> list[tuple[str, int]]:
    """The columns shown at `width`, each with its width (`id_width`: the mark, the longest id and a space)."""
    columns = [(name, max(w, id_width) if name == "id" else w) for name, w in COLUMNS]
    for name in DROP_ORDER:
        if width - sum(w for _, w in columns) >= MIN_TITLE:
            break
        columns = [c for c in columns if c[0] != name]
    return columns


def format_minutes(left: float | None) -> str:
    if left is None:
        return "-"
    sign = "-" if left < 0 else ""
    minutes = int(abs(left))
    if minutes >= 2 * 1440:
        return f"{sign}{minutes // 1440}d"
    if minutes >= 60:
        return f"{sign}{minutes // 60}h{minutes % 60:02d}"
    return f"{sign}{minutes}m"


def fit_cell(text: str, width: int) -> str:
    if len(text) > width:
        return text[: max(width - 1, 0)] + "…"
    return text.ljust(width)


def row_cells(data: QueueData, index: int, width: int, id_width: int, now: float,
              marked: bool) -> list[tuple[str, str]]:
    """Row `index`'s cells at `width` (each cut to its column), each with the name of its style."""
    urgency = URGENCIES[data.urgency[index]]
    left = data.sla_left_minutes(index, now)
    state = data.sla_state(index, now)
    sla_style = "dim" if state in (None, "paused") else state
    columns = visible_columns(width, id_width)
    title_width = max(width - sum(w for _, w in columns) - 1, 8)
    values = {
        "id": (("●" if marked else " ") + data.ids[index], "marked" if marked else "text"),
        "urgency": (urgency, urgency),
        "score": (f"{data.score[index]:5.2f}", "text"),
        "sla": (format_minutes(left), sla_style),
        "status": (state_name(data.status[index]), "text" if data.status[index] != NEVER_ESCALATED
                   or data.escalate[index] else "dim"),
        "assignee": (data.assignee[index] or "-", "dim" if not data.assignee[index] else "text"),
        "route": (data.route[index] or "-", "dim"),
    }
    cells = [(fit_cell(values[name][0], w - 1), values[name][1]) for name, w in columns]
    cells.append((fit_cell(data.title[index], title_width), "text"))
    return cells


def cell_styles(variables: dict[str, str]) -> tuple[Style, dict[str, Style]]:
    """The queue's background and its cells' styles by name, from a theme's variables (a missing or bad colour:
    its fallback). Every cell paints the theme's background: a light theme on a dark terminal stays readable (no
    ESC[49m)."""
    def parse(name: str, fallback: str) -> Any:
        try:
            return Color.parse(variables.get(name, fallback)).rich_color
        except ColorParseError:
            return Color.parse(fallback).rich_color

    background = Style(bgcolor=parse("background", "#1E1E1E"))

    def style(name: str, fallback: str, bold: bool = False) -> Style:
        return background + Style(color=parse(name, fallback), bold=bold)

    return background, {
        "critical": style("urgency-critical", "#FF5F66", True), "high": style("urgency-high", "#FF9F43"),
        "medium": style("urgency-medium", "#F5D547"), "low": style("urgency-low", "#6CCB7E"),
        "breached": style("sla-breached", "#FF5F66", True), "at_risk": style("sla-at-risk", "#F2B33D"),
        "ok": style("sla-ok", "#5CC97B"), "dim": style("foreground-muted", "#808080"),
        "text": style("foreground", "#E0E0E0"), "marked": style("accent", "#FF00FF", True),
    }
