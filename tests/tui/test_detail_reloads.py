"""A change finds the cursor's detail again, never in place of the one a key asked for and not yet shown (which
the exclusive detail worker would have cancelled and begun again, a key landing with a change waiting for two):
once that one is shown, the detail is found once more (it may have read before the change)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from triagedesk.tui.detail_reloads import DetailReloads


def reloads() -> tuple[DetailReloads, list[str]]:
    loaded: list[str] = []
    found = DetailReloads(loaded.append)
    found.load = lambda issue_id: (loaded.append(issue_id), found.asked(issue_id))  # as the screen's load_detail
    return found, loaded


def test_a_change_while_the_key_s_detail_is_pending_starts_nothing_until_it_is_shown() -> None:
    found, loaded = reloads()
    found.asked("INC-1")  # a key moved the cursor to INC-1
    found.changed("INC-1")
    assert loaded == [], "the key's own detail worker was replaced"
    found.shown("INC-1", whole=False)  # a partial detail: the whole one still to come
    assert loaded == []
    found.shown("INC-1", whole=True)
    assert loaded == ["INC-1"], "the detail read before the change was left shown"
    found.shown("INC-1", whole=True)
    assert loaded == ["INC-1"], "found again and again"


def test_a_change_with_nothing_pending_finds_the_detail_at_once() -> None:
    found, loaded = reloads()
    found.changed(None)
    assert loaded == []
    found.asked("INC-1")
    found.shown("INC-1", whole=True)
    found.changed("INC-1")
    assert loaded == ["INC-1"]


def test_a_failed_worker_leaves_nothing_pending() -> None:
    found, loaded = reloads()
    found.asked("INC-1")
    found.failed()
    found.changed("INC-1")
    assert loaded == ["INC-1"]


def test_a_detail_shown_for_another_issue_does_not_count() -> None:
    found, loaded = reloads()
    found.asked("INC-2")
    found.changed("INC-2")
    found.shown("INC-1", whole=True)  # an older worker's, for the row the cursor left
    assert loaded == []
    found.shown("INC-2", whole=True)
    assert loaded == ["INC-2"]


events = st.lists(st.one_of(st.tuples(st.just("key"), st.sampled_from(["A", "B"])),
                            st.tuples(st.just("change"), st.none()),
                            st.tuples(st.just("done"), st.none())), max_size=40)


@given(events)
def test_after_any_history_the_last_change_is_followed_by_a_detail_read_after_it(history) -> None:
    """Whatever the order of keys, changes and details arriving: once every started detail is shown, the cursor's
    issue has a detail read after the last change, and never more than one worker runs for it at a time."""
    found, loaded = reloads()
    current, running, read_at, changed_at, clock = None, [], {}, -1, 0
    found.load = lambda issue_id: (loaded.append(issue_id), found.asked(issue_id), running.append((issue_id, clock)))
    for kind, issue_id in history:
        clock += 1
        if kind == "key":
            current = issue_id
            running.clear()  # the exclusive worker: the new one cancels the old
            found.load(issue_id)
        elif kind == "change":
            changed_at = clock
            found.changed(current)
        elif running:
            done, started = running.pop(0)
            read_at[done] = started
            if done == current:
                found.shown(done, whole=True)
        assert len(running) <= 1
    while running:
        clock += 1
        done, started = running.pop(0)
        read_at[done] = started
        if done == current:
            found.shown(done, whole=True)
    if current is not None:
        assert read_at[current] >= changed_at
