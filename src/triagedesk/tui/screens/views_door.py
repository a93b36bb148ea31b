"""Saved views: save the queue's filters and sort by name, open, rename and delete them (kept in config.toml)."""

from __future__ import annotations

from triagedesk.app.queue import describe
from triagedesk.display import one_line
from triagedesk.tui.command_line import Unknown, rename_parts
from triagedesk.tui.config import NotSaved, Settings, save_settings
from triagedesk.tui.notices import tell
from triagedesk.tui.screens.desk_host import DeskHost
from triagedesk.tui.screens.modals import ConfirmScreen, PromptScreen
from triagedesk.tui.screens.queue_controls import spec_of, view_of
from triagedesk.tui.screens.views_screen import ViewsScreen

NAME_LENGTH = 60


class ViewsDoor:
    """S saves, V lists them (Enter opens, r renames, d deletes); `:view …` does the same."""

    def __init__(self, host: DeskHost) -> None:
        self.host = host

    def _settings(self) -> Settings:
        return getattr(self.host.app, "settings", self.host.settings)  # the app's: the theme choice may be newer

    def _store(self, settings: Settings, done: str) -> bool:
        host = self.host
        keep = getattr(host.app, "keep_settings", None)
        if keep is None:  # a host outside the desk app: straight to the file
            try:
                save_settings(settings)
            except (OSError, NotSaved) as exc:
                tell(host, f"Could not save the views: {exc}", severity="warning")
                return False
            written = True
        else:
            written = keep(settings)  # the app's settings too, so the next theme save keeps the views
        host.settings = settings
        tell(host, done if written else f"{done} (for this run only)")
        return True

    def _named(self, name: str) -> str:
        found = one_line(name).strip()[:NAME_LENGTH]
        if not found:
            raise Unknown("a view needs a name")
        return found

    def _existing(self, name: str) -> str:
        views = self.host.settings.views
        if name in views:
            return name
        same = [v for v in views if v.lower() == name.lower()]
        if len(same) != 1:
            raise Unknown(f"no saved view {name!r}" + (f" (there are: {', '.join(sorted(views))})" if views else ""))
        return same[0]

    # -- the keys ----------------------------------------------------------------------------
    def save_view_asked(self) -> None:
        self.host.push(PromptScreen("Save this view as (name)", "e.g. unassigned critical", ""),
                       lambda name: self._answered(self.save_view, name))

    def open_view_asked(self) -> None:
        views = self.host.settings.views
        if not views:
            tell(self.host, "No saved view yet: S saves the current filters and sort.", severity="warning")
            return
        rows = [(name, describe(spec_of(view))) for name, view in sorted(views.items())]
        self.host.push(ViewsScreen(rows), self._chosen)

    def _chosen(self, answer: tuple[str, str] | None) -> None:
        if answer is None:
            return
        verb, name = answer
        if verb == "open":
            self._answered(self.open_view, name)
        elif verb == "delete":
            self.host.push(ConfirmScreen(f"Delete the saved view {name!r}?", "", False, confirm="Delete it"),
                           lambda ok: self._answered(self.delete_view, name) if ok is not None else None)
        elif verb == "rename":
            self.host.push(PromptScreen(f"Rename the view {name!r} to", "a new name", name),
                           lambda new: self._answered(lambda typed: self.rename(name, typed), new))

    def _answered(self, act: object, argument: str | None) -> None:
        if not argument:
            return
        try:
            act(argument)  # type: ignore[operator]
        except Unknown as exc:
            tell(self.host, str(exc), severity="warning")

    # -- what they do (the command line's `view …` too) -----------------------------------------
    def take(self, verb: str, argument: str) -> None:
        act = {"view": self.open_view, "view save": self.save_view, "view rename": self.rename_view,
               "view delete": self.delete_view}[verb]
        if not argument.strip():
            raise Unknown(f"{verb} NAME")
        act(argument)

    def save_view(self, name: str) -> None:
        host = self.host
        name = self._named(name)
        current = self._settings()
        self._store(current.model_copy(update={"views": {**current.views, name: view_of(host.spec)}}),
                    f"View saved: {name}")

    def open_view(self, name: str) -> None:
        host = self.host
        name = self._existing(name.strip())
        view = host.settings.views[name]
        host.spec = spec_of(view)
        host.queue_view().sort_column = (host.spec.sort, host.spec.reverse)
        box = host.filter_box()
        box.value = view.text
        box.display = bool(view.text)
        host.spec = spec_of(view)  # setting the box's value filtered with the old spec
        host.apply_filter(keep=None)
        tell(host, f"View: {name}")

    def rename_view(self, argument: str) -> None:
        """`view rename OLD = NEW` (a name holding '=' is renamed from V, which passes both names as they are)."""
        self.rename(*rename_parts(argument))

    def rename(self, old: str, new: str) -> None:
        old, new = self._existing(old), self._named(new)
        current = self._settings()
        if new != old and new in current.views:
            raise Unknown(f"a view named {new!r} exists: delete it first, or pick another name")
        views = {(new if name == old else name): view for name, view in current.views.items()}
        self._store(current.model_copy(update={"views": views}), f"View renamed: {old} → {new}")

    def delete_view(self, name: str) -> None:
        name = self._existing(name.strip())
        current = self._settings()
        views = {key: view for key, view in current.views.items() if key != name}
        self._store(current.model_copy(update={"views": views}), f"View deleted: {name}")
