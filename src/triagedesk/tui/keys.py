"""Every key of the desk in one table: it makes the bindings, the key bar, the help, the palette and every refusal.

A workflow key names the action of the domain's table it takes (`rule`): whether it is legal, and why not, is
the table's answer (`actions.check`), never decided here. A role's key always runs and answers: a key that is
not legal now shows the table's reason; the key bar and the palette offer only what is legal now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from textual.binding import Binding

from triagedesk.domain.requests import actions
from triagedesk.domain.requests.actions import Actor, Standing

COORDINATOR = frozenset({"coordinator"})
EXPERT = frozenset({"expert"})
DESK_ROLES = frozenset({"coordinator", "expert"})
EVERYONE = frozenset({"coordinator", "expert", "lead"})


@dataclass(frozen=True)
class Selection:
    """What the keys know of the highlighted issue (all cheap, from the queue row and its detail)."""

    issue_id: str | None = None
    status: str | None = None
    """Its latest request's status; None when it has none (closed requests leave the queue)."""
    request_id: str | None = None
    holder: str = ""
    """The name of the expert who holds it (assigned, in review, waiting), else ""."""
    holder_id: str = ""
    opens_as: str = "pending_assignment"
    """The state a new request would start in: pending payment where the profile charges."""
    session: str | None = None
    """The status of the desk's expert's running session on the request (active, paused), None without one."""
    candidates: int = 0
    tab: str = "desk"
    mine: bool = True
    """The desk may work the request: always on a coordinator's desk; on an expert's, only their own."""
    marked: int = 0
    """Queue rows marked for a bulk action."""
    acknowledged: bool = False
    awaiting_outcome: bool = False
    """An ended session of the desk's expert on the request has no outcome yet."""

    def standing(self) -> Standing:
        return Standing(self.status, self.opens_as, self.holder_id or None, self.acknowledged, self.session,
                        self.awaiting_outcome)


NOTHING = Selection()

Legal = Callable[[Selection, tuple[object, ...]], str | None]
"""A key's own condition (a tab, a selection, marks): None when met, else why not."""


def _always(_: Selection, __: tuple[object, ...]) -> str | None:
    return None


def _on_desk(s: Selection, _: tuple[object, ...]) -> str | None:
    return None if s.tab == "desk" else "on the Desk tab (d)"


def _issue(s: Selection, params: tuple[object, ...]) -> str | None:
    return _on_desk(s, params) or (None if s.issue_id is not None else "select an issue first")


def _candidate(s: Selection, params: tuple[object, ...]) -> str | None:
    number = params[0] if params and isinstance(params[0], int) else 1
    found = _issue(s, params)
    if found is None and number > s.candidates:
        return f"there is no candidate #{number}" if s.candidates else "no candidate for this issue"
    return found


def _marked(s: Selection, params: tuple[object, ...]) -> str | None:
    return _on_desk(s, params) or (None if s.marked else
                                   "no row marked: Space marks a row, shift+arrows while moving, * every row shown")


def _tab(name: str) -> Legal:
    return lambda s, _: f"the {name.capitalize()} tab is open" if s.tab == name else None


def give_rule(s: Selection) -> str:
    """1-5 on a held request reassigns; otherwise it assigns (escalating first where that is the path)."""
    return "reassign" if s.status in ("assigned", "in_review", "waiting") else "assign"


def wait_rule(s: Selection) -> str:
    return "resume" if s.status == "waiting" else "wait"


def toggle_rule(s: Selection) -> str:
    return "resume_session" if s.session == "paused" else "pause_session"


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
    rule: str | Callable[[Selection], str] | None = None
    """The action of the domain's table the key takes (or picks by the selection)."""
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

    @property
    def id(self) -> str:
        """The row's name in `[keys]` of config.toml and `triagedesk keys`: `assign_2`, `show_tab_analytics`."""
        params = "_".join(str(p).strip("'\"") for p in self.action[len(self.name) + 1:-1].split(",") if p.strip())
        return f"{self.name}_{params}" if params else self.name

    def rule_for(self, selection: Selection) -> str | None:
        return self.rule(selection) if callable(self.rule) else self.rule

    def params(self) -> tuple[object, ...]:
        return (int(self.action[7:-1]),) if self.name == "assign" else ()


