"""The spinner's mark: a new frame every `every` seconds while turning, nothing once stopped (its line repainted)."""

from __future__ import annotations

from typing import Any

from triagedesk.tui.widgets.spinner import Spinner


class _View:
    def __init__(self) -> None:
        self.repainted: list[int] = []
        self.timers: list[Any] = []

    def refresh_lines(self, line: int) -> None:
        self.repainted.append(line)

    def set_interval(self, every: float, callback: Any) -> Any:
        view = self

        class _Timer:
            def stop(self) -> None:
                view.timers.remove(self)

        timer = _Timer()
        self.timers.append(timer)
        return timer


def test_the_mark_turns_with_the_clock_and_goes_when_stopped() -> None:
    now = [100.0]
    view = _View()
    spinner = Spinner(view, 1, every=0.25, clock=lambda: now[0])  # type: ignore[arg-type]
    assert spinner.mark() == "" and not spinner.turning
    spinner.start()
    spinner.start()  # once only
    assert len(view.timers) == 1 and spinner.turning
    marks = []
    for _ in range(len(Spinner.FRAMES)):
        marks.append(spinner.mark())
        now[0] += 0.25  # (exact in binary: no frame repeated by rounding)
    assert all(m.endswith(" ") and len(m) == 2 for m in marks)
    assert len(set(marks)) == len(Spinner.FRAMES)  # every frame once a turn
    spinner.stop()
    assert spinner.mark() == "" and not view.timers and view.repainted == [1]  # the mark's line drawn without it
