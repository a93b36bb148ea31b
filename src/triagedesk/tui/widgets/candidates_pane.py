"""Ranked experts for the highlighted issue: match score, reasons, factor breakdown, availability, load."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from triagedesk.display import literal
from triagedesk.domain.models import Candidate, Match


def breakdown(candidate: Candidate) -> str:
    return " ".join(f"{name[:4]} {f.contribution * 100:.0f}" for name, f in candidate.factors.items())


WIDE = (("#", 1), ("expert", 16), ("score", 5), ("now", 9), ("load", 4), ("why", 44), ("breakdown", 34))
NARROW = (("#", 1), ("expert", 14), ("score", 5), ("now", 9), ("why", 30))
"""At 80x24 the pane keeps name, score, availability and the first reason (no cut columns)."""


class CandidatesPane(DataTable):
    """Top pick and alternatives (keys 1-5 assign). Every cell is a `Text`: expert text is never markup.

    Only experts whose specialisations fit are offered; when nobody fits (or is free), the pane says so
    and shows seed 000's answer: who frees up first and the senior fallback."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.candidates: list[Candidate] = []
        self._match: Match | None = None
        self._narrow: bool | None = None
        self._columns(narrow=False)

    def _columns(self, narrow: bool) -> None:
        if narrow == self._narrow:
            return
        self._narrow = narrow
        self.clear(columns=True)
        for label, width in NARROW if narrow else WIDE:
            self.add_column(label, key=label, width=width)

    def on_resize(self) -> None:
        narrow = self.size.width < 100
        if narrow != self._narrow:
            self._columns(narrow)
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
            cells = [Text(str(number)), name, Text(f"{candidate.match_score:.1f}"),
                     Text(when, style="green" if candidate.available_now else "yellow")]
            if self._narrow:
                cells.append(literal(reasons[0] if reasons else "-"))
            else:
                cells += [Text(str(candidate.current_workload)), literal("; ".join(reasons) or "-"),
                          Text(breakdown(candidate), style="dim")]
            self.add_row(*cells)
        if match.note:
            self.border_subtitle = match.note[:120]