QUEUE, COORD, EXPERT_S, ALL, ONCALL = "Queue", "Coordinator", "Expert", "Everywhere", "On-call schedules"

NAVIGATION: list[tuple[str, str]] = [
    ("↑ ↓ j k", "move"), ("PgUp PgDn", "page"), ("Home End g G", "first / last"), ("Tab", "next pane"),
    ("Space", "mark the row (coordinator; the expert's Space pauses a session)"),
    ("shift+↑ ↓", "mark while moving"), ("*", "mark every row shown (again: unmark them)"),
    ("click a column name", "sort by it (again: reversed)"),
]
"""Keys the queue widget handles itself, listed on the help screen."""


def _help(rule: str, prefix: str = "") -> str:
    return prefix + actions.ACTIONS[rule].help


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
    Key("colon", "command_line", "Command", "the command line: an issue id jumps to it; actions, views, profiles, "
        "experts and your aliases, with completion", QUEUE, EVERYONE, shown_key=":"),
    Key("y", "copy_id", "Copy id", "copy the selected issue's id to the clipboard", QUEUE, EVERYONE, _issue,
        footer=False),
    Key("Y", "copy_line", "Copy line", "copy a one-line summary of the selected issue (id, title, state, who, SLA)",
        QUEUE, EVERYONE, _issue, footer=False),
    Key("F", "search_all", "Search all", "search every issue, closed ones included", QUEUE, EVERYONE, _on_desk,
        footer=False),
    Key("X", "edit_expert", "Edit expert", "edit an expert record (each change audited)", COORD, COORDINATOR,
        _on_desk, footer=False),
    Key("ctrl+e", "edit_issue", "Edit issue", _help("edit", "the selected issue: ") + " (the issue screen too)",
        COORD, COORDINATOR, _issue, rule="edit", footer=False, shown_key="ctrl+e"),
    Key("A", "cycle_assignee", "Assignee", "cycle the assignee filter: unassigned, mine, each expert", QUEUE,
        DESK_ROLES, _on_desk, footer=False),
    Key("v", "sort_menu", "Sort", "sort by a column (the same again: reversed; the cursor goes to the top)", QUEUE,
        DESK_ROLES, _on_desk, footer=False),
    Key("S", "save_view", "Save view", "save the filters and sort as a named view (kept in config)", QUEUE,
        DESK_ROLES, _on_desk, footer=False),
    Key("V", "open_view", "Views", "open a saved view", QUEUE, DESK_ROLES, _on_desk, footer=False),
    Key("M", "bulk", "Bulk", "assign, escalate or cancel every marked row (one confirmation, per-row plans)", COORD,
        COORDINATOR, _marked),
    *[Key(str(n), f"assign({n})", f"Assign #{n}" if n > 1 else "Assign", f"assign candidate #{n}", COORD,
          COORDINATOR, _candidate, rule=give_rule, footer=n == 1, shown_key=str(n)) for n in range(1, 6)],
    Key("exclamation_mark", "escalate", "Escalate", _help("escalate"), COORD, COORDINATOR, _issue, rule="escalate",
        shown_key="!"),
    Key("dollar_sign", "pay", "Paid", _help("pay"), COORD, COORDINATOR, _issue, rule="pay", shown_key="$"),
    Key("r", "reassign", "Reassign", "reassign to the next specialist (never one who let it lapse)", COORD,
        COORDINATOR, _issue, rule="reassign"),
    Key("e", "senior", "Senior", _help("senior"), COORD, COORDINATOR, _issue, rule="senior"),
    Key("w", "wait_resume", "Wait/resume", "wait for the requester / resume (the resolve target pauses)", COORD,
        DESK_ROLES, _issue, rule=wait_rule),
    Key("x", "cancel_request", "Cancel", _help("cancel"), COORD, COORDINATOR, _issue, rule="cancel"),
    Key("n", "new_issue", "New", "new issue (any profile, shipped and yours)", COORD, COORDINATOR, _on_desk),
    Key("U", "feedback", "Useful/noise", "mark the issue useful or noise (the noise view and the backtest read it)",
        COORD, COORDINATOR, _issue, footer=False),
    Key("W", "maintenance", "Maintenance", "maintenance windows: active and upcoming (a coordinator schedules with "
        "n and ends with x)", ALL, EVERYONE, footer=False),
    Key("m", "package", "Package", "escalation package with its messages (ctrl+s saves it)", COORD, DESK_ROLES,
        _issue),
    Key("T", "claim", "Claim", _help("claim"), EXPERT_S, EXPERT, _issue, rule="claim"),
    Key("K", "acknowledge", "Ack", "acknowledge the request (before or without a session)", EXPERT_S, EXPERT,
        _issue, rule="acknowledge"),
    Key("s", "start_session", "Start session", _help("start"), EXPERT_S, EXPERT, _issue, rule="start"),
    Key("space", "toggle_session", "Pause/resume", "pause / resume your session", EXPERT_S, EXPERT, _issue,
        rule=toggle_rule),
    Key("E", "end_session", "End session", _help("end_session"), EXPERT_S, EXPERT, _issue, rule="end_session"),
    Key("o", "outcome", "Outcome", "record your session's outcome (ends it; also after E); completing asks the "
        "final report", EXPERT_S, EXPERT, _issue, rule="outcome"),
    Key("c", "correction", "Correction", _help("correction"), EXPERT_S, EXPERT, _issue, rule="correction"),
    Key("ctrl+z", "undo", "Undo", "undo your last step (a bulk action is one): a new, audited action through the "
        "same rules, refused with the reason when they no longer allow it", ALL, DESK_ROLES, shown_key="ctrl+z"),
    Key("ctrl+y", "redo", "Redo", "take the step you last undid again", ALL, DESK_ROLES, footer=False,
        shown_key="ctrl+y"),
    Key("a", "show_tab('analytics')", "Charts", "the Analytics tab (the lead's charts)", ALL, EVERYONE,
        _tab("analytics"), shown_key="a"),
    Key("d", "show_tab('desk')", "Desk", "the Desk tab", ALL, EVERYONE, _tab("desk"), footer=False),
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
    Key("N", "notices", "Notices", "every notice of this run, and the dispatcher's actions from the audit log", ALL,
        scope="app", footer=False),
    Key("ctrl+k", "key_tester", "Key tester", "names every key you press, and what it does here (some terminals "
        "swallow keys)", ALL, scope="app", footer=False, shown_key="ctrl+k"),
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
KEY_OF: dict[str, str] = {}
"""The key that takes each action of the domain's table (what a refusal names as coming first)."""
for _row in KEYS:
    if isinstance(_row.rule, str):
        KEY_OF.setdefault(_row.rule, _row.shown_key or _row.key)
