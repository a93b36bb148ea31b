"""The queue's own controls for the desk: one issue in full, search, expert edits, the assignee filter, sorting by
any column, saved views."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from triagedesk.app.queue import (
    MINE,
    SORTS,
    STATUS_FILTERS,
    UNASSIGNED,
    QueueFilter,
    describe,
    order,
    status_filter,
)
from triagedesk.display import literal, one_line
from triagedesk.domain.models import URGENCIES
from triagedesk.tui.command_line import Unknown
from triagedesk.tui.config import SavedView
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.choice import ChoiceScreen
from triagedesk.tui.screens.desk_host import DeskHost
from triagedesk.tui.screens.edit_forms import EditExpertForm
from triagedesk.tui.screens.issue_screen import IssueScreen
from triagedesk.tui.screens.search_screen import SearchScreen

SORT_KEYS = {"id": "i", "urgency": "u", "score": "s", "sla": "l", "status": "t", "assignee": "a", "route": "r",
             "title": "T", "newest": "n"}
"""The key that picks each sort column in the sort menu (pressing the current one again reverses)."""
SORT_LABELS = {"urgency": "urgency, then score", "sla": "SLA time left", "newest": "newest first"}


def plain_spec(role: str, sort: str = "urgency", reverse: bool = False) -> QueueFilter:
    """No filter: every open issue (the expert: their own)."""
    return QueueFilter(sort=sort, reverse=reverse, assignee=MINE if role == "expert" else None)


def view_of(spec: QueueFilter) -> SavedView:
    return SavedView(text=spec.text, urgency=URGENCIES[spec.urgency] if spec.urgency is not None else None,
                     status=spec.status, profile=spec.profile, assignee=spec.assignee, sort=spec.sort,
                     reverse=spec.reverse)


def spec_of(view: SavedView) -> QueueFilter:
    return QueueFilter(text=view.text, urgency=URGENCIES.index(view.urgency) if view.urgency else None,
                       status=view.status, profile=view.profile, sort=view.sort, assignee=view.assignee,
                       reverse=view.reverse)


class QueueControls:
    """What the queue's keys do (typed: the desk screen is its `DeskHost`)."""

    def __init__(self, host: DeskHost) -> None:
        self.host = host
        self.subtitle = ""

    # -- filtering ---------------------------------------------------------------------------
    def apply_filter(self, keep: str | None = None, within: Any = None,
                     changed: Collection[str] | None = None) -> None:
        """Show the queue as filtered and sorted now; `changed`: after a patch, the issues whose rows it changed
        (only the lines showing them, or showing another issue than before, are repainted)."""
        host = self.host
        now = host.desk.clock().timestamp()
        rows = order(host.data, host.spec, now, within, me=host.expert_id)
        what = describe(host.spec, self.expert_names() if host.spec.assignee else None)
        if not len(host.data):
            empty = "No open issue."
        elif host.spec == plain_spec(host.role, host.spec.sort, host.spec.reverse) and host.role == "expert":
            empty = "No open request is assigned to you. A shows the unassigned ones, then every one."
        else:
            empty = f"No open issue matches: {what}. Esc clears the filters."
        queue = host.queue_view()
        queue.show(host.data, rows, keep, empty_text=empty, changed=changed)
        self.subtitle = f"{len(rows):,} of {len(host.data):,} open · {what}"
        self.show_marks(len(queue.marked))

    def filter(self) -> None:
        box = self.host.filter_box()
        box.display = True
        box.focus()

    def filter_changed(self, text: str) -> None:
        host = self.host
        previous = host.spec.text
        host.spec = host.spec.replace(text=text)
        narrowing = previous and text.lower().startswith(previous.lower())
        host.apply_filter(keep=host.current, within=host.queue_view().rows if narrowing else None)

    def clear_filter(self) -> None:
        host = self.host
        box = host.filter_box()
        box.value = ""
        box.display = False
        host.spec = plain_spec(host.role, host.spec.sort, host.spec.reverse)
        host.apply_filter(keep=host.current)
        host.queue_view().focus()

    def _respec(self, **changes: Any) -> None:
        self.host.spec = self.host.spec.replace(**changes)
        self.host.apply_filter(keep=self.host.current)

    def cycle_urgency(self) -> None:
        options = [None, *range(len(URGENCIES))]
        self._respec(urgency=options[(options.index(self.host.spec.urgency) + 1) % len(options)])

    def cycle_status(self) -> None:
        status = self.host.spec.status
        self._respec(status=STATUS_FILTERS[(STATUS_FILTERS.index(status) + 1) % len(STATUS_FILTERS)])

    def cycle_profile(self) -> None:
        options: list[str | None] = [None, *self.host.desk.engine.profiles()]
        at = options.index(self.host.spec.profile) if self.host.spec.profile in options else 0
        self._respec(profile=options[(at + 1) % len(options)])

    def show_marks(self, count: int) -> None:
        marks = f" · {count} marked (M acts on them)" if count else ""
        self.host.queue_subtitle(literal(one_line(self.subtitle + marks)))

    # -- one issue in full, every issue, edits --------------------------------------------------
    def open_issue(self) -> None:
        host = self.host
        if host.current is None:
            return
        host.push(IssueScreen(host.desk, host.current, host.actor.name, host.role == "coordinator"),
                  lambda _: host.reload())

    def search_all(self) -> None:
        host = self.host
        host.push(SearchScreen(host.desk, host.actor.name, host.role == "coordinator"), lambda _: host.reload())

    def edit_expert(self) -> None:
        experts = self.host.desk.figures.experts(active_only=False)
        if not experts:
            tell(self.host, "No expert in the store.", severity="warning")
            return
        keys = "123456789abcdefghijklmnopqrstuvwxyz"
        choices = [(keys[n] if n < len(keys) else "", e.id, f"{e.name or e.id} · {e.id} · {e.expertise_level}"
                    f"{'' if e.is_active else ' · inactive'}") for n, e in enumerate(experts)]
        self.host.push(ChoiceScreen("Edit which expert?", choices),
                       lambda expert_id: self._edit_expert(expert_id) if expert_id else None)

    def _edit_expert(self, expert_id: str) -> None:
        host = self.host
        expert = host.desk.figures.expert(expert_id)
        if expert is None:
            return
        form = EditExpertForm(expert)

        def saved(result: Any) -> None:
            if result is not None:
                changes = form.changes(result)
                if not changes:
                    tell(self.host, "Nothing changed.")
                    return
                host.write(f"{expert_id}: {', '.join(sorted(changes))} changed",
                           lambda: host.desk.commands.edit("experts", expert_id, changes, host.actor.name))

        host.push(form, saved)

    # -- the assignee filter -----------------------------------------------------------------
    def assignee_options(self) -> list[str | None]:
        """The expert: mine, unassigned, everyone. The coordinator: everyone, unassigned, then each expert who holds
        a request, by name, only those of the profile in view when one is."""
        host = self.host
        if host.role == "expert":
            return [MINE, UNASSIGNED, None]
        names = self.expert_names()
        profile = host.spec.profile
        holders = {str(h) for h, p in zip(host.data.assignee_id, host.data.profile, strict=True)
                   if h and (profile is None or p == profile)}
        ordered: list[str] = sorted(holders, key=lambda h: ((names.get(h) or h).lower(), h))
        return [None, UNASSIGNED, *ordered]

    def expert_names(self) -> dict[str, str]:
        return {e.id: e.name or e.id for e in self.host.desk.figures.experts(active_only=False)}

    def cycle_assignee(self) -> None:
        host = self.host
        options = self.assignee_options()
        at = options.index(host.spec.assignee) if host.spec.assignee in options else -1
        host.spec = host.spec.replace(assignee=options[(at + 1) % len(options)])
        host.apply_filter(keep=host.current)

    # -- the command line's words ------------------------------------------------------------
    def show_everything(self) -> None:
        """No filter at all (the expert too sees every open issue): where a jump to a hidden issue lands."""
        host = self.host
        box = host.filter_box()
        box.value = ""
        box.display = False
        host.spec = QueueFilter(sort=host.spec.sort, reverse=host.spec.reverse)
        host.apply_filter(keep=host.current)

    def take(self, verb: str, argument: str) -> None:
        """`profile NAME`, `expert NAME`, `status STATE`, `urgency LEVEL`, `sort COLUMN`, `filter TEXT`, `clear`."""
        wanted = argument.strip()
        low = wanted.lower()
        if verb == "clear":
            self.clear_filter()
        elif verb == "filter":
            box = self.host.filter_box()
            box.display = bool(wanted)
            box.value = wanted  # filters through the box's change, as typing it would
        elif verb == "sort":
            if low not in SORTS:
                raise Unknown(f"no column {wanted!r} (one of {', '.join(SORTS)})")
            self.sort_by(low)
        elif verb == "status":
            status = status_filter(wanted)  # a token, a state's name ("in review") or an old spelling
            if status is None:
                raise Unknown(f"no state {wanted!r} (one of {', '.join(STATUS_FILTERS)})")
            self._respec(status=status)
        elif verb == "urgency":
            if low not in ("", "all", *URGENCIES):
                raise Unknown(f"no urgency {wanted!r} (one of {', '.join(URGENCIES)} or all)")
            self._respec(urgency=None if low in ("", "all") else URGENCIES.index(low))
        elif verb == "profile":
            names = self.host.desk.engine.profiles()
            if low not in ("", "all", *names):
                raise Unknown(f"no profile {wanted!r} (one of {', '.join(names)} or all)")
            self._respec(profile=None if low in ("", "all") else low)
        elif verb == "expert":
            self._respec(assignee=self._assignee(wanted))

    def _assignee(self, wanted: str) -> str | None:
        low = wanted.lower()
        if low in ("", "all", "everyone"):
            return None
        if low in (UNASSIGNED, "nobody"):
            return UNASSIGNED
        if low == MINE and self.host.role == "expert":
            return MINE
        names = self.expert_names()
        found = [i for i, n in names.items() if low in (i.lower(), n.lower())]
        if len(found) != 1:
            raise Unknown(f"no expert {wanted!r}" if not found else f"{wanted!r} names {len(found)} experts: "
                          "use the id")
        return found[0]

    # -- sorting -----------------------------------------------------------------------------
    def sort_menu(self) -> None:
        spec = self.host.spec
        arrow = " (again: reverse)"
        choices = [(SORT_KEYS[c], c, SORT_LABELS.get(c, c) + (arrow if c == spec.sort else "")) for c in SORTS]
        self.host.push(ChoiceScreen("Sort the queue by", choices, spec.sort),
                       lambda column: self.sort_by(column) if column else None)

    def sort_by(self, column: str) -> None:
        """Sort by `column` (the current one: reversed); the cursor goes to the top."""
        host = self.host
        host.spec = host.spec.sorted_by(column)
        host.queue_view().sort_column = (host.spec.sort, host.spec.reverse)
        host.apply_filter(keep=None)
