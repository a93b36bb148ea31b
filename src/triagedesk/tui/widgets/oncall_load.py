"""On-call fairness in the analytics tab: per person this month, hours on call, off-hours, weekends, pages."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from triagedesk.display import one_line

RATING_STYLE = {"good": "green", "fair": "yellow", "bad": "red", "burnout": "bold red"}


class OnCallLoad(Static):
    """The report's `oncall` part for the latest month, against PagerDuty's interruption benchmark."""

    def show(self, data: dict[str, Any] | None) -> None:
        if not data or not data.get("people"):
            self.update(Text("On-call load: no schedules yet (triagedesk schedule add)", style="dim"))
            return
        month = data["months"][-1]
        bench = data["benchmark"]
        title = Text(f"On-call load · {month} · pages a month: {bench['good']} good, {bench['bad']} bad, "
                     f"{bench['burnout']} burnout (PagerDuty) · spread {data['spread_hours'][month]:.0f} h between "
                     "the most and the least on call", style="bold")
        table = Table(box=None, padding=(0, 1))
        for column in ("person", "hours", "off-hours", "weekend", "pages", "rating"):
            table.add_column(column, justify="left" if column in ("person", "rating") else "right")
        for row in (r for r in data["people"] if r["month"] == month):
            table.add_row(one_line(str(row["name"]), 30), f"{row['hours_on_call']:.0f}", f"{row['off_hours']:.0f}",
                          f"{row['weekend_hours']:.0f}", str(row["interruptions"]),
                          Text(row["rating"], style=RATING_STYLE.get(row["rating"], "")))
        self.update(Group(title, table))