KEY_OF.setdefault("assign", "1-5")
KEY_OF.setdefault("resume", "w")


def bindings(scope: str) -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    """The Textual bindings of one scope, in the table's order."""
    return [Binding(k.key, k.action, k.label, show=k.footer, priority=k.priority, id=k.id)
            for k in [*KEYS, *SCHEDULE_KEYS] if k.scope == scope]


def row_of(action: str, parameters: tuple[object, ...] = ()) -> Key | None:
    rows = BY_ACTION.get(action)
    if not rows:
        return None
    spelled = f"{action}({', '.join(repr(p) for p in parameters)})" if parameters else action
    return next((r for r in rows if r.action == spelled), rows[0])


def check(action: str, parameters: tuple[object, ...], role: str, selection: Selection) -> bool | None:
    """`check_action`: a role's own key always runs (and answers with a reason when it is not legal now); another
    role's key falls through (the coordinator's Space marks a row). Textual's own actions are left alone."""
    row = row_of(action, parameters)
    return True if row is None else role in row.roles


def refusal(row: Key, params: tuple[object, ...], role: str, selection: Selection,
            expert_id: str | None = None, key_of: dict[str, str] | None = None) -> str | None:
    """Why the key cannot be taken now (None: it can): the key's own condition, then the action table's reason
    with the keys of what must come first."""
    own = row.legal(selection, params)
    if own is not None:
        return f"{row.label}: {own}"
    rule = row.rule_for(selection)
    if rule is None:
        return None
    found = actions.check(rule, selection.standing(), Actor("", role, expert_id))  # type: ignore[arg-type]
    if found is None:
        return None
    named = key_of or KEY_OF
    first = ", then ".join(named.get(step, step) for step in found.first)
    return f"{found.text} (first: {first})" if first else found.text


