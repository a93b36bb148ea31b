"""Ranked experts for the highlighted issue: match score, reasons, factor breakdown, availability, load."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from triagedesk.display import literal
from triagedesk.domain.models import Candidate, Match


def breakdown(candidate: Candidate) -> str:
    return " ".join(f"{name[:4]} {f.contribution * 100:.0f}" for name, f in candidate.factors.items())


class CandidatesPane(DataTable):
    """Top pick and alternatives (keys 1-5 assign). Every cell is a `Text`: expert text is never markup."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for label, width in (("#", 1), ("expert", 16), ("score", 5), ("now", 9), ("load", 4), ("why", 44), ("breakdown", 34)):
            self.add_column(label, key=label, width=width)
        self.candidates: list[Candidate] = []

    def show(self, match: Match | None) -> None:
        self.clear()
        self.candidates = []
        if match is None:
            return
        shown = [c for c in ([match.primary] if match.primary else []) + match.alternatives]
        extra = [c for c in match.ranked if c.expert_id not in {s.expert_id for s in shown}]
        if match.primary is None:
            shown = [c for c in (match.next_available, match.senior_fallback) if c is not None]
        shown = (shown + extra)[:5]
        self.candidates = shown
        for number, candidate in enumerate(shown, start=1):
            when = "yes" if candidate.available_now else (
                f"{candidate.next_available_at:%a %H:%M}" if candidate.next_available_at else "no")
            self.add_row(
                Text(str(number)), literal(candidate.expert_name or candidate.expert_id),
                Text(f"{candidate.match_score:.1f}"), Text(when, style="green" if candidate.available_now else "yellow"),
                Text(str(candidate.current_workload)), literal("; ".join(candidate.reasons) or "-"),
                Text(breakdown(candidate), style="dim"),
            )
        if match.note:
            self.border_subtitle = match.note[:120]
        else:
            self.border_subtitle = ""
