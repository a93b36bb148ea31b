"""Review 8: one desk's closing leaves every other desk in the process (a test's next one, a second store) stepping
as its own, whenever the closing comes."""

from __future__ import annotations

from pathlib import Path

import pytest

from triagedesk.app.desk import Closing
from triagedesk.app.stores import open_desk
from triagedesk.store import warming


def test_a_closing_that_comes_as_the_warm_up_starts_leaves_no_stopping_step_behind(store_copy: Path) -> None:
    """The closing lands between the warm-up's first check and its handing its step to the workers' builds: the
    step left for every worker's build in the process must not be the closed desk's (it raised `Closing` in the
    next desk's pane workers, whose details then silently never came)."""
    desk = open_desk(store_copy)
    try:
        with pytest.raises(Closing):
            desk.warm(step=desk.closing)  # (its first step is where the closing arrives)
        warming._WORKERS_STEP[0]()  # another desk's worker's build: must not raise
    finally:
        desk.close()
        warming.steps_on_workers(lambda: None)  # (clean for the next test whatever failed)


def test_a_closing_that_comes_as_a_load_expects_its_warm_up_leaves_no_stopping_step(store_copy: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch
                                                                                  ) -> None:
    desk = open_desk(store_copy)
    try:
        stepping = desk.stepping

        def closing_meanwhile(step):  # type: ignore[no-untyped-def]
            desk.closing()  # the UI thread's closing, right after the load's check
            return stepping(step)

        monkeypatch.setattr(desk, "stepping", closing_meanwhile)
        desk.expect_warm()
        warming._WORKERS_STEP[0]()  # must not raise
    finally:
        desk.close()
        warming.steps_on_workers(lambda: None)


def test_one_desks_closing_leaves_another_live_desks_step_in_place(store_copy: Path, tmp_path: Path) -> None:
    first = open_desk(store_copy)
    other_path = tmp_path / "other" / "desk.json"
    other_path.parent.mkdir()
    for source in store_copy.parent.glob("desk.json*"):
        (other_path.parent / source.name).write_bytes(source.read_bytes())
    second = open_desk(other_path)
    try:
        first.expect_warm()
        steps: list[int] = []
        second.expect_warm(lambda: steps.append(1))
        first.closing()
        warming._WORKERS_STEP[0]()
        assert steps == [1]  # the live desk's workers still step as it asked (let keys pass)
    finally:
        first.close()
        second.close()
        warming.steps_on_workers(lambda: None)  # (clean for the next test whatever failed)


@pytest.mark.parametrize("after", [1, 3, 8, 20])
def test_a_warm_up_stopped_at_any_step_leaves_lookups_right_and_a_store_opened_again_warms_whole(
        store_copy: Path, after: int) -> None:
    desk = open_desk(store_copy)
    steps: list[int] = []

    def closing_after() -> None:
        steps.append(1)
        if len(steps) == after:
            desk.closing()

    try:
        with pytest.raises(Closing):
            desk.warm(between=closing_after, step=closing_after)
        assert len(steps) == after  # (stopped at its next step)
        requests = desk.store.requests.all()
        assert requests
        for request in requests:  # what was put in place (whole or not) finds every record as before
            assert desk.store.requests.get(request.id) == request
            assert request in desk.store.requests.by("status", request.status)
        warming._WORKERS_STEP[0]()
    finally:
        desk.close()
    again = open_desk(store_copy)
    try:
        again.warm()
        journal = again.store.journal
        assert journal.records.has_id_index("requests") and journal.records.has_id_index("issues")
        assert journal._installed().knowledge is not None
        assert again.detail_ready.is_set()
    finally:
        again.close()


def test_the_timers_read_stops_at_its_next_step_once_the_desk_closes(store_copy: Path) -> None:
    from triagedesk.tui import loaders

    desk = open_desk(store_copy)
    try:
        whole: list[int] = []
        specs, _ = loaders.timers(desk, 10, None, lambda: whole.append(1))
        assert specs and len(whole) > 2  # (a read steps several times)
        steps: list[int] = []

        def closing_at_the_second() -> None:
            steps.append(1)
            if len(steps) == 2:
                desk.closing()

        with pytest.raises(Closing):
            loaders.timers(desk, 10, None, closing_at_the_second)
        assert len(steps) == 2  # stopped at the step after the closing, not at the end
    finally:
        desk.close()