def legal_now(role: str, selection: Selection, scope: str | None = None,
              expert_id: str | None = None) -> Iterable[Key]:
    """The rows a role may take now: the palette's commands and the key bar's keys."""
    for row in KEYS:
        if row.palette and (scope is None or row.scope == scope) and role in row.roles:
            if refusal(row, row.params(), role, selection, expert_id) is None:
                yield row


def bar(role: str, selection: Selection, expert_id: str | None = None) -> list[Key]:
    """What the key bar shows: every legal key of the role marked for it, and nothing else."""
    return [row for row in KEYS if row.footer and role in row.roles
            and refusal(row, row.params(), role, selection, expert_id) is None]


def footprint(role: str, selection: Selection, expert_id: str | None = None) -> tuple[bool, ...]:
    """What each of the role's keys allows for `selection`: the key bar is redrawn only when this changes."""
    return tuple(refusal(row, row.params(), role, selection, expert_id) is None for row in KEYS if role in row.roles)


FORMS = "Forms and confirmations"
FORM_KEYS = (("ctrl+s", "save the form (each field is checked; an error shows under its field)"),
             ("Esc", "close: at once when nothing was changed, else it asks (Discard / Keep editing); in a "
                     "confirmation, Keep it"),
             ("Enter", "in a confirmation's note: do what the first button says"),
             ("ctrl+o", "open a long text or a confirmation's note in your editor ($VISUAL, else $EDITOR)"))
"""The keys of every form and confirmation (their own bindings, not rows of the table: they act on the dialog)."""


def help_sections(role: str | None = None, shown: Callable[[Key], str] | None = None
                  ) -> list[tuple[str, list[tuple[str, str]]]]:
    """The help screen: every row (of one role's, when given), by section, with its effective key (`shown`)."""
    sections: dict[str, list[tuple[str, str]]] = {QUEUE: list(NAVIGATION), COORD: [], EXPERT_S: [], ALL: [],
                                                  ONCALL: []}
    assigns = [k for k in KEYS if k.name == "assign"]
    for row in [*KEYS, *SCHEDULE_KEYS]:
        if role is not None and role not in row.roles:
            continue
        if row.name == "assign":
            if row is assigns[0]:
                sections[row.section].append(("1-5", "assign the Nth candidate of the issue's specialisation "
                                                     "(confirm, optional note; outside it: an override with a note)"))
            continue
        key = shown(row) if shown is not None else row.shown_key or row.key
        sections[row.section].append((key, row.help))
    sections[ALL].insert(2, ("< >", "analytics period 7 / 30 / 90 days"))
    sections[ALL].append(("ctrl+p", "command palette"))
    sections[ALL].append(("[keys]", "your own keys: config.toml's [keys] maps an action (triagedesk keys lists "
                                    "them) to a key; [aliases] adds words to the : line"))
    sections[FORMS] = list(FORM_KEYS)
    return [(name, rows) for name, rows in sections.items() if rows]
