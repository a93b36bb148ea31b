"""Helpers of the attacks on the side files' carry over a compaction (tests/app/adversarial/test_attack_carry*.py):
a carry held back on its thread, the side files as they are, a knowledge search checked against its scan, and
another Python process run on the store."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.support.carried_reads import SIDE
from triagedesk.app.desk import Desk
from triagedesk.store import carry
from triagedesk.store.reader import StoreReader

ROOT = Path(__file__).resolve().parents[2]


def run_python(script: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`script` run by another Python process (this checkout's tests importable), its output captured."""
    return subprocess.run([sys.executable, "-c", script, *args], timeout=300, capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **env,
                                         "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"})


class Paused:
    """The first batch of carried writes held back (on its carry thread) until `release()`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.waiting, self.go, self.done = threading.Event(), threading.Event(), threading.Event()
        self.batches = 0
        real = carry.written

        def gated(writes: Any) -> None:
            self.batches += 1
            if self.batches == 1:
                self.waiting.set()
                assert self.go.wait(120), "never released"
                real(writes)
                self.done.set()
                return
            real(writes)

        monkeypatch.setattr(carry, "written", gated)

    def held(self) -> None:
        assert self.waiting.wait(60), "no carry thread began"

    def release(self) -> None:
        self.go.set()
        assert self.done.wait(120), "the carry thread never finished"


def _sides(path: Path) -> dict[Any, bytes]:
    return {side: side(path).read_bytes() for side in SIDE if side(path).is_file()}


def _snapshot_named(data: bytes) -> bytes:
    """The snapshot a side file's closing header names (store/buckets.py `closing`)."""
    found = re.search(rb'"snapshot":"((?:[^"\\]|\\.)*)"', data[-2000:])
    assert found is not None
    return found.group(1)


def _kb_same(path: Path) -> None:
    """The knowledge search through its side file answers as the stored terms scanned do."""
    reader = StoreReader(path)
    try:
        for query in ("disk full on the database server", "outage", "certificate expired"):
            assert reader.knowledge_search(query, 5) == reader.knowledge_scan(query, 5), query
    finally:
        reader.close()


def _issue(desk: Desk, n: int) -> Any:
    return desk.store.issues.all()[n]
