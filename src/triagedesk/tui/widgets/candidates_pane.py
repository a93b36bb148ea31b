"""Ranked experts for the highlighted issue: match score, reasons, factor breakdown, availability, load."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from triagedesk.display import clip, literal
from triagedesk.domain.models import Candidate, Match


def breakdown(candidate: Candidate) -> str:
    return " ".join(f"{name[:4]} {f.contribution * 100:.0f}" for name, f in candidate.factors.items())


WIDE = (("#", 1), ("expert", 16), ("score", 5), ("now", 9), ("load", 4), ("why", 44), ("breakdown", 34))
MEDIUM = (("#", 1), ("expert", 16), ("score", 5), ("now", 9), ("why", 0))
"""Beside the queue at 160 columns: the reasons take what is left (no cut columns)."""
ONE = "expert score now · why"
"""At 80x24 one column of two lines a candidate: name, score, availability, then the first reason."""


def layout_for(width: int) -> str:
    return "wide" if width >= 130 else "medium" if width >= 56 else "one"


class CandidatesPane(DataTable):
    """Top pick and alternatives (keys 1-5 assign). Every cell is a `Text`: expert text is never markup.

    Only experts whose specialisations fit are offered; when nobody fits (or is free), the pane says so
    and shows seed 000's answer: who frees up first and the senior fallback."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.candidates: list[Candidate] = []
        self._match: Match | None = None
        self._layout = ""
        self._width = 0
        self._columns()

    def _columns(self) -> None:
        layout, width = layout_for(self.size.width), self.size.width
        if (layout, width) == (self._layout, self._width):
            return
        self._layout, self._width = layout, width
        self.clear(columns=True)
        if layout == "one":
            self.add_column(ONE, key="one", width=max(width - 4, 10))
            return
        columns = WIDE if layout == "wide" else MEDIUM
        rest = max(width - 8 - sum(w + 2 for _, w in columns if w), 12)
        for label, w in columns:
            self.add_column(label, key=label, width=w or rest)

    def on_resize(self) -> None:
        before = (self._layout, self._width)
        self._columns()
        if (self._layout, self._width) != before:
            self.show(self._match)

    def show(self, match: Match | None) -> None:
        self.clear()
        self.candidates = []
        self._match = match
        self.border_subtitle = ""
        if match is None:
            return
        shown = match.shortlist(5)
        if match.primary is not None:  # more specialists, best first, after the pick and alternatives
            fitting = [c for c in match.ranked
                       if c.factors.get("specialization") and c.factors["specialization"].value > 0]
            shown += [c for c in fitting if c.expert_id not in {s.expert_id for s in shown}]
        shown = shown[:5]
        self.candidates = shown
        for number, candidate in enumerate(shown, start=1):
            when = "yes" if candidate.available_now else (
                f"{candidate.next_available_at:%a %H:%M}" if candidate.next_available_at else "no")
            role = {"next_available": "frees first", "senior_fallback": "senior fallback"}.get(candidate.role or "")
            reasons = ([role] if role else []) + candidate.reasons
            name = literal(candidate.expert_name or candidate.expert_id)
            available = Text(when, style="green" if candidate.available_now else "yellow")
            if self._layout == "one":
                cell = Text(f"{number} ")
                cell.append_text(name)
                cell.append(f" {candidate.match_score:.0f} ")
                cell.append_text(available)
                cell.append_text(literal("\n  " + (reasons[0] if reasons else "-"), "dim"))
                self.add_row(cell, height=2)
                continue
            why = literal("; ".join(reasons) or "-")
            if self._layout == "medium":
                self.add_row(Text(str(number)), name, Text(f"{candidate.match_score:.1f}"), available, why)
                continue
            self.add_row(Text(str(number)), name, Text(f"{candidate.match_score:.1f}"), available,
                         Text(str(candidate.current_workload)), why, Text(breakdown(candidate), style="dim"))
        if match.note:
            self.border_subtitle = clip(match.note, 120)
