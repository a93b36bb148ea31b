"""Ranked experts for the highlighted issue: match score, reasons, factor breakdown, availability, load."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Console, ConsoleOptions
from rich.style import Style
from rich.text import Text

from triagedesk.display import literal, one_line
from triagedesk.domain.models import Candidate, Match
from triagedesk.tui.widgets.line_pane import LinePane
from triagedesk.tui.widgets.pane_titles import FittedTitles


def breakdown(candidate: Candidate) -> str:
    return " ".join(f"{name[:4]} {f.contribution * 100:.0f}" for name, f in candidate.factors.items())


WIDE = (("#", 1), ("expert", 16), ("score", 5), ("now", 9), ("load", 4), ("why", 44), ("breakdown", 34))
MEDIUM = (("#", 1), ("expert", 16), ("score", 5), ("now", 9), ("why", 0))
"""Beside the queue at 160 columns: the reasons take what is left (no cut columns)."""
ONE = "expert score now · why"
"""At 80x24 one column of two lines a candidate: name, score, availability, then the first reason."""


def layout_for(width: int) -> str:
    return "wide" if width >= 130 else "medium" if width >= 56 else "one"


class Rows:
    """Lines of cells in columns of fixed widths (0: what the others leave), each cell cut with an ellipsis,
    at the width the lines are rendered at; a line's style covers its whole width (the zebra stripes)."""

    def __init__(self, widths: list[int], lines: list[tuple[list[Text], Style]]) -> None:
        self.widths, self.lines = widths, lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        width = options.max_width
        rest = max(width - 1 - sum(w + 1 for w in self.widths if w) - 1, 4)
        for cells, style in self.lines:
            line = Text(" ", no_wrap=True, overflow="ellipsis", end="\n")
            for cell, w in zip(cells, self.widths, strict=True):
                cell = cell.copy()
                cell.truncate(w or rest, overflow="ellipsis", pad=True)
                line.append_text(cell)
                line.append(" ")
            line.truncate(width, overflow="ellipsis", pad=True)
            line.stylize(style)
            yield line


class CandidatesPane(LinePane, FittedTitles):
    """Top pick and alternatives (keys 1-5 assign), one line each (two at 80 columns) under a header. Every cell
    is user text shown literally: never markup, no control character, one line.

    Only experts whose specialisations fit are offered; when nobody fits (or is free), the pane says so
    and shows seed 000's answer: who frees up first and the senior fallback. Drawn from lines (a `LinePane`):
    another issue's candidates repaint the pane in place, without the layout a table's new row count asked for."""

    COMPONENT_CLASSES = {"candidates-pane--header", "candidates-pane--even-row"}

    DEFAULT_CSS = """
    CandidatesPane > .candidates-pane--header { text-style: bold; background: $panel; color: $foreground; }
    CandidatesPane > .candidates-pane--even-row { background: $surface-lighten-1 50%; }
    CandidatesPane:dark > .candidates-pane--even-row { background: $surface-darken-1 40%; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.candidates: list[Candidate] = []
        self._match: Match | None = None
        self._layout = ""

    @property
    def match(self) -> Match | None:
        """The match whose candidates the pane shows."""
        return self._match

    def on_resize(self) -> None:  # before LinePane's handler draws the source (Textual calls both, this first)
        if layout_for(self.size.width) != self._layout:
            self._source = self._content(self._match)

    def show(self, match: Match | None) -> None:
        self._draw(self._content(match))

    def _content(self, match: Match | None) -> Rows | Text:
        self._layout = layout_for(self.size.width)
        self.candidates = []
        self._match = match
        note = literal(one_line(match.note, 120)) if match is not None and match.note else ""
        if self.border_subtitle != note:  # set once: a reset and a set again would repaint the border each time
            self.border_subtitle = note
        if match is None:
            return Text("")
        shown = match.shortlist(5)
        if match.primary is not None:  # more specialists, best first, after the pick and alternatives
            fitting = [c for c in match.ranked
                       if c.factors.get("specialization") and c.factors["specialization"].value > 0]
            shown += [c for c in fitting if c.expert_id not in {s.expert_id for s in shown}]
        shown = shown[:5]
        self.candidates = shown
        header = self.get_component_rich_style("candidates-pane--header", partial=True)
        even = self.get_component_rich_style("candidates-pane--even-row", partial=True)
        columns = WIDE if self._layout == "wide" else MEDIUM if self._layout == "medium" else (("", 0),)
        lines: list[tuple[list[Text], Style]] = [([Text(label or ONE) for label, _ in columns], header)]
        for number, candidate in enumerate(shown, start=1):
            style = even if number % 2 else Style()  # rows counted from 0: the first is even
            when = "yes" if candidate.available_now else (
                f"{candidate.next_available_at:%a %H:%M}" if candidate.next_available_at else "no")
            role = {"next_available": "frees first", "senior_fallback": "senior fallback"}.get(candidate.role or "")
            reasons = ([role] if role else []) + candidate.reasons
            name = Text(one_line(candidate.expert_name or candidate.expert_id))
            available = Text(when, style="green" if candidate.available_now else "yellow")
            if self._layout == "one":
                first = Text(f"{number} ")
                first.append_text(name)
                first.append(f" {candidate.match_score:.0f} ")
                first.append_text(available)
                lines += [([first], style), ([Text("  " + one_line(reasons[0] if reasons else "-"), "dim")], style)]
                continue
            why = Text(one_line("; ".join(reasons) or "-"))
            cells = [Text(str(number)), name, Text(f"{candidate.match_score:.1f}"), available]
            if self._layout == "wide":
                cells.append(Text(str(candidate.current_workload)))
            cells.append(why)
            if self._layout == "wide":
                cells.append(Text(breakdown(candidate), style="dim"))
            lines.append((cells, style))
        return Rows([w for _, w in columns], lines)
