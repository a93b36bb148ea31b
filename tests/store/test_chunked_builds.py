"""An index built a chunk at a time (the desk's warm-up: `step()` between chunks, where it waits while a key is not
painted) is exactly the index built in one go, for random columns and any chunk size; and a build a lookup waits
for lets nothing pass any more (store/warming.py)."""

from __future__ import annotations

import threading
from array import array
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triagedesk.store import postings, warming
from triagedesk.store.coded_postings import FEW, Coded, postings_of
from triagedesk.store.compact_fields import build_field
from triagedesk.store.database import open_store
from triagedesk.store.id_index import IdIndex
from triagedesk.store.postings import Postings

VALUES = st.one_of(st.sampled_from(["a", "b", "INC-1", "", "é", "日本", "1"]), st.integers(-3, 3),
                   st.sampled_from([1.0, 2.5]), st.none(), st.booleans(), st.just(["x"]), st.text(max_size=4))
COLUMNS = st.lists(VALUES, max_size=60)


def state(built: Any) -> dict[str, Any]:
    """Everything an index holds (arrays as lists)."""
    names = [n for cls in type(built).__mro__ for n in getattr(cls, "__slots__", ())]
    out = {}
    for name in names:
        value = getattr(built, name)
        out[name] = value.tolist() if isinstance(value, array) else value
    return out


def stepped(monkeypatch: pytest.MonkeyPatch, chunk: int) -> list[int]:
    monkeypatch.setattr(postings, "CHUNK", chunk)
    return []


def doc_ids(column: list[Any], shuffled: bool) -> array[int]:
    numbers = list(range(1, len(column) + 1))
    return array("q", reversed(numbers) if shuffled else numbers)


@settings(max_examples=200, deadline=None)
@given(column=COLUMNS, chunk=st.sampled_from([1, 2, 3, 7, 64]), shuffled=st.booleans(),
       strings_only=st.booleans())
def test_postings_built_in_chunks_equal_one_built_at_once(column: list[Any], chunk: int, shuffled: bool,
                                                           strings_only: bool) -> None:
    with pytest.MonkeyPatch.context() as patch:
        steps = stepped(patch, chunk)
        whole = Postings(doc_ids(column, shuffled), column, strings_only)
        cut = Postings(doc_ids(column, shuffled), column, strings_only, step=lambda: steps.append(1))
        late = Postings(doc_ids(column, shuffled), column, strings_only, ordered=False, step=lambda: steps.append(1))
        late.complete(lambda: steps.append(1))
    assert state(cut) == state(whole)
    assert state(late) == state(whole)
    assert bool(steps) == (len(column) > chunk)  # cut when there is more than a chunk, never otherwise


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.sampled_from(["open", "closed", "", 1, None, True]), min_size=FEW + 1, max_size=200),
       chunk=st.sampled_from([1, 5, 64]), shuffled=st.booleans())
def test_coded_postings_built_in_chunks_equal_one_built_at_once(values: list[Any], chunk: int,
                                                                shuffled: bool) -> None:
    with pytest.MonkeyPatch.context() as patch:
        steps = stepped(patch, chunk)
        whole = postings_of(doc_ids(values, shuffled), values)
        cut = postings_of(doc_ids(values, shuffled), values, lambda: steps.append(1))
    assert isinstance(whole, Coded) and isinstance(cut, Coded)
    assert state(cut) == state(whole)
    assert steps


@settings(max_examples=100, deadline=None)
@given(column=COLUMNS, chunk=st.sampled_from([1, 3, 64]))
def test_field_and_id_indexes_built_in_chunks_answer_alike(column: list[Any], chunk: int) -> None:
    docs = {str(n + 1): {"f": v, "id": v} for n, v in enumerate(column)}
    with pytest.MonkeyPatch.context() as patch:
        stepped(patch, chunk)
        whole, cut = build_field(docs, "f"), build_field(docs, "f", lambda: None)
        ids, cut_ids = IdIndex.of(docs), IdIndex.of(docs, ordered=False, step=lambda: None)
        cut_ids.complete(lambda: None)
    assert whole.base is not None and cut.base is not None
    assert state(cut.base) == state(whole.base)
    assert dict(cut.items()) == dict(whole.items())
    assert dict(cut_ids.items()) == dict(ids.items())


def test_a_build_a_lookup_waits_for_lets_nothing_pass(tmp_path: Path) -> None:
    """The warm-up's build steps (waits for keys) until a lookup on another thread waits for it: from then on
    the lookup is what a key waits for, and the build runs in one go."""
    from datetime import UTC, datetime

    from triagedesk.domain.records import ExpertRequest

    path = tmp_path / "desk.json"
    store = open_store(path)
    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    store.requests.put_many([ExpertRequest(id=f"req-{n}", analysis_id=f"INC-{n % 7}", submitted_at=at)
                             for n in range(50)])
    store.journal.compact()
    store.close()
    store = open_store(path)
    first_step, go, steps = threading.Event(), threading.Event(), []

    def step() -> None:  # the warm-up's: held at its first step until the lookup waits
        steps.append(threading.current_thread().name)
        if not first_step.is_set():
            first_step.set()
            assert go.wait(10)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings, "CHUNK", 4)
        warm = threading.Thread(target=warming.field, args=(store.journal, "requests", "analysis_id", step))
        warm.start()
        assert first_step.wait(10)
        building = warming._BUILDING[(id(store.journal), "requests.analysis_id")]
        assert not building.waited
        found: list[Any] = []
        lookup = threading.Thread(target=lambda: found.append(store.journal.lookup("requests", "analysis_id",
                                                                                   "INC-3")))
        lookup.start()
        for _ in range(1000):
            if building.waited:
                break
            threading.Event().wait(0.01)
        assert building.waited
        taken = len(steps)
        go.set()
        warm.join(10)
        lookup.join(10)
    assert len(steps) == taken  # no step after the lookup began to wait
    assert sorted(d["id"] for d in found[0]) == sorted(f"req-{n}" for n in range(50) if n % 7 == 3)
    store.close()


def test_a_workers_lookup_steps_its_build_and_the_main_threads_never(tmp_path: Path) -> None:
    """A pane's worker whose lookup builds an index (the Timers pane's first read) steps as the warm-up does;
    the UI's (main) thread's own build never waits for keys."""
    from datetime import UTC, datetime

    from triagedesk.domain.records import ExpertRequest

    path = tmp_path / "desk.json"
    store = open_store(path)
    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    store.requests.put_many([ExpertRequest(id=f"req-{n}", analysis_id=f"INC-{n % 7}", submitted_at=at)
                             for n in range(50)])
    store.journal.compact()
    store.close()
    store = open_store(path)
    steps: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings, "CHUNK", 4)
        patch.setattr(warming, "_WORKERS_STEP", [lambda: steps.append(threading.current_thread().name)])
        store.journal.lookup("requests", "analysis_id", "INC-1")  # the main thread: builds in one go
        assert steps == []
        worker = threading.Thread(target=store.journal.lookup, args=("requests", "status", "open"), name="pane")
        worker.start()
        worker.join(10)
    assert steps and set(steps) == {"pane"}
    store.close()
