"""Every key of the desk in one table: it makes the bindings, the help screen, the palette and `check_action`.

A row says which key runs which action, its label, the roles that have it, and when it is legal
for the selected request (a predicate over `Selection`, reading `workflow`'s rules). The footer
shows only what is legal now; the palette offers only that; the help screen lists every row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from textual.binding import Binding

from triagedesk.domain.requests import workflow

COORDINATOR = frozenset({"coordinator"})
EXPERT = frozenset({"expert"})
DESK_ROLES = frozenset({"coordinator", "expert"})
EVERYONE = frozenset({"coordinator", "expert", "lead"})


@dataclass(frozen=True)
class Selection:
    """What the keys' predicates know of the highlighted issue (all cheap, from the queue row and its detail)."""

    issue_id: str | None = None
    status: str | None = None
    """Its latest request's status; None when it has none (closed requests leave the queue)."""
    request_id: str | None = None
    holder: str = ""
    """The expert who holds it (assigned, in review, waiting), else ""."""
    opens_as: str = "pending_assignment"
    """The state a new request would start in: pending payment where the profile charges."""
    session: str | None = None
    """The request's running session's status (active, paused), None without one."""
    candidates: int = 0
    tab: str = "desk"
    mine: bool = True
    """The desk may work the request: always on a coordinator's desk; on an expert's, only their own."""
    marked: int = 0
    """Queue rows marked for a bulk action."""
    acknowledged: bool = False
    """The request's expert has acknowledged it."""
    awaiting_outcome: bool = False
    """An ended session of the request has no outcome yet."""


NOTHING = Selection()

Legal = Callable[[Selection, tuple[object, ...]], bool]


def _always(_: Selection, __: tuple[object, ...]) -> bool:
    return True


def _on_desk(s: Selection, _: tuple[object, ...]) -> bool:
    return s.tab == "desk"


def _issue(s: Selection, _: tuple[object, ...]) -> bool:
    return s.tab == "desk" and s.issue_id is not None


def _when(rule: Callable[[Selection], bool]) -> Legal:
    return lambda s, params: _issue(s, params) and rule(s)


def _mine(rule: Callable[[Selection], bool]) -> Legal:
    """An expert's key: legal on a request the desk's expert holds."""
    return lambda s, params: _issue(s, params) and s.mine and rule(s)


def _assign(s: Selection, params: tuple[object, ...]) -> bool:
    number = params[0] if params and isinstance(params[0], int) else 1
    return _issue(s, params) and workflow.can_assign(s.status, s.opens_as) and number <= s.candidates


@dataclass(frozen=True)
class Key:
    """One row of the table."""

    key: str
    """Textual's key name(s), comma-separated."""
    action: str
    label: str
    help: str
    section: str
    roles: frozenset[str] = EVERYONE
    legal: Legal = _always
    footer: bool = True
    palette: bool = True
    shown_key: str = ""
    """How the help screen names the key, when not the key itself."""
    scope: str = "screen"
    """"screen" (the desk screen's bindings) or "app" (the app's, everywhere)."""
    priority: bool = False

    @property
    def name(self) -> str:
        """The action's name without its parameters: what `check_action` receives."""
        return self.action.split("(", 1)[0]


QUEUE, COORD, EXPERT_S, ALL, ONCALL = "Queue", "Coordinator", "Expert", "Everywhere", "On-call schedules"

NAVIGATION: list[tuple[str, str]] = [
    ("↑ ↓ j k", "move"), ("PgUp PgDn", "page"), ("Home End g G", "first / last"), ("Tab", "next pane"),
    ("Space", "mark the row (coordinator; the expert's Space pauses a session)"),
    ("shift+↑ ↓", "mark while moving"), ("*", "mark every row shown (again: unmark them)"),
    ("click a column name", "sort by it (again: reversed)"),
]
"""Keys the queue widget handles itself, listed on the help screen."""

