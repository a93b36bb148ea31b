"""The desk at 1M issues (`make bench-1m`): `triagedesk demo --issues 1000000` (wall, peak RSS), then on that store
the desk's open, start -> queue filled, the first cursor moves right after the queue fills (no waiting for the
warm-up) and later ones, and its RSS; each beside issue #24's goal. The store is generated once and cached under
.cache/bench/ with the demo's own figures (measured when it was generated) beside it.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from cli_figures import SHIM, load_average
from desk_figures import CACHE, _until, cached_store, cursor_moves, queue_build, rss_mb
from harness import Figure

COUNT = 1_000_000


def demo_figures_path(count: int) -> Path:
    return CACHE / f"desk{count // 1000}k.demo.json"


def demo_store(count: int) -> tuple[Path, dict[str, Any]]:
    """The cached demo store of `count` issues and the figures of the `demo` process that generated it (wall,
    peak RSS, the load average then): generated here, through the forking shim, when it is not cached yet."""
    path = CACHE / f"desk{count // 1000}k.json"
    figures = demo_figures_path(count)
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        for old in CACHE.glob(f"{path.name}*"):
            old.unlink()
        load = load_average()
        done = subprocess.run([sys.executable, "-c", SHIM, sys.executable, "-m", "triagedesk", "demo", "--issues",
                               str(count), "--db", str(path)], capture_output=True, text=True)
        code, peak, took, cpu = done.stderr.strip().splitlines()[-1].split()
        if code != "0":
            raise RuntimeError(f"demo --issues {count} failed ({code}): {done.stderr[-400:]}")
        figures.write_text(json.dumps({"wall": float(took), "cpu": float(cpu), "peak_mb": int(peak) / 1024,
                                       "load": f"{load} -> {load_average()}",
                                       "at": time.strftime("%d %b %H:%M", time.gmtime())}))
    return cached_store(count), (json.loads(figures.read_text()) if figures.exists() else {})


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def drive(path: Path, first: int, later: int) -> dict[str, Any]:
    """The real desk on the store, driven by Pilot: start -> queue filled, then `first` cursor moves at once
    (while whatever the load left to do runs), then, once every worker is done, `later` moves and the RSS."""
    from triagedesk.app.stores import open_desk
    from triagedesk.tui.app import TriageDeskApp
    from triagedesk.tui.screens.desk_screen import DeskScreen

    out: dict[str, Any] = {}
    start = time.perf_counter()
    desk = open_desk(path, checked=False)
    out["open"] = time.perf_counter() - start
    app = TriageDeskApp(desk, watch=True, live=False)
    async with app.run_test(size=(160, 48)) as pilot:
        def screen() -> DeskScreen:
            top = app.screen_stack[-1]
            assert isinstance(top, DeskScreen)
            return top

        await _until(pilot, lambda: isinstance(app.screen_stack[-1], DeskScreen) and len(screen().data) > 0,
                     timeout=600)
        out["filled"] = time.perf_counter() - start
        desk_screen = screen()
        out["rows"] = len(desk_screen.data)
        out["first"], _ = await cursor_moves(pilot, app, desk_screen, first, settle=False, whole=False)
        out["partial"] = bool(desk_screen.detail is not None and desk_screen.detail.partial)
        whole = time.perf_counter()
        await _until(pilot, lambda: desk_screen.detail is not None and not desk_screen.detail.partial
                     and desk_screen.detail.match is not None, timeout=600)
        out["whole"] = time.perf_counter() - whole
        started = time.perf_counter()
        await _until(pilot, lambda: all(w.is_finished for w in app.workers), timeout=600)
        out["settled"] = time.perf_counter() - start
        out["warm_left"] = time.perf_counter() - started
        out["moves"], out["move_cpu"] = await cursor_moves(pilot, app, desk_screen, later)
        out["rss"], out["peak"] = rss_mb(), peak_mb()
    return out


def measured(count: int, quick: bool) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", str(count), *(["--quick"] if quick else [])],
                          check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(quick: bool) -> list[Figure]:
    count = 100_000 if quick else COUNT
    n = f"{count // 1000}k" if count < COUNT else "1M"
    loads = [load_average()]
    _, demo = demo_store(count)
    got = measured(count, quick)
    loads.append(load_average())
    figures: list[Figure] = []
    if demo:
        cpu = f", CPU {demo['cpu']:,.0f} s" if "cpu" in demo else ""
        figures.append(Figure(
            f"demo --issues {count:,}", demo["wall"], "s", goal="<= 600 s, peak <= 2 GB",
            ok=demo["wall"] <= 600 and demo["peak_mb"] <= 2048,
            notes=f"whole process, peak {demo['peak_mb']:,.0f} MB{cpu}, its progress bar on; measured when the cached "
                  f"store was generated ({demo['at']} UTC, load {demo['load']}); delete .cache/bench/"
                  f"desk{count // 1000}k.json* to measure it again"))
    moves = sorted(got["moves"])
    median = statistics.median(moves) * 1000
    p95 = moves[min(len(moves) - 1, int(len(moves) * 0.95))] * 1000
    first = [f"{m * 1000:,.0f}" for m in got["first"]]
    rows = f"{got['rows']:,} open issues"
    shown = (f"without candidates and past resolutions while the warm-up built them: the whole detail came "
             f"{got['whole']:.1f} s after the last of these moves") if got["partial"] else "the whole detail"
    figures += [
        Figure(f"desk {n}: open the store", got["opened"], "s", goal="<= 1.5 s", ok=got["opened"] <= 1.5,
               notes=f"median of {len(got['opens'])} fresh processes, imports included, as the desk opens it "
                     f"(runs {', '.join(f'{o:.2f}' for o in got['opens'])} s)"),
        Figure(f"desk {n}: build the queue", got["built"], "s",
               notes=f"{rows}; in each of those processes after its open (runs "
                     f"{', '.join(f'{b:.2f}' for b in got['builds'])} s): the rows from the queue's side file, those "
                     f"of the records changed since computed again; without the side file (the first start after "
                     f"another process compacted the store; assessments cached): {got['cold']:.1f} s"),
        Figure(f"desk {n}: start -> queue filled (Pilot)", got["filled"], "s", goal="<= 3 s",
               ok=got["filled"] <= 3.0, notes="TriageDeskApp with the store opened inside the timing"),
        Figure(f"desk {n}: first cursor moves right after the queue fills", max(got["first"]) * 1000, "ms",
               goal="<= 100 ms", ok=max(got["first"]) * 1000 <= 100,  # issue #24: "a key pressed at any moment
               # after the first frame: painted <= 100 ms"; its 30 ms is the cursor move's (the row below)
               notes=f"the worst of the first {len(first)} moves, pressed as soon as the queue filled (ms each: "
                     f"{', '.join(first)}), to the frame with the cursor and the Escalation pane painted "
                     f"({shown}); "
                     f"the load's other work done {got['settled']:.1f} s after start; the goal a key's at any "
                     f"moment (a move once the load's work is done: <= 30 ms, below)"),
        Figure(f"desk {n}: cursor move -> Escalation + Candidates", median, "ms", goal="<= 30 ms", ok=median <= 30,
               notes=f"median of {len(moves)} moves once the load's work is done, p95 {p95:.1f} ms, CPU "
                     f"{statistics.median(got['move_cpu']) * 1000:.1f} ms"),
        Figure(f"desk {n}: RSS after load", got["rss"], "MB", goal="<= 1,536 MB", ok=got["rss"] <= 1536,
               notes=f"the Pilot process after the moves (store, queue, indexes, Textual); its peak "
                     f"{got['peak']:,.0f} MB; load {loads[0]} -> {loads[1]}"),
    ]
    return figures


if __name__ == "__main__":
    os.environ.setdefault("TRIAGEDESK_CONFIG", str(CACHE / "bench-config.toml"))
    if "--child" in sys.argv:
        quick_child = "--quick" in sys.argv
        store = cached_store(int(sys.argv[sys.argv.index("--child") + 1]))
        cold = queue_build(store, cold=True)[1]  # without the queue's side file: it is written here
        runs = [queue_build(store) for _ in range(3)]  # each a fresh process
        timings = asyncio.run(drive(store, 3, 10 if quick_child else 30))
        print(json.dumps({"opened": statistics.median(r[0] for r in runs), "opens": [r[0] for r in runs],
                          "built": statistics.median(r[1] for r in runs), "builds": [r[1] for r in runs],
                          "cold": cold, **timings}))
        sys.exit(0)
    for figure in run("--quick" in sys.argv):
        print(figure.name, f"{figure.value:.4g}", figure.unit, figure.ok, figure.notes)
