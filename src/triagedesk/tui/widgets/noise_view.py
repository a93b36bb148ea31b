"""The analytics tab's noise view: alert events against the issues and pages they made, per source and rule, the
compression, the rules with the most noise marks and the transient share (`report`'s `noise`)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from triagedesk.display import literal, one_line

ROWS = 12
"""Rules listed (the most events first)."""


def noise_view(found: dict[str, Any]) -> RenderableType:
    head = Text("Noise: alert events → issues → pages\n", style="bold")
    if not found.get("events"):
        head.append("No alert arrived in this period.", style="dim")
        return head
    head.append(f"{found['events']:,} events · {found['issues']:,} issues · {found['pages']:,} pages  ·  "
                f"{found['compression']:.1%} of events paged nobody  ·  held by a pause {found['held']:,}, "
                f"transient {found['transient']:,} ({found['transient_share']:.0%})  ·  marked useful "
                f"{found['marked']['useful']}, noise {found['marked']['noise']}")
    table = Table("source", "rule", "events", "issues", "pages", "paged nobody", "noise", "useful",
                  box=None, padding=(0, 1), show_edge=False)
    for row in found["by_rule"][:ROWS]:
        table.add_row(literal(one_line(row["source"], 16)), literal(one_line(row["rule"], 32)), f"{row['events']:,}",
                      f"{row['issues']:,}", f"{row['pages']:,}", f"{row['compression']:.1%}", str(row["noise"]),
                      str(row["useful"]))
    more = len(found["by_rule"]) - ROWS
    parts: list[RenderableType] = [head, table]
    if more > 0:
        parts.append(Text(f"(+{more} more rules: report --json lists them all)", style="dim"))
    if found["noisiest_rules"]:
        noisiest = ", ".join(f"{one_line(r['rule'], 32)} ({r['noise']})" for r in found["noisiest_rules"][:5])
        parts.append(Text.assemble(("Most noise marks: ", "bold"), literal(noisiest)))
    return Group(*parts)
