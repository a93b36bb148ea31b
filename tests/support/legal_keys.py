"""The footer keys the key table allows on a desk screen now, worked out from the table alone (not the key bar)."""

from __future__ import annotations

from triagedesk.tui import keys
from triagedesk.tui.screens.desk_screen import DeskScreen


def legal_labels(screen: DeskScreen) -> list[str]:
    """The labels of the footer keys the key table allows now, in its order, from the table alone."""
    labels = []
    for row in keys.KEYS:
        if row.footer and screen.role in row.roles and row.label not in labels:
            if keys.refusal(row, row.params(), screen.role, screen.selection, screen.expert_id) is None:
                labels.append(row.label)
    return labels
