"""The queue's own controls for the desk: one issue in full, search, expert edits, the assignee filter, sorting by
any column, saved views."""

from __future__ import annotations

from typing import Any

from triagedesk.app.queue import MINE, SORTS, STATUS_FILTERS, UNASSIGNED, QueueFilter, describe, order
from triagedesk.display import literal, one_line
from triagedesk.domain.models import URGENCIES
from triagedesk.tui.config import SavedView, save_settings
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.choice import ChoiceScreen
from triagedesk.tui.screens.desk_host import DeskHost
from triagedesk.tui.screens.edit_forms import EditExpertForm
from triagedesk.tui.screens.issue_screen import IssueScreen
from triagedesk.tui.screens.modals import PromptScreen
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
    def apply_filter(self, keep: str | None = None, within: Any = None) -> None:
        host = self.host
        now = host.desk.clock().timestamp()
        rows = order(host.data, host.spec, now, within, me=host.expert_id)
        what = describe(host.spec)
        if not len(host.data):
            empty = "No open issue."
        elif host.spec == plain_spec(host.role, host.spec.sort, host.spec.reverse) and host.role == "expert":
            empty = "No open request is assigned to you. A shows the unassigned ones, then every one."
        else:
            empty = f"No open issue matches: {what}. Esc clears the filters."
        queue = host.queue_view()
        queue.show(host.data, rows, keep, empty_text=empty)
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
        """The expert: mine, unassigned, everyone. The coordinator: everyone, unassigned, then each holder."""
        host = self.host
        if host.role == "expert":
            return [MINE, UNASSIGNED, None]
        holders = sorted({h for h in host.data.assignee_id if h})
        return [None, UNASSIGNED, *holders]

    def cycle_assignee(self) -> None:
        host = self.host
        options = self.assignee_options()
        at = options.index(host.spec.assignee) if host.spec.assignee in options else -1
        host.spec = host.spec.replace(assignee=options[(at + 1) % len(options)])
        host.apply_filter(keep=host.current)

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

    # -- saved views -------------------------------------------------------------------------
    def save_view_asked(self) -> None:
        def named(name: str | None) -> None:
            if name:
                self.save_view(name)

        self.host.push(PromptScreen("Save this view as (name)", "e.g. unassigned critical", ""), named)

    def save_view(self, name: str) -> None:
        host = self.host
        app = host.app
        name = name.strip()[:60]
        current = getattr(app, "settings", host.settings)  # the app's: the theme choice may be newer
        views = {**current.views, name: view_of(host.spec)}
        settings = current.model_copy(update={"views": views})
        try:
            save_settings(settings)
        except OSError as exc:
            tell(host, f"Could not save the view: {exc}", severity="warning")
            return
        host.settings = settings
        if hasattr(app, "settings"):
            app.settings = settings  # so the next theme save keeps the view
        tell(host, f"View saved: {name}")

    def open_view_asked(self) -> None:
        views = self.host.settings.views
        if not views:
            tell(self.host, "No saved view yet: S saves the current filters and sort.", severity="warning")
            return
        letters = "123456789"
        choices = [(letters[n] if n < len(letters) else "", name, f"{name} · {describe_view(view)}")
                   for n, (name, view) in enumerate(sorted(views.items()))]
        self.host.push(ChoiceScreen("Open a saved view", choices),
                       lambda name: self.open_view(name) if name else None)

    def open_view(self, name: str) -> None:
        host = self.host
        view = host.settings.views.get(name)
        if view is None:
            tell(host, f"No saved view {name!r}.", severity="warning")
            return
        host.spec = spec_of(view)
        host.queue_view().sort_column = (host.spec.sort, host.spec.reverse)
        box = host.filter_box()
        box.value = view.text
        box.display = bool(view.text)
        host.spec = spec_of(view)  # setting the box's value filtered with the old spec
        host.apply_filter(keep=None)
        tell(host, f"View: {name}")


def describe_view(view: SavedView) -> str:
    from triagedesk.app.queue import describe

    return describe(spec_of(view))
