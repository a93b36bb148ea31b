"""The keys of a person who lives in the desk: the `:` command line, jumping to an id, undo and redo, copying."""

from __future__ import annotations

from typing import Any

from triagedesk.app.queue import SORTS, STATUS_FILTER_NAMES, STATUS_FILTERS
from triagedesk.display import one_line
from triagedesk.domain.models import URGENCIES
from triagedesk.tui import keys
from triagedesk.tui.command_line import WORDS, IdIndex, Unknown, Word, expand, parse
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.command_prompt import CommandPrompt
from triagedesk.tui.screens.desk_host import DeskHost
from triagedesk.tui.screens.issue_screen import IssueScreen
from triagedesk.tui.widgets.queue_view import format_minutes


class PowerDoor:
    """What `:`, ctrl+z, ctrl+y, y and Y do on the desk screen."""

    def __init__(self, host: DeskHost) -> None:
        self.host = host
        self._ids: tuple[object, IdIndex] | None = None
        self._skipped: set[str] = set()
        """The steps an undo of this walk could not take back: the next undo passes over them."""

    # -- the command line --------------------------------------------------------------------
    def _actions(self) -> dict[str, str]:
        """Every row's names (its id, its label) -> its action string, for the desk's role."""
        out: dict[str, str] = {}
        for row in keys.KEYS:
            if self.host.role in row.roles and row.name != "command_line":
                out.setdefault(row.id.lower(), row.action)
                out.setdefault(row.label.lower(), row.action)
        return out

    def index(self) -> IdIndex:
        """The open issues' ids by prefix, built once per loaded queue."""
        data = self.host.data
        if self._ids is None or self._ids[0] is not data:
            self._ids = (data, IdIndex(data.ids))
        return self._ids[1]

    def words(self) -> list[Word]:
        """What the line completes: the actions legal now first, then the desk's words, views, profiles, experts,
        states, urgencies, sort columns and the user's aliases."""
        host = self.host
        keymap = getattr(host.app, "keymap", None)
        found = [Word(row.id, f"{row.help} · {keymap.shown(row) if keymap else row.key}", "action")
                 for row in keys.legal_now(host.role, host.selection, expert_id=host.expert_id)
                 if row.name != "command_line"]
        found += [Word(word, what) for word, what in WORDS.items() if word not in ("view", "go")]
        for name in sorted(host.settings.views):
            found += [Word(f"view {name}", "open the saved view", "view"),
                      Word(f"view delete {name}", "delete the saved view", "view")]
            if "=" not in name:  # `OLD = NEW` splits at the first '=': such a name is renamed from V
                found.append(Word(f"view rename {name} = ", "rename the saved view", "view"))
        found += [Word(f"profile {name}", "show this profile's issues", "profile")
                  for name in ["all", *host.desk.engine.profiles()]]
        found += [Word(f"expert {e.name or e.id}", f"requests {e.id} holds", "expert")
                  for e in host.desk.figures.experts(active_only=False)]
        found += [Word(f"status {s}", f"show {STATUS_FILTER_NAMES[s]}", "status") for s in STATUS_FILTERS]
        found += [Word(f"urgency {u}", "show this urgency", "urgency") for u in ("all", *URGENCIES)]
        found += [Word(f"sort {c}", "sort the queue by it", "sort") for c in SORTS]
        found += [Word(alias, f"alias: {one_line(text, 60)}", "alias")
                  for alias, text in sorted(host.settings.aliases.items())]
        return found

    def command_line(self) -> None:
        host = self.host
        actions = self._actions()

        index = self.index()

        def understands(text: str) -> bool:
            """A line that means something as typed (a bare word that is no open issue's id may be a typo of a
            word: Enter then takes the best completion)."""
            try:
                line = parse(expand(text, host.settings.aliases), actions)
            except Unknown:
                return False
            return line.verb != "go" or text.lower().startswith("go ") or index.find(line.argument) is not None

        host.push(CommandPrompt(self.words(), index, understands),
                  lambda line: self.run(line) if line else None)

    def run(self, text: str) -> None:
        """Take one line: its alias expanded, then the id, action or word it names; a line that means nothing is
        one notice saying what would."""
        host = self.host
        try:
            line = parse(expand(text, host.settings.aliases), self._actions())
        except Unknown as exc:
            tell(host, f":{one_line(text, 60)}: {exc}", severity="warning")
            return
        if line.verb == "action":
            row = next(r for r in keys.KEYS if r.action == line.argument)
            target: Any = host.app if row.scope == "app" else host
            host.app.call_later(target.run_action, line.argument)
        elif line.verb == "go":
            self.jump(line.argument)
        else:
            try:
                if line.verb.startswith("view"):
                    host.views.take(line.verb, line.argument)
                else:
                    host.queue_controls.take(line.verb, line.argument)
            except Unknown as exc:
                tell(host, f":{one_line(text, 60)}: {exc}", severity="warning")

    # -- jumping to an id --------------------------------------------------------------------
    def jump(self, wanted: str) -> None:
        """To the issue wherever it is: filters that hide it are cleared; a closed (or another expert's) issue
        opens on the issue screen, read-only, saying so."""
        host = self.host
        issue_id = self.index().find(wanted.strip())
        if issue_id is None:
            desk = host.desk
            host.background(lambda: desk.queries.issue_any_case(wanted), lambda found: self._not_in_queue(
                wanted.strip() if found is None else str(found.id), found is not None))
            return
        queue = host.queue_view()
        row = host.data.position(issue_id)
        if row is not None and row not in set(queue.rows):
            host.queue_controls.show_everything()
            tell(host, f"{issue_id}: the filters hid it; they are cleared")
        queue.show(host.data, queue.rows, issue_id)
        queue.focus()

    def _not_in_queue(self, issue_id: str, exists: bool) -> None:
        host = self.host
        if not exists:
            tell(host, f"No issue {one_line(issue_id, 60)}.", severity="warning")
            return
        why = "not in your queue" if host.role == "expert" else "closed (no open request)"
        tell(host, f"{issue_id} is {why}: opened read-only")
        host.push(IssueScreen(host.desk, issue_id, host.actor.name, can_edit=False))

    # -- undo, redo --------------------------------------------------------------------------
    def undo(self) -> None:
        """Take back the last step; one the table refuses whole is passed over by the next undo of this walk (so
        the steps before it can still be taken back), and the notice says so."""
        host = self.host
        history, actor, skipped = host.desk.history, host.actor, self._skipped

        def said(found: Any) -> str:
            if found.refused and not found.done:
                skipped.add(found.step.id)
                row = next(r for r in keys.KEYS if r.id == "undo")
                mapped = getattr(host.app, "keymap", None)
                key = mapped.shown(row) if mapped is not None else row.shown_key
                return f"{found.summary()}; {key} again undoes the step before it"
            return str(found.summary())

        host.write(said, lambda: history.undo(actor, skip=frozenset(skipped)))

    def redo(self) -> None:
        host = self.host
        history, actor = host.desk.history, host.actor
        self._skipped.clear()  # a redo ends the undo walk
        host.write(lambda done: done.summary(), lambda: history.redo(actor))

    # -- copying -----------------------------------------------------------------------------
    def copy_id(self) -> None:
        host = self.host
        assert host.current is not None
        host.app.copy_to_clipboard(host.current)
        tell(host, f"Copied {host.current}")

    def copy_line(self) -> None:
        host = self.host
        assert host.current is not None
        line = summary_line(host)
        host.app.copy_to_clipboard(line)
        tell(host, f"Copied: {one_line(line, 100)}")


def summary_line(host: DeskHost) -> str:
    """`INC-001141 · Core switch down · assigned · Ana Ferreira · SLA 2h05`: one line, whatever the title holds."""
    data, issue_id = host.data, host.current
    assert issue_id is not None
    row = data.position(issue_id)
    if row is None:
        return issue_id
    left = data.sla_left_minutes(row, host.desk.clock().timestamp())
    parts = [issue_id, one_line(data.title[row], 80), data.status[row], data.assignee[row],
             f"SLA {format_minutes(left)}" if left is not None else ""]
    return " · ".join(p for p in parts if p)