KEYS: list[Key] = [
    Key("slash", "filter", "Filter", "filter by text (Enter returns to the queue)", QUEUE, DESK_ROLES, _on_desk,
        shown_key="/"),
    Key("escape", "clear_filter", "Clear", "clear every filter", QUEUE, DESK_ROLES, _on_desk, footer=False,
        shown_key="Esc"),
    Key("u", "cycle_urgency", "Urgency", "cycle the urgency filter", QUEUE, DESK_ROLES, _on_desk, footer=False),
    Key("f", "cycle_status", "Status", "cycle the status filter", QUEUE, DESK_ROLES, _on_desk, footer=False),
    Key("p", "cycle_profile", "Profile", "cycle the profile filter (every profile, shipped and yours)", QUEUE,
        DESK_ROLES, _on_desk, footer=False),
    Key("enter", "open_issue", "Open", "open the issue: every field, its requests, sessions and history", QUEUE,
        EVERYONE, _issue, shown_key="Enter", footer=False),
    Key("F", "search_all", "Search all", "search every issue, closed ones included", QUEUE, EVERYONE, _on_desk,
        footer=False),
    Key("X", "edit_expert", "Edit expert", "edit an expert record (each change audited)", COORD, COORDINATOR,
        _on_desk, footer=False),
    Key("A", "cycle_assignee", "Assignee", "cycle the assignee filter: unassigned, mine, each expert", QUEUE,
        DESK_ROLES, _on_desk, footer=False),
    Key("v", "sort_menu", "Sort", "sort by a column (the same again: reversed; the cursor goes to the top)", QUEUE,
        DESK_ROLES, _on_desk, footer=False),
    Key("S", "save_view", "Save view", "save the filters and sort as a named view (kept in config)", QUEUE,
        DESK_ROLES, _on_desk, footer=False),
    Key("V", "open_view", "Views", "open a saved view", QUEUE, DESK_ROLES, _on_desk, footer=False),
    Key("M", "bulk", "Bulk", "assign, escalate or cancel every marked row at once (one confirmation)", COORD,
        COORDINATOR, lambda s, _: s.tab == "desk" and s.marked > 0),
    *[Key(str(n), f"assign({n})", f"Assign #{n}" if n > 1 else "Assign", f"assign candidate #{n}", COORD,
          COORDINATOR, _assign, footer=n == 1, shown_key=str(n)) for n in range(1, 6)],
    Key("exclamation_mark", "escalate", "Escalate", "open an expert request (a paid profile's waits for $)", COORD,
        COORDINATOR, _when(lambda s: workflow.can_escalate(s.status)), shown_key="!"),
    Key("dollar_sign", "pay", "Paid", "record the payment (then assign with 1-5)", COORD, COORDINATOR,
        _when(lambda s: workflow.can_pay(s.status)), shown_key="$"),
    Key("r", "reassign", "Reassign", "reassign to the next candidate", COORD, COORDINATOR,
        _when(lambda s: workflow.is_held(s.status) and s.candidates > 0)),
    Key("e", "senior", "Senior", "escalate to a senior expert", COORD, COORDINATOR,
        _when(lambda s: workflow.can_senior(s.status))),
    Key("w", "wait_resume", "Wait/resume", "wait for the requester / resume (pauses the SLA)", COORD, DESK_ROLES,
        _mine(lambda s: workflow.can_wait(s.status) or workflow.can_resume(s.status)), footer=False),
    Key("x", "cancel_request", "Cancel req.", "cancel the request", COORD, COORDINATOR,
        _when(lambda s: workflow.can_cancel(s.status)), footer=False),
    Key("n", "new_issue", "New", "new issue", COORD, COORDINATOR, _on_desk),
    Key("m", "package", "Package", "escalation package with its messages (ctrl+s saves it)", COORD, DESK_ROLES,
        _issue, footer=False),
    Key("K", "acknowledge", "Ack", "acknowledge the request (before or without a session)", EXPERT_S, EXPERT,
        _mine(lambda s: s.status == "assigned" and not s.acknowledged)),
    Key("s", "start_session", "Start session", "start a session", EXPERT_S, EXPERT,
        _mine(lambda s: workflow.can_start_session(s.status) and not workflow.session_running(s.session))),
    Key("space", "toggle_session", "Pause/resume", "pause / resume the session", EXPERT_S, EXPERT,
        _mine(lambda s: workflow.session_running(s.session))),
    Key("E", "end_session", "End session", "end the session", EXPERT_S, EXPERT,
        _mine(lambda s: workflow.session_running(s.session)), footer=False),
    Key("o", "outcome", "Outcome", "record the session's outcome (ends it; also after E); completing asks the "
        "final report", EXPERT_S, EXPERT, _mine(lambda s: workflow.session_running(s.session) or s.awaiting_outcome)),
    Key("c", "correction", "Correction", "record a correction", EXPERT_S, EXPERT,
        _mine(lambda s: s.request_id is not None)),
    Key("a", "show_tab('analytics')", "Charts", "the Analytics tab (the lead's charts)", ALL, EVERYONE,
        lambda s, _: s.tab != "analytics", shown_key="a"),
    Key("d", "show_tab('desk')", "Desk", "the Desk tab", ALL, EVERYONE, lambda s, _: s.tab != "desk", footer=False),
    Key("b", "backtest", "Backtest", "backtest a changed profile over the stored history", ALL, EVERYONE,
        footer=False),
    Key("O", "schedules", "On call", "the on-call schedules: a week per schedule, overrides marked", ALL, EVERYONE,
        footer=False),
    Key("question_mark", "help", "Help", "this help", ALL, scope="app", shown_key="?"),
    Key("t", "next_theme", "Theme", "next theme (shipped and yours; saved once it applied)", ALL, scope="app",
        footer=False),
    Key("C", "conflicts", "Conflicts", "sync conflicts, with the losing revisions", ALL, scope="app", footer=False),
    Key("R", "rejected", "Rejected", "documents rejected on arrival or by db repair, changes the server refused", ALL,
        scope="app", footer=False),
    Key("ctrl+r", "reload", "Reload", "reload from the store", ALL, scope="app", footer=False),
    Key("q", "quit", "Quit", "quit", ALL, scope="app", palette=False),
]

