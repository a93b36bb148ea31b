"""A schedule's week as a grid: a row per day, a cell per hour naming who is on call; overrides stand out."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.widgets import Static

from triagedesk.app.oncall import WeekView
from triagedesk.display import one_line

CODES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def render(view: WeekView, selected: bool = False) -> Text:
    """The grid as text: a title, the hours, a row per day (`·` nobody; a highlighted letter an override), the
    legend of letters and the week's overrides."""
    schedule = view.schedule
    people = list(dict.fromkeys([*schedule.members(), *(m for row in view.rows for m, _ in row if m)]))
    code = {person: CODES[n % len(CODES)] for n, person in enumerate(people)}
    text = Text()
    marker = "▶ " if selected else "  "
    text.append(one_line(f"{marker}{schedule.id} · {schedule.timezone} · week of {view.first_day:%a %d %b %Y}", 120),
                style="bold reverse" if selected else "bold")
    text.append("\n         " + "".join(f"{h:02d}" if h % 3 == 0 else "  " for h in range(24)) + "\n")
    for n, row in enumerate(view.rows):
        day = view.first_day + timedelta(days=n)
        text.append(f"  {day:%a %d} ")
        for member, overridden in row:
            cell = f"{code.get(member, '?')} " if member else "· "
            text.append(cell, style="bold reverse" if overridden else ("" if member else "dim"))
        text.append("\n")
    legend = "  ".join(f"{code[p]} {view.names.get(p, p)}" for p in people)
    text.append("  " + one_line(legend, 300) + "\n", style="dim")
    for override in view.overrides:
        text.append(one_line(f"  override {override.id}: {view.names.get(override.member, override.member)} "
                             f"{override.start:%a %H:%M}-{override.end:%a %H:%M} UTC"
                             + (f" for {override.replaces}" if override.replaces else "")
                             + (f" ({override.note})" if override.note else ""), 200) + "\n", style="bold")
    return text


class WeekGrid(Static):
    """Every schedule's week, one under the other (one Static, drawn again when the selection or the week moves)."""

    def show(self, views: list[WeekView], selected: int) -> None:
        if not views:
            self.update(Text("No schedules yet: `triagedesk schedule add` or `schedule import FILE.ics --as NAME`"))
            return
        text = Text()
        for n, view in enumerate(views):
            text.append_text(render(view, n == selected))
            text.append("\n")
        self.update(text)
