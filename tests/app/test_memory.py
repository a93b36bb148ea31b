"""The GC policy has one home: set once by the Desk, nothing else in the code touches the collector."""

from __future__ import annotations

import gc
import json
import re
import subprocess
import sys
from pathlib import Path

import triagedesk
from triagedesk.app import memory

SOURCE = Path(triagedesk.__file__).parent
GC_CALL = re.compile(r"\bgc\.(disable|enable|freeze|unfreeze|set_threshold|collect)\(|^import gc\b", re.M)


def test_only_the_policy_module_touches_the_collector() -> None:
    files = sorted(SOURCE.rglob("*.py"))
    assert len(files) > 100
    touching = sorted(str(p.relative_to(SOURCE)) for p in files if GC_CALL.search(p.read_text(encoding="utf-8")))
    assert touching == ["app/memory.py"]


def test_the_check_finds_a_call() -> None:
    assert GC_CALL.search("import gc\nx = 1\n") and GC_CALL.search("    gc.disable()  # fast\n")
    assert not GC_CALL.search("logc.enable = 1\nimport gcx\n")


def test_a_desk_sets_the_thresholds_once_and_never_disables_the_collector(tmp_path: Path) -> None:
    code = f"""
import gc
gc.set_threshold(700, 10, 10)
from triagedesk.app.stores import open_desk
first = open_desk({str(tmp_path / 'a.json')!r})
after_first = gc.get_threshold()
gc.set_threshold(123, 4, 5)
second = open_desk({str(tmp_path / 'b.json')!r})
import json
print(json.dumps([after_first, gc.get_threshold(), gc.isenabled()]))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == [list(memory.THRESHOLDS), [123, 4, 5], True]


def test_keep_loaded_freezes_what_is_loaded() -> None:
    before = gc.get_freeze_count()
    held = [object() for _ in range(10)]  # noqa: F841 - alive while frozen
    try:
        memory.keep_loaded()
        assert gc.get_freeze_count() >= before + 10
    finally:
        gc.unfreeze()


def test_no_collection_is_due_until_the_young_generation_passes_its_threshold() -> None:
    limits = (50_000, 20, 100)
    assert memory.due((0, 0, 0), limits) is None
    assert memory.due((50_000, 25, 200), limits) is None, "at the threshold the collector waits, as CPython's"
    assert memory.due((50_001, 0, 0), limits) == 0


def test_the_due_generation_is_the_oldest_past_its_threshold() -> None:
    limits = (50_000, 20, 100)
    assert memory.due((60_000, 20, 100), limits) == 0
    assert memory.due((60_000, 21, 100), limits) == 1
    assert memory.due((60_000, 21, 101), limits) == 2
    assert memory.due((60_000, 0, 101), limits) == 2


def young(count: int) -> list[list[int]]:
    """`count` new containers the collector tracks (the young generation's count grows by as many)."""
    return [[n] for n in range(count)]


def test_a_waiting_key_holds_the_due_collection_back_and_none_runs_meanwhile() -> None:
    was = gc.get_threshold()
    collected: list[int] = []
    memory.paced(True)
    try:
        gc.collect()
        gc.set_threshold(1_000, 20, 100)
        held = young(3_000)  # noqa: F841 - alive: counted in the young generation
        assert gc.get_count()[0] >= 2_000, "automatic collections ran while paced"
        assert memory.collect_due(hold=True, collect=collected.append) is None
        assert collected == []
        assert memory.collect_due(hold=False, collect=collected.append) == 0
        assert collected == [0]
    finally:
        memory.paced(False)
        gc.set_threshold(*was)
    assert gc.isenabled()


def test_a_young_generation_past_its_bound_is_collected_even_while_a_key_waits() -> None:
    was = gc.get_threshold()
    memory.paced(True)
    try:
        gc.collect()
        gc.set_threshold(1_000, 20, 100)
        held = young(memory.HELD_MOST * 1_000 + 500)  # noqa: F841
        assert memory.collect_due(hold=True) == 0
        assert gc.get_count()[0] < 1_000, "the due collection did not run"
    finally:
        memory.paced(False)
        gc.set_threshold(*was)


def test_once_settled_a_small_young_generation_is_due_and_held_back_only_to_the_loading_bound() -> None:
    """A settled desk collects small and often (`SETTLED_LIMITS`): 1,500 young objects are due at a free moment,
    where the loading threshold would wait for 50,000; while a key waits they are held as before."""
    was = gc.get_threshold()
    memory.paced(True)
    try:
        gc.collect()
        gc.set_threshold(50_000, 20, 100)
        held = young(1_500)  # noqa: F841
        assert memory.collect_due(hold=False, collect=lambda g: None) is None, "not settled: the loading threshold"
        memory.settled(True)
        assert memory.collect_due(hold=True, collect=lambda g: None) is None, "a key waits: held back"
        done: list[int] = []
        assert memory.collect_due(hold=False, collect=done.append) == 0 and done == [0]
        assert gc.get_count()[0] >= 1_500, "the stand-in collector collected nothing"
    finally:
        memory.paced(False)
        gc.set_threshold(*was)


def test_settled_desks_collect_their_middle_generation_every_ten_young_collections() -> None:
    was = gc.get_threshold()
    memory.paced(True)
    try:
        gc.set_threshold(50_000, 20, 100)
        gc.collect(1)  # the middle generation's count back to 0
        for _ in range(memory.SETTLED_LIMITS[1] + 1):
            gc.collect(0)  # each young collection counts one
        held = young(1_500)  # noqa: F841
        memory.settled(True)
        assert memory.collect_due(hold=False, collect=lambda g: None) == 1
        assert memory.due() is None, "at the loading thresholds none is due yet"
    finally:
        memory.paced(False)
        gc.set_threshold(*was)


def test_a_new_pacing_starts_unsettled() -> None:
    was = gc.get_threshold()
    memory.settled(True)
    memory.paced(True)
    try:
        gc.collect()
        gc.set_threshold(50_000, 20, 100)
        held = young(1_500)  # noqa: F841
        assert memory.collect_due(hold=False, collect=lambda g: None) is None
    finally:
        memory.paced(False)
        gc.set_threshold(*was)
