"""How the desk screen's keys act: the key table's answer first, then the typed piece that acts for the screen;
and what the keys know of the highlighted row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from triagedesk.app.queue import QueueData
from triagedesk.domain.requests.states import HELD_STATUSES
from triagedesk.tui import keys
from triagedesk.tui.notices import tell


def door(name: str, piece: str, method: str | None = None) -> Callable[..., None]:
    """Key `name`'s action: the key table's answer first (a refusal is a notice with the table's reason), then
    the piece that acts for the screen (`piece.method(*params)`; "screen": the screen itself)."""

    def action(self: Any, *params: Any) -> None:
        row = keys.row_of(name, params)
        named = getattr(self.app, "keymap", None)
        reason = keys.refusal(row, params, self.role, self.selection, self.expert_id,
                              named.key_of() if named is not None else None) if row else None
        if reason is not None:
            tell(self, reason, severity="warning")
            return
        target = self if piece == "screen" else getattr(self, piece)
        getattr(target, method or name)(*params)

    row = keys.row_of(name)
    action.__name__ = f"action_{name}"
    action.__doc__ = row.help if row is not None else name
    return action


DOORS: list[tuple[str, str, str | None]] = [
    ("escalate", "coordinator", None),
    ("pay", "coordinator", None),
    ("assign", "coordinator", None),
    ("reassign", "coordinator", None),
    ("senior", "coordinator", None),
    ("wait_resume", "coordinator", None),
    ("cancel_request", "coordinator", None),
    ("new_issue", "coordinator", None),
    ("edit_issue", "coordinator", None),
    ("acknowledge", "expert", None),
    ("start_session", "expert", None),
    ("toggle_session", "expert", None),
    ("end_session", "expert", None),
    ("outcome", "expert", None),
    ("correction", "expert", None),
    ("bulk", "bulk_door", None),
    ("backtest", "lead", None),
    ("feedback", "noise_door", None),
    ("maintenance", "noise_door", None),
    ("open_issue", "queue_controls", None),
    ("search_all", "queue_controls", None),
    ("edit_expert", "queue_controls", None),
    ("cycle_assignee", "queue_controls", None),
    ("sort_menu", "queue_controls", None),
    ("save_view", "views", "save_view_asked"),
    ("open_view", "views", "open_view_asked"),
    ("claim", "expert", None),
    ("command_line", "power", None),
    ("undo", "power", None),
    ("redo", "power", None),
    ("copy_id", "power", None),
    ("copy_line", "power", None),
    ("package", "screen", "_package"),
    ("show_tab", "screen", "_show_tab"),
    ("schedules", "app", "open_schedules"),
    ("filter", "queue_controls", None),
    ("clear_filter", "queue_controls", None),
    ("cycle_urgency", "queue_controls", None),
    ("cycle_status", "queue_controls", None),
    ("cycle_profile", "queue_controls", None),
]
"""Each key's action on the desk screen: (the key table's action, the piece that takes it, its method when not the
action's name; "screen" is the screen itself)."""


def selection_of(data: QueueData, issue_id: str | None, previous: keys.Selection, role: str, expert_id: str | None,
                 opening_status_of: Callable[[str | None], str]) -> dict[str, Any]:
    """What the keys know of a queue row (the detail's facts kept while the cursor stays on it)."""
    row = data.position(issue_id) if issue_id else None
    if row is None:
        return {"issue_id": None, "status": None, "request_id": None, "holder": "", "holder_id": "", "session": None,
                "mine": False, "candidates": 0}
    request_id = data.request_id[row]
    status = data.status[row] if request_id else None
    same = issue_id == previous.issue_id
    mine = role != "expert" or (bool(expert_id) and data.assignee_id[row] == expert_id)
    return {"issue_id": issue_id, "status": status, "request_id": request_id, "mine": mine,
            "holder": data.assignee[row] if status in HELD_STATUSES else "",
            "holder_id": data.assignee_id[row] if request_id else "",
            "opens_as": opening_status_of(data.profile[row]),
            "session": previous.session if same else None,
            "acknowledged": previous.acknowledged if same else False,
            "awaiting_outcome": previous.awaiting_outcome if same else False,
            "candidates": previous.candidates if same else 0}
