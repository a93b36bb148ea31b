"""The queue's own actions, mixed into the desk: the assignee filter, sorting by any column, saved views."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from triagedesk.app.queue import MINE, SORTS, UNASSIGNED, QueueFilter
from triagedesk.display import literal, one_line
from triagedesk.domain.models import URGENCIES
from triagedesk.tui.config import SavedView, Settings, save_settings
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.choice import ChoiceScreen
from triagedesk.tui.screens.edit_forms import EditExpertForm
from triagedesk.tui.screens.issue_screen import IssueScreen
from triagedesk.tui.screens.modals import PromptScreen
from triagedesk.tui.screens.search_screen import SearchScreen
from triagedesk.tui.widgets.queue_view import QueueView

if TYPE_CHECKING:
    from triagedesk.app.desk import Desk
    from triagedesk.app.queue import QueueData

SORT_KEYS = {"id": "i", "urgency": "u", "score": "s", "sla": "l", "status": "t", "assignee": "a", "route": "r",
             "title": "T", "newest": "n"}
"""The key that picks each sort column in the sort menu (pressing the current one again reverses)."""
SORT_LABELS = {"urgency": "urgency, then score", "sla": "SLA time left", "newest": "newest first"}


def view_of(spec: QueueFilter) -> SavedView:
    return SavedView(text=spec.text, urgency=URGENCIES[spec.urgency] if spec.urgency is not None else None,
                     status=spec.status, profile=spec.profile, assignee=spec.assignee, sort=spec.sort,
                     reverse=spec.reverse)


def spec_of(view: SavedView) -> QueueFilter:
    return QueueFilter(text=view.text, urgency=URGENCIES.index(view.urgency) if view.urgency else None,
                       status=view.status, profile=view.profile, sort=view.sort, assignee=view.assignee,
                       reverse=view.reverse)


class QueueActions:
    """Needs the desk screen's `spec`, `data`, `role`, `expert_id`, `settings`, `current`, `apply_filter`."""

    spec: QueueFilter
    data: QueueData
    role: str
    expert_id: str | None
    settings: Settings
    current: str | None
    desk: Desk
    actor: str

    if TYPE_CHECKING:
        def apply_filter(self, keep: str | None = None, within: Any = None) -> None: ...
        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def _select(self, footer: bool = True, **changes: Any) -> None: ...
        def reload(self) -> None: ...

    queue_subtitle = ""

    def show_marks(self, count: int) -> None:
        marks = f" · {count} marked (M acts on them)" if count else ""
        self.query_one("#queue-pane").border_subtitle = literal(one_line(self.queue_subtitle + marks))

    def on_queue_view_marks_changed(self, message: QueueView.MarksChanged) -> None:
        self.show_marks(message.count)
        self._select(marked=message.count)

    # -- one issue in full, every issue, edits --------------------------------------------------
    def action_open_issue(self) -> None:
        if self.current is None:
            return
        self.app.push_screen(IssueScreen(self.desk, self.current, self.actor, self.role == "coordinator"),  # type: ignore[attr-defined]
                             lambda _: self.reload())

    def action_search_all(self) -> None:
        self.app.push_screen(SearchScreen(self.desk, self.actor, self.role == "coordinator"),  # type: ignore[attr-defined]
                             lambda _: self.reload())

    def action_edit_expert(self) -> None:
        experts = self.desk.experts(active_only=False)
        if not experts:
            tell(self, "No expert in the store.", severity="warning")
            return
        keys = "123456789abcdefghijklmnopqrstuvwxyz"
        choices = [(keys[n] if n < len(keys) else "", e.id, f"{e.name or e.id} · {e.id} · {e.expertise_level}"
                    f"{'' if e.is_active else ' · inactive'}") for n, e in enumerate(experts)]
        self.app.push_screen(ChoiceScreen("Edit which expert?", choices),  # type: ignore[attr-defined]
                             lambda expert_id: self._edit_expert(expert_id) if expert_id else None)

    def _edit_expert(self, expert_id: str) -> None:
        expert = self.desk.expert(expert_id)
        if expert is None:
            return
        form = EditExpertForm(expert)

        def saved(result: Any) -> None:
            if result is not None:
                changes = form.changes(result)
                if not changes:
                    tell(self, "Nothing changed.")
                    return
                self.write(f"{expert_id}: {', '.join(sorted(changes))} changed",  # type: ignore[attr-defined]
                           lambda: self.desk.edit("experts", expert_id, changes, self.actor))

        self.app.push_screen(form, saved)  # type: ignore[attr-defined]

    # -- the assignee filter -----------------------------------------------------------------
    def assignee_options(self) -> list[str | None]:
        """The expert: mine, unassigned, everyone. The coordinator: everyone, unassigned, then each holder."""
        if self.role == "expert":
            return [MINE, UNASSIGNED, None]
        holders = sorted({h for h in self.data.assignee_id if h})
        return [None, UNASSIGNED, *holders]

    def action_cycle_assignee(self) -> None:
        options = self.assignee_options()
        at = options.index(self.spec.assignee) if self.spec.assignee in options else -1
        self.spec = self.spec.replace(assignee=options[(at + 1) % len(options)])
        self.apply_filter(keep=self.current)

    # -- sorting -----------------------------------------------------------------------------
    def action_sort_menu(self) -> None:
        arrow = " (again: reverse)"
        choices = [(SORT_KEYS[c], c, SORT_LABELS.get(c, c) + (arrow if c == self.spec.sort else "")) for c in SORTS]
        self.app.push_screen(ChoiceScreen("Sort the queue by", choices, self.spec.sort),  # type: ignore[attr-defined]
                             lambda column: self.sort_by(column) if column else None)

    def sort_by(self, column: str) -> None:
        """Sort by `column` (the current one: reversed); the cursor goes to the top."""
        self.spec = self.spec.sorted_by(column)
        self.query_one(QueueView).sort_column = (self.spec.sort, self.spec.reverse)
        self.apply_filter(keep=None)

    def on_queue_view_sort_asked(self, message: QueueView.SortAsked) -> None:
        self.sort_by(message.column)

    # -- saved views -------------------------------------------------------------------------
    def action_save_view(self) -> None:
        def named(name: str | None) -> None:
            if name:
                self.save_view(name)

        self.app.push_screen(PromptScreen("Save this view as (name)", "e.g. unassigned critical",  # type: ignore[attr-defined]
                                          ""), named)

    def save_view(self, name: str) -> None:
        app = self.app  # type: ignore[attr-defined]
        name = name.strip()[:60]
        current = getattr(app, "settings", self.settings)  # the app's: the theme choice may be newer
        views = {**current.views, name: view_of(self.spec)}
        settings = current.model_copy(update={"views": views})
        try:
            save_settings(settings)
        except OSError as exc:
            tell(self, f"Could not save the view: {exc}", severity="warning")
            return
        self.settings = settings
        if hasattr(app, "settings"):
            app.settings = settings  # so the next theme save keeps the view
        tell(self, f"View saved: {name}")

    def action_open_view(self) -> None:
        views = self.settings.views
        if not views:
            tell(self, "No saved view yet: S saves the current filters and sort.", severity="warning")
            return
        keys = "123456789"
        choices = [(keys[n] if n < len(keys) else "", name, f"{name} · {describe_view(view)}")
                   for n, (name, view) in enumerate(sorted(views.items()))]
        self.app.push_screen(ChoiceScreen("Open a saved view", choices),  # type: ignore[attr-defined]
                             lambda name: self.open_view(name) if name else None)

    def open_view(self, name: str) -> None:
        view = self.settings.views.get(name)
        if view is None:
            tell(self, f"No saved view {name!r}.", severity="warning")
            return
        self.spec = spec_of(view)
        self.query_one(QueueView).sort_column = (self.spec.sort, self.spec.reverse)
        from textual.widgets import Input

        box = self.query_one("#filter", Input)
        box.value = view.text
        box.display = bool(view.text)
        self.spec = spec_of(view)  # setting the box's value filtered with the old spec
        self.apply_filter(keep=None)
        tell(self, f"View: {name}")


def describe_view(view: SavedView) -> str:
    from triagedesk.app.queue import describe

    return describe(spec_of(view))
