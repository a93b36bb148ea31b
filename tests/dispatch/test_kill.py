"""Issue #23's duplicate reproduction: `kill -9` at random instants while `triagedesk dispatch` delivers to a real
receiver. Nothing is lost; a message may arrive twice only if a kill came while it was being sent, and then every
copy carries the same idempotency key, the repeat says so, and `outbox` counts it. On the old main the repeats
were silent (`attempts=1`, no key). `make test` runs a few kills; `make dispatch-torture` runs 50."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.dispatch.receivers import Hook
from tests.support.cli import run_cli
from triagedesk.app.dispatching import open_dispatching
from triagedesk.domain.records import OutboxMessage

KILLS = int(os.environ.get("TRIAGEDESK_DISPATCH_KILLS", "8"))
AT = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "TRIAGEDESK_INTERVAL_SECONDS": "0.1", "TRIAGEDESK_RETRY_BASE_SECONDS": "0.2",
            "TRIAGEDESK_DELIVERY_WORKERS": "4", "TRIAGEDESK_SEND_TIMEOUT_SECONDS": "5", **extra}


def _start(db: str, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "triagedesk", "dispatch", "--db", db, "--log-format", "json"],
                            env=_env(**extra), stderr=log.open("ab"), stdout=subprocess.DEVNULL)


def _seed(db: str, hook: Hook, count: int) -> None:
    d = open_dispatching(db)
    d.store.outbox.put_many([
        OutboxMessage(id=f"ob-{n:04d}", event=f"kill-trial|{n}", kind="assignment", method="webhook",
                      target=hook.url(f"hook{n % 8}"), subject=f"page {n:04d}", body=f"Issue K-{n}: page {n}",
                      created_at=AT, next_attempt_at=AT) for n in range(count)])
    d.close()


def _all_sent(db: str, total: int) -> bool:
    d = open_dispatching(db, create=False)
    try:
        return sum(m.status == "sent" for m in d.outbox()) == total
    finally:
        d.close()


@pytest.mark.long
def test_kill_9_during_delivery_loses_nothing_and_marks_every_repeat(tmp_path: Path) -> None:
    rng = random.Random(23)
    hook = Hook(delay=0.03).start()
    db = str(tmp_path / "desk.json")
    log = tmp_path / "dispatch.log"
    total = KILLS * 8
    _seed(db, hook, total)
    kills = 0
    try:
        while kills < KILLS and len({a.body["title"] for a in hook.arrivals}) < total:
            before = len(hook.arrivals)
            process = _start(db, log)
            try:
                if not hook.wait_for(before + 1, 30):       # killed while it delivers, not while it starts
                    raise AssertionError(log.read_text("utf-8", "replace")[-2000:])
                time.sleep(rng.uniform(0, 0.12))           # (a random instant within the delivery: not a wait
                process.kill()                             # for a result, the kill itself is the point)
                process.wait(10)
                kills += 1
            finally:
                if process.poll() is None:
                    process.kill()
        finisher = _start(db, log)                         # then one that runs to the end
        try:
            deadline = time.monotonic() + 120
            while not _all_sent(db, total) and time.monotonic() < deadline:
                hook.wait_for(len(hook.arrivals) + 1, 1)  # (woken by each arrival; its store write follows)
            finisher.send_signal(signal.SIGTERM)
            assert finisher.wait(30) == 0
        finally:
            if finisher.poll() is None:
                finisher.kill()
    finally:
        hook.stop()
    assert kills == KILLS
    arrived = Counter(a.body["title"] for a in hook.arrivals)
    assert len(arrived) == total, f"lost: {total - len(arrived)}"            # 0 lost
    shown = run_cli("outbox", "--db", db, "--json")
    assert shown.returncode == 0, shown.stderr
    rows = {row["subject"]: row for row in json.loads(shown.stdout)}
    assert len(rows) == total and all(row["status"] == "sent" for row in rows.values())
    for arrival in hook.arrivals:                                               # every copy: the row's own key
        assert arrival.headers["idempotency-key"] == rows[arrival.body["title"]]["id"]
    repeated = {title: count for title, count in arrived.items() if count > 1}
    for title, count in repeated.items():                                      # every repeat: counted and marked
        assert rows[title]["possible_repeats"] >= count - 1, (title, rows[title])
        copies = [a for a in hook.arrivals if a.body["title"] == title]
        assert all(a.headers.get("x-triagedesk-possible-repeat") == "1" for a in copies[1:])
    assert sum(count - 1 for count in repeated.values()) <= KILLS * 4        # at most one per send under way
    marked = sum(row["possible_repeats"] for row in rows.values())
    assert marked >= sum(count - 1 for count in repeated.values())
    print(f"\n{KILLS} kills, {total} messages: 0 lost, {len(repeated)} repeated (all marked), "
          f"{marked} marked as possible repeats")
