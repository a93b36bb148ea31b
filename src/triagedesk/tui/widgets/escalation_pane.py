"""The selected issue's decision: urgency, score, each factor as a bar, triggers, reasons, route, message."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from triagedesk.display import literal
from triagedesk.domain.durations import spoken
from triagedesk.domain.insight.knowledge import Hit
from triagedesk.domain.models import Decision, Issue

BAR_WIDTH = 14
FACTOR_LABELS = {"research_confidence": "research uncertainty (1 − confidence)"}
"""Seed 000's research factor is inverted: its bar shows how unsure the research is."""


def bar(value: float, width: int = BAR_WIDTH) -> str:
    filled = max(0, min(width, round(value * width)))
    return "█" * filled + "░" * (width - filled)


class EscalationPane(ScrollView, can_focus=True):
    """Shows one `Decision` (and the best knowledge-base matches) for the highlighted issue.

    The decision is rendered here, once, to lines at the pane's width; the pane draws those lines (the line API)
    and scrolls over them. Its virtual height is at least the pane's, so moving to an issue whose decision fits
    (or takes as many lines) repaints the pane in place; a decision of another length is one layout of this
    pane, not the two (a Static's new height, then its container's) that repainted both side panes each move."""

    DEFAULT_CSS = """
    EscalationPane { overflow-x: hidden; }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[Strip] = []
        self._styled: dict[tuple[int, int, Style], Strip] = {}
        self._source: RenderableType = Text("Select an issue in the queue.", style="dim")

    NARROW = 48
    """Below this many columns the factors drop their bars and weights (80x24 leaves the pane ~24)."""

    def on_mount(self) -> None:
        self._shown: tuple = (None, None, None, None)
        self._narrow = self.size.width < self.NARROW

    def on_resize(self) -> None:
        self._narrow = self.size.width < self.NARROW
        self._draw(self._source)  # rendered again for the new size

    def show(self, issue: Issue | None, decision: Decision | None, hits: list[Hit] | None = None,
             colours: dict[str, str] | None = None) -> None:
        self._shown = (issue, decision, hits, colours)
        if issue is None or decision is None:
            self._draw(Text("No issue selected.", style="dim"))
            return
        colours = colours or {}
        urgency_colour = colours.get(f"urgency-{decision.urgency}", "")
        head = Text()
        head.append(decision.urgency.upper() + "  ", style=f"bold {urgency_colour}")
        head.append(f"score {decision.score:.2f}  ")
        if decision.business_impact is not None:
            head.append(f"impact {decision.business_impact:.2f}  ")
        head.append("escalate" if decision.should_escalate else "no escalation",
                    style="bold" if decision.should_escalate else "dim")
        title = literal(f"{issue.id}: {issue.title}")
        title.stylize("bold")
        factors = Table.grid(padding=(0, 1), expand=True)
        factors.add_column(no_wrap=True, overflow="ellipsis", ratio=1)  # the label takes what is left, cut
        if not self._narrow:
            factors.add_column(no_wrap=True, width=BAR_WIDTH)  # the bar and the figures keep their widths
            factors.add_column(justify="right", no_wrap=True, width=9)  # 0.46×0.20
        factors.add_column(justify="right", no_wrap=True, width=5)  # 0.092
        for name, factor in decision.factors.items():
            label = FACTOR_LABELS.get(name, name.replace("_", " "))
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
                parts.append(literal(f"  {hit.entry.title} ({hit.entry.issue_id}): {hit.entry.resolution}", "dim"))
        self._draw(Group(*parts))

    def plain(self) -> str:
        """The text the pane shows, one line each."""
        return "\n".join(strip.text.rstrip() for strip in self._lines).rstrip("\n")

    @property
    def source(self) -> RenderableType:
        """What the pane shows, before it was rendered to lines (a rich Group)."""
        return self._source

    def _draw(self, content: RenderableType) -> None:
        """Render `content` at the width it will have (less the scrollbar when it overflows); the virtual size
        (at least the pane's height) changes, and so lays the pane out, only when the line count does."""
        self._source = content
        width, height = self.size.width, self.size.height
        if width <= 0 or height <= 0:  # not laid out yet: its resize draws it
            return
        console = self.app.console
        options = console.options.update(width=width, height=None, highlight=False)
        bar = self.styles.scrollbar_size_vertical if width > self.styles.scrollbar_size_vertical else 0
        overflowed = self.virtual_size.height > height  # as the last issue did: rendered beside the scrollbar
        lines = console.render_lines(content, options.update_width(width - bar) if overflowed else options, pad=False)
        if overflowed and len(lines) <= height:  # it fits without the scrollbar: the whole width
            lines = console.render_lines(content, options, pad=False)
        elif not overflowed and len(lines) > height:  # it overflows: the scrollbar takes its columns
            lines = console.render_lines(content, options.update_width(width - bar), pad=False)
        self._lines = [Strip(line) for line in lines]
        self._styled.clear()
        self.virtual_size = Size(width - bar if len(lines) > height else width, max(height, len(lines)))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = y + int(self.scroll_offset.y)
        style = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, style)
        key = (index, width, style)
        strip = self._styled.get(key)
        if strip is None:  # each line styled once per content (a scroll or a repaint reuses it)
            strip = self._styled[key] = self._lines[index].crop_extend(0, width, style).apply_style(style)
        return strip
