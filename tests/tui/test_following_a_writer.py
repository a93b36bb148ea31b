"""An open desk follows another process that writes continuously (a title changed, a request opened, a new
issue, each its own durable write, as fast as the writer can), while its own workers read the store (and so
catch up on those writes before the watcher does): once the writer stops, the queue holds exactly what a fresh
load of the store holds, the Timers pane the clocks a fresh read finds (its reads asked for on every change, run
one at a time, the last one the latest), and the watcher's lag is back to zero."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.support.pilot import NOW, make_app, settle
from triagedesk.app.desk import Desk
from triagedesk.app.queue_updates import load
from triagedesk.display import one_line
from triagedesk.store.database import open_store
from triagedesk.tui import loaders
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.widgets.timers_pane import TimersPane

WRITER = """
import sys, time
from datetime import datetime
from triagedesk.app.desk import Desk
from triagedesk.domain.models import Issue
from triagedesk.store.database import open_store
now = datetime.fromisoformat(sys.argv[2])
desk = Desk(open_store(sys.argv[1]), clock=lambda: now)
store = desk.store
open_ids = [d["id"] for d in store.issues.raw()][:60]
print("ready", flush=True)
sys.stdin.readline()
for n in range(int(sys.argv[3])):
    kind = n % 3
    if kind == 0:  # an issue's title rewritten
        issue = store.issues.require(open_ids[n % len(open_ids)])
        store.issues.put_many([issue.model_copy(update={"title": f"{issue.title.split(' #')[0]} #{n}"})])
    elif kind == 1:  # a new issue
        store.issues.put_many([Issue(id=f"INC-W{n}", title=f"written {n}", profile="infrastructure",
                                     created_at=now, users_affected=n)])
    else:  # an issue escalated: a request opened for it
        try:
            desk.escalate(open_ids[n % len(open_ids)], "writer")
        except Exception:
            pass  # one already open: refused, as a desk would be
print("done", flush=True)
"""

COLUMNS = ("ids", "title", "status", "assignee_id", "request_id", "urgency", "profile")


def shown(data) -> dict[str, tuple]:
    return {data.ids[i]: tuple(getattr(data, c)[i] for c in COLUMNS[1:]) for i in range(len(data))}


async def test_a_desk_following_a_continuous_writer_ends_with_the_store(store_copy: Path) -> None:
    app = make_app(store_copy, watch=True)
    writes = 300
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen) and len(screen.data) > 10
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(store_copy), NOW.isoformat(), str(writes)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert writer.stdout is not None and writer.stdin is not None
        assert writer.stdout.readline().strip() == "ready"
        reading = threading.Event()

        def a_worker_reads() -> None:  # as the detail worker's lookups do: each read catches up first
            while not reading.is_set():
                app.desk.store.refresh()
                time.sleep(0.005)

        worker = threading.Thread(target=a_worker_reads, daemon=True)
        worker.start()
        writer.stdin.write("go\n")
        writer.stdin.flush()
        while writer.poll() is None:  # the desk runs (and follows) while the other process writes
            await pilot.pause(0.05)
        reading.set()
        worker.join()
        assert writer.returncode == 0 and writer.stdout.read().strip() == "done"
        fresh = Desk(open_store(store_copy), clock=lambda: NOW)
        expected = shown(load(fresh, NOW))
        specs, _ = loaders.timers(fresh, app.settings.desk.timers_shown)
        clocks = [(one_line(s.issue_id), one_line(s.label, 60)) for s in specs]
        fresh.store.close()
        assert clocks  # the writer's escalations among them: a pane left stale would differ
        assert any(key.startswith("INC-W") for key in expected)
        deadline = time.monotonic() + 30
        while shown(screen.data) != expected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        got = shown(screen.data)
        wrong = sorted(k for k in set(got) | set(expected) if got.get(k) != expected.get(k))
        examples = [(k, got.get(k), expected.get(k)) for k in wrong[:3]]
        assert not wrong, f"{len(wrong)} rows differ after 30 s, e.g. {examples}"
        timers = screen.query_one(TimersPane)
        deadline = time.monotonic() + 30
        while [(t.issue_id, t.label) for t in timers.clocks] != clocks and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert [(t.issue_id, t.label) for t in timers.clocks] == clocks
        watcher = app._watcher
        assert watcher is not None
        deadline = time.monotonic() + 5
        while watcher.lag() > 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert watcher.lag() == 0
        app.show_lag()
        assert "behind the store" not in app.sub_title
