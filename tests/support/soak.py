"""The store's concurrent soak: a writer compacting every few KB and openers opening, writing and closing, each a
child process (tests/store/child.py) killed at the end; what they acknowledged is checked against the store."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from triagedesk.store.table import JournalDB, JournalStorage

ROOT = Path(__file__).resolve().parents[2]
CHILD = ROOT / "tests" / "store" / "child.py"


def _spawn(mode: str, path: Path, label: str, compact_bytes: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), mode, str(path), label], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": str(ROOT), "TRIAGEDESK_COMPACT_BYTES": compact_bytes},
    )


def soak(path: Path, seconds: float, openers: int = 2) -> tuple[int, int, int]:
    """A writer compacting every few KB, and openers opening, writing and closing in a loop.

    Returns (acknowledged writes, lost, compactions) counted from what every child printed.
    """
    children = {"w": _spawn("writer", path, "w", "4000")}
    for n in range(openers):
        children[f"o{n}"] = _spawn("opener", path, f"o{n}", "1000000")
    for child in children.values():
        assert child.stdout is not None
        select.select([child.stdout], [], [], 30)
    time.sleep(seconds)
    acked: dict[str, set[int]] = {}
    errors = []
    for label, child in children.items():
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.stdout is not None and child.stderr is not None
        acked[label] = {int(line) for line in child.stdout.read().split()}
        err = child.stderr.read()
        if err.strip():
            errors.append(f"{label}: {err.strip().splitlines()[-1]}")
    assert not errors, errors
    db = JournalDB(str(path), storage=JournalStorage)
    stored: dict[str, set[int]] = {}
    for doc in db.table("numbers").all():
        stored.setdefault(doc["writer"], set()).add(doc["n"])
    lost = sum(len(numbers - stored.get(label, set())) for label, numbers in acked.items())
    total = sum(len(numbers) for numbers in acked.values())
    return total, lost, db.journal.generation - 1
