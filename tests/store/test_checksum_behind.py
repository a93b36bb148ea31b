"""The snapshot's whole-file checksum runs on a thread behind the desk's UI thread (a lower OS priority on Linux, that
thread's alone): at 1M it reads 4 GB while the first cursor moves are painted."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import triagedesk.store.checksum as checksum
from triagedesk.store.checksum import Verification


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own priority: Linux")
def test_the_checksum_thread_runs_at_a_lower_priority_than_the_rest(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int]] = []

    def noted(handle: Any, size: int) -> None:
        seen.append((os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), size))

    monkeypatch.setattr(checksum, "verify_snapshot", noted)
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    path = tmp_path / "snapshot"
    path.write_bytes(b"x" * 10)
    with path.open("rb") as handle:
        assert Verification(handle, 10).result() is None
    assert seen and seen[0][1] == 10
    assert seen[0][0] > mine or mine == 19
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine  # this thread's is unchanged
