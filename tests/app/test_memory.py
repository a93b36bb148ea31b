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
