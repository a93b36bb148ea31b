"""Pane titles that give way whole: " · "-separated parts are dropped from the end until the title fits its
border, so "Timers · breached first, then least time left" reads "Timers" at 80 columns, never "Timers · bre…"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from textual.widget import Widget

    _Pane = Widget
else:
    _Pane = object  # a mixin after the widget's own base: Textual takes CSS from the first DOM base only

SEPARATOR = " · "
BORDER_CELLS = 6
"""What a round border takes around a title: the corner, a line and a space on each side."""


def fitted(text: str, width: int) -> str:
    """`text` in `width` cells: its trailing " · " parts dropped until it fits (its first part always kept)."""
    parts = text.split(SEPARATOR)
    while len(parts) > 1 and len(SEPARATOR.join(parts)) > width:
        parts.pop()
    return SEPARATOR.join(parts)


class FittedTitles(_Pane):
    """A bordered pane whose title and subtitle fit its width (see `fitted`), whoever set them: what was set is
    kept whole and fitted again at every resize. Mixed in after the widget's base: `class P(LinePane,
    FittedTitles)` (Textual reads a widget's default CSS along its first base only)."""

    def fit_titles(self) -> None:
        room = self.outer_size.width - BORDER_CELLS
        if room <= 0:
            return
        if "_titles" not in self.__dict__:
            self._titles: dict[str, tuple[str, str | None]] = {}
            """border_title / border_subtitle -> (the text set, the text shown)."""
        for name in ("border_title", "border_subtitle"):
            markup = getattr(self, name)
            if not markup:
                continue
            shown_now = Text.from_markup(markup).plain
            full, shown = self._titles.get(name, ("", None))
            if shown_now != shown:
                full = shown_now  # set since the last fit
            wanted = fitted(full, room)
            self._titles[name] = (full, wanted)
            if wanted != shown_now:
                setattr(self, name, Text(wanted))

    def on_resize(self) -> None:
        self.fit_titles()
