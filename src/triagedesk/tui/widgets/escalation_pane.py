"""The selected issue's decision: urgency, score, each factor as a bar, triggers, reasons, route, message."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.geometry import Size

from triagedesk.display import literal, one_line
from triagedesk.domain.durations import spoken
from triagedesk.domain.insight.knowledge import Hit
from triagedesk.domain.models import Decision, Issue
from triagedesk.tui.widgets.line_pane import Drawn, LinePane
from triagedesk.tui.widgets.pane_titles import FittedTitles

BAR_WIDTH = 14
FACTOR_LABELS = {"research_confidence": "research uncertainty (1 − confidence)"}
"""Seed 000's research factor is inverted: its bar shows how unsure the research is."""


def bar(value: float, width: int = BAR_WIDTH) -> str:
    filled = max(0, min(width, round(value * width)))
    return "█" * filled + "░" * (width - filled)


class EscalationPane(LinePane, FittedTitles):
    """Shows one `Decision` (and the best knowledge-base matches) for the highlighted issue, rendered to lines
    once per decision (a `LinePane`: moving between decisions repaints the pane in place, without a layout)."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__("Select an issue in the queue.", id=id)

    NARROW = 48
    """Below this many columns the factors drop their bars and weights (80x24 leaves the pane ~24)."""

    def on_mount(self) -> None:
        self._shown: tuple = (None, None, None, None)
        self._narrow = self.size.width < self.NARROW

    @property
    def shown_issue(self) -> str | None:
        """The id of the issue whose decision the pane shows."""
        issue = self._shown[0]
        return issue.id if issue is not None else None

    def on_resize(self) -> None:  # before LinePane's handler draws the source (Textual calls both, this first)
        self._narrow = self.size.width < self.NARROW
        if self._shown[1] is not None:
            self._source = self._content(*self._shown)  # the factors with or without their bars

    def show(self, issue: Issue | None, decision: Decision | None, hits: list[Hit] | None = None,
             colours: dict[str, str] | None = None, drawn: Drawn | None = None) -> None:
        """Show this decision; `drawn`, when given, is `prepare`'s lines for the same arguments."""
        self._shown = (issue, decision, hits, colours)
        if drawn is None or drawn.size != self.size or self._narrow != (drawn.size.width < self.NARROW):
            drawn = self.prepare(issue, decision, hits, colours)  # none, or for another size
        self.put(drawn)

    def recolour(self, colours: dict[str, str]) -> None:
        """Draw the decision shown again with the theme's colours (the urgency's, the bars')."""
        issue, decision, hits, _ = self._shown
        if decision is not None:
            self.show(issue, decision, hits, colours)

    def show_failure(self, issue_id: str) -> None:
        """Say the decision of `issue_id` could not be worked out (the notice says why)."""
        self._shown = (None, None, None, None)
        self._draw(literal(f"{issue_id}: its decision could not be loaded (the notice says why).", "italic"))

    def prepare(self, issue: Issue | None, decision: Decision | None, hits: list[Hit] | None = None,
                colours: dict[str, str] | None = None, geometry: tuple[Size, bool] | None = None) -> Drawn:
        """The pane's lines for this decision. A thread worker renders them (Rich's tables and wrapping cost
        ~4 ms a decision) for the `geometry` the UI thread took, and `show` puts them on the screen."""
        return self.lines_of(self._content(issue, decision, hits, colours), geometry)

    def _content(self, issue: Issue | None, decision: Decision | None, hits: list[Hit] | None,
                 colours: dict[str, str] | None) -> RenderableType:
        if issue is None or decision is None:
            return Text("No issue selected.", style="dim")
        colours = colours or {}
        urgency_colour = colours.get(f"urgency-{decision.urgency}", "")
        head = Text()
        head.append(decision.urgency.upper() + "  ", style=f"bold {urgency_colour}")
        head.append(f"score {decision.score:.2f}  ")
        if decision.business_impact is not None:
            head.append(f"impact {decision.business_impact:.2f}  ")
        head.append("escalate" if decision.should_escalate else "no escalation",
                    style="bold" if decision.should_escalate else "dim")
        title = literal(f"{one_line(issue.id)}: {one_line(issue.title)}")
        title.stylize("bold")
        factors = Table.grid(padding=(0, 1), expand=True)
        factors.add_column(no_wrap=True, overflow="ellipsis", ratio=1)  # the label takes what is left, cut
        if not self._narrow:
            factors.add_column(no_wrap=True, width=BAR_WIDTH)  # the bar and the figures keep their widths
            factors.add_column(justify="right", no_wrap=True, width=9)  # 0.46×0.20
        factors.add_column(justify="right", no_wrap=True, width=5)  # 0.092
        for name, factor in decision.factors.items():
            label = literal(one_line(FACTOR_LABELS.get(name, name.replace("_", " "))))  # a profile's names: data
            if self._narrow:
                factors.add_row(label, f"{factor.contribution:.3f}")
                continue
            factors.add_row(label, Text(bar(factor.value), style=colours.get("primary", "")),
                            f"{factor.value:.2f}×{factor.weight:.2f}", f"{factor.contribution:.3f}")
        route = Text()
        if decision.recommended_tier:
            route.append(f"tier {decision.recommended_tier}  ")
        if decision.recommended_expert_type:
            route.append(f"expert {decision.recommended_expert_type}")
        if decision.expert_level:
            route.append(f" ({decision.expert_level})")
        if decision.response_due_minutes is not None:
            route.append(f"  respond within {spoken(decision.response_due_minutes)}")
        parts: list = [title, head, factors]
        if decision.profile == "infrastructure" and issue.research is None:
            parts.append(Text("no automated research yet", style="italic"))
        if decision.triggers:
            parts.append(literal("triggers: " + ", ".join(decision.triggers), "dim"))
        for reason in decision.reasons:
            parts.append(literal(f"• {reason}"))
        # U+FE0F asks terminals for a wide emoji some draw narrow: drop it so borders stay aligned
        parts += [route, literal(decision.message.replace("\ufe0f", ""), "italic")]
        if hits:
            parts.append(Text("Past resolutions:", style="bold"))
            for hit in hits[:3]:
                parts.append(literal(f"  {one_line(hit.entry.title)} ({one_line(hit.entry.issue_id)}): "
                                     f"{hit.entry.resolution}", "dim"))
        return Group(*parts)