SCHEDULE_KEYS: list[Key] = [
    Key("o", "add_override", "Override", "put someone on call in the selected schedule for a while", ONCALL,
        COORDINATOR, scope="schedules"),
    Key("j,down", "next_schedule", "Next", "select the next schedule", ONCALL, scope="schedules", shown_key="j ↓"),
    Key("k,up", "previous_schedule", "Previous", "select the previous schedule", ONCALL, scope="schedules",
        shown_key="k ↑", footer=False),
    Key("right_square_bracket", "week(1)", "Next week", "the next week", ONCALL, scope="schedules", shown_key="]"),
    Key("left_square_bracket", "week(-1)", "Last week", "the week before", ONCALL, scope="schedules", shown_key="["),
    Key("escape,q", "close", "Close", "back to the desk", ONCALL, scope="schedules", shown_key="Esc q"),
]
"""The schedule screen's keys (its own bindings; listed in the help under their section)."""

BY_ACTION: dict[str, list[Key]] = {}
for _row in KEYS:
    BY_ACTION.setdefault(_row.name, []).append(_row)


def bindings(scope: str) -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    """The Textual bindings of one scope, in the table's order."""
    return [Binding(k.key, k.action, k.label, show=k.footer, priority=k.priority)
            for k in [*KEYS, *SCHEDULE_KEYS] if k.scope == scope]


def check(action: str, parameters: tuple[object, ...], role: str, selection: Selection) -> bool | None:
    """`check_action`: True to run and show the key; False hides it and lets the key fall through.
    Actions the table does not know (Textual's own) are left alone (True)."""
    rows = BY_ACTION.get(action)
    if not rows:
        return True
    spelled = f"{action}({', '.join(repr(p) for p in parameters)})" if parameters else action
    row = next((r for r in rows if r.action == spelled), rows[0])
    if role not in row.roles:
        return False
    return row.legal(selection, parameters)


def legal_now(role: str, selection: Selection, scope: str | None = None) -> Iterable[Key]:
    """The rows a role may use now: the palette's commands."""
    for row in KEYS:
        if row.palette and (scope is None or row.scope == scope) and role in row.roles:
            params = (int(row.action[7:-1]),) if row.name == "assign" else ()
            if row.legal(selection, params):
                yield row


def footprint(role: str, selection: Selection) -> tuple[bool, ...]:
    """What each of the role's keys allows for `selection`: the footer is redrawn only when this changes,
    not on every cursor move (a footer recompose and relayout cost more than the rest of a move)."""
    return tuple(bool(row.legal(selection, (int(row.action[7:-1]),) if row.name == "assign" else ()))
                 for row in KEYS if role in row.roles)


def help_sections(role: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The help screen: every row (of one role's, when given), by section."""
    sections: dict[str, list[tuple[str, str]]] = {QUEUE: list(NAVIGATION), COORD: [], EXPERT_S: [], ALL: [],
                                                  ONCALL: []}
    assigns = [k for k in KEYS if k.name == "assign"]
    for row in [*KEYS, *SCHEDULE_KEYS]:
        if role is not None and role not in row.roles:
            continue
        if row.name == "assign":
            if row is assigns[0]:
                sections[row.section].append(("1-5", "assign the Nth candidate (confirm, optional note)"))
            continue
        sections[row.section].append((row.shown_key or row.key, row.help))
    sections[ALL].insert(2, ("< >", "analytics period 7 / 30 / 90 days"))
    sections[ALL].append(("ctrl+p", "command palette"))
    return [(name, rows) for name, rows in sections.items() if rows]
