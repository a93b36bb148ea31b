"""What the slow keys wait for while the desk follows a writer (issue #24): the follow bench's drive, traced (the
UI thread's handlers and frames, the collector's runs, and every thread's CPU and stack sampled), then each key's
wait taken apart; for profiling only, not a bench row (`python bench/desk_follow_trace.py [seconds]`).
"""

from __future__ import annotations

import asyncio
import collections
import gc
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

import desk_follow_figures as follow
import desk_keys_figures

from triagedesk.tui.giving_way import KEYS

SAMPLE = float(os.environ.get("F24_SAMPLE", "0.003"))
"""Seconds between two samples of every thread's stack and CPU."""


class Trace:
    """Spans on the UI thread (handlers, frames, timers), collections, and samples of the other threads."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float, str]] = []  # UI thread: (start, end, what)
        self.cpu: list[float] = []  # each span's CPU on the UI thread (-1: not measured)
        self.gcs: list[tuple[float, float, int, str]] = []  # (start, end, generation, thread)
        self.samples: list[tuple[float, dict[str, tuple[int, str]]]] = []  # (at, {thread: (cpu ns since, where)})
        self.pending: list[bool] = []  # at each sample: a key noted and not painted yet (what workers wait on)
        self.keys: list[Any] = []
        self._gc_start: dict[int, float] = {}
        self._gc_cpu: dict[int, float] = {}
        self.gc_cpu: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self.t0 = time.perf_counter()

    # -- the collector
    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        ident = threading.get_ident()
        if phase == "start":
            self._gc_start[ident] = time.perf_counter()
            self._gc_cpu[ident] = time.thread_time()
        elif ident in self._gc_start:
            self.gcs.append((self._gc_start.pop(ident), time.perf_counter(), info["generation"],
                             threading.current_thread().name))
            self.gc_cpu.append((time.thread_time() - self._gc_cpu.pop(ident), info["collected"]))

    # -- sampling every thread
    def sample(self) -> None:
        names = {t.ident: (t.name, t.native_id) for t in threading.enumerate()}
        last: dict[int, int] = {}
        me = threading.get_ident()
        while not self._stop.wait(SAMPLE):
            at = time.perf_counter()
            frames = sys._current_frames()
            got: dict[str, tuple[int, str]] = {}
            for ident, frame in frames.items():
                if ident == me:
                    continue
                if ident not in names:
                    names = {t.ident: (t.name, t.native_id) for t in threading.enumerate()}
                name, native = names.get(ident, (str(ident), None))
                ran = 0
                if native is not None:
                    try:
                        with open(f"/proc/self/task/{native}/schedstat") as f:
                            now_ns = int(f.read().split()[0])
                        ran, last[native] = now_ns - last.get(native, now_ns), now_ns
                    except OSError:
                        pass
                got[name] = (ran, where(frame))
            self.samples.append((at, got))
            self.pending.append(KEYS.key_pending())

    def stop(self) -> None:
        self._stop.set()


def where(frame: Any) -> str:
    """The innermost frames of the project's (or Textual's) code, as `function<function<...`."""
    parts, outer = [], ""
    while frame is not None:
        code = frame.f_code
        file = code.co_filename
        if len(parts) < 4:
            if "triagedesk" in file or "textual" in file or "bench" in file:
                parts.append(f"{Path(file).stem}.{code.co_name}")
            elif not parts:
                parts.append(f"[{Path(file).stem}.{code.co_name}]")
        if "triagedesk" in file:
            outer = f"{Path(file).stem}.{code.co_name}"
        frame = frame.f_back
    return "<".join(parts) + (f" @{outer}" if outer else "")


def install(trace: Trace) -> None:
    from textual.message_pump import MessagePump
    from textual.screen import Screen
    from textual.timer import Timer

    gc.callbacks.append(trace.on_gc)
    dispatch, frame, tick = MessagePump._dispatch_message, Screen._on_timer_update, Timer._tick

    async def dispatched(pump: Any, message: Any) -> None:
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            await dispatch(pump, message)
        finally:
            trace.spans.append((start, time.perf_counter(), f"{type(pump).__name__}.{type(message).__name__}"))
            trace.cpu.append(time.thread_time() - cpu)

    def framed(screen: Any) -> None:
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            frame(screen)
        finally:
            trace.spans.append((start, time.perf_counter(), "FRAME"))
            trace.cpu.append(time.thread_time() - cpu)

    async def ticked(timer: Any, **kw: Any) -> None:
        start = time.perf_counter()
        try:
            await tick(timer, **kw)
        finally:
            name = getattr(timer._callback, "__qualname__", "timer") if timer._callback else timer.name
            trace.spans.append((start, time.perf_counter(), f"TIMER {name}"))
            trace.cpu.append(-1.0)

    from textual.widget import Widget
    render_lines = Widget.render_lines

    def rendered(widget: Any, crop: Any) -> Any:
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return render_lines(widget, crop)
        finally:
            trace.spans.append((start, time.perf_counter(), f"RENDER {type(widget).__name__}"))
            trace.cpu.append(time.thread_time() - cpu)

    Widget.render_lines = rendered  # type: ignore[method-assign]
    MessagePump._dispatch_message = dispatched  # type: ignore[method-assign]
    Screen._on_timer_update = framed  # type: ignore[method-assign]
    Timer._tick = ticked  # type: ignore[method-assign]
    init = desk_keys_figures.Keys.__init__

    def kept(keys: Any, *args: Any, **kw: Any) -> None:
        init(keys, *args, **kw)
        trace.keys.append(keys)

    desk_keys_figures.Keys.__init__ = kept  # type: ignore[method-assign]
    follow.Keys = desk_keys_figures.Keys  # type: ignore[misc]


def phases(trace: Trace, waits: list[tuple[float, float]]) -> dict[str, Any]:
    """Each key's wait in three: in the app's queue (press to its `Key` handled), to its detail ready (handled),
    and from there to the frame painting it; p50, p95 and the slowest keys' share."""
    import bisect
    starts = {name: sorted(s for s, _, w in trace.spans if w == name)
              for name in ("TriageDeskApp.Key", "DeskScreen.DetailReady")}
    rows = []
    for painted, pressed in waits:
        keys = starts["TriageDeskApp.Key"]
        n = bisect.bisect_left(keys, pressed)
        handled = keys[n] if n < len(keys) and keys[n] <= painted else None
        ready = starts["DeskScreen.DetailReady"]
        m = bisect.bisect_left(ready, handled or pressed)
        detail = ready[m] if m < len(ready) and ready[m] <= painted else None
        if handled is None or detail is None:
            continue
        spans = [(w, round((a - detail) * 1000, 1), round((b - a) * 1000, 1), round(c * 1000, 1))
                 for (a, b, w), c in zip(trace.spans, trace.cpu, strict=True)
                 if detail <= a <= painted and (b - a) > 0.002]
        gcs = [(round((g[0] - detail) * 1000, 1), round((g[1] - g[0]) * 1000, 1), g[2]) for g in trace.gcs
               if detail <= g[0] <= painted]
        rows.append(((painted - pressed) * 1000, (handled - pressed) * 1000, (detail - handled) * 1000,
                     (painted - detail) * 1000, spans, gcs))
    rows.sort()
    def pct(i: int, q: float) -> float:
        values = sorted(r[i] for r in rows)
        return round(values[min(len(values) - 1, int(q * len(values)))], 1) if values else 0.0
    return {"n": len(rows), "queue": [pct(1, .5), pct(1, .95)], "detail": [pct(2, .5), pct(2, .95)],
            "frame": [pct(3, .5), pct(3, .95)],
            "slowest": [[round(x, 1) for x in r[:4]] + list(r[4:]) for r in rows[-8:]]}


def work_of(place: str) -> str:
    """Which worker a stack is in: the outermost of the project's functions named."""
    return place.rsplit("@", 1)[-1] if "@" in place else place.split("<")[-1]


def bg_in_waits(trace: Trace, waits: list[tuple[float, float]]) -> dict[str, float]:
    """The other threads' CPU inside keys' waits (press to paint), split by whether the key was noted pending
    then (workers wait on it) or not (before the app took it, or after `served`)."""
    split: collections.Counter[str] = collections.Counter()
    windows = sorted((pressed, painted) for painted, pressed in waits)
    n = 0
    for (at, got), pending in zip(trace.samples, trace.pending, strict=False):
        while n < len(windows) and windows[n][1] < at:
            n += 1
        if n < len(windows) and windows[n][0] <= at:
            for name, (ran, place) in got.items():
                if name != "MainThread" and ran > 0:
                    split[("pending " if pending else "not pending ") + work_of(place)] += ran / 1e6
    return {k: round(v) for k, v in split.most_common()}


def taken_apart(trace: Trace, slow_ms: float = 60) -> dict[str, Any]:
    keys = trace.keys[0]
    waits = [(p, k) for k, p in zip(keys.pressed, keys.painted, strict=True) if p is not None]
    out: dict[str, Any] = {"keys": len(waits), "slow": []}
    cause_count: collections.Counter[str] = collections.Counter()
    gen2 = [g for g in trace.gcs if g[2] == 2]
    out["gc_slowest"] = sorted(((round((g[1] - g[0]) * 1000, 1), round(c[0] * 1000, 1), c[1], g[2], g[3])
                                for g, c in zip(trace.gcs, trace.gc_cpu, strict=True)), reverse=True)[:12]
    out["gc"] = {f"gen{n}": (len(ms := [(g[1] - g[0]) * 1000 for g in trace.gcs if g[2] == n]),
                             round(max(ms, default=0), 1), round(sum(ms), 1)) for n in (0, 1, 2)}
    out["gen2"] = [(round((g[1] - g[0]) * 1000, 1), g[3]) for g in gen2]
    for painted, pressed in waits:
        ms = (painted - pressed) * 1000
        if ms < slow_ms:
            continue
        ui: collections.Counter[str] = collections.Counter()
        ui_cpu: collections.Counter[str] = collections.Counter()
        for (start, end, what), used in zip(trace.spans, trace.cpu, strict=True):
            overlap = min(end, painted) - max(start, pressed)
            if overlap > 0:
                ui[what] += overlap * 1000
                if used >= 0 and start >= pressed:
                    ui_cpu[what] += used * 1000
        cpu: collections.Counter[str] = collections.Counter()
        stacks: collections.Counter[str] = collections.Counter()
        for at, got in trace.samples:
            if pressed <= at <= painted:
                for name, (ran, place) in got.items():
                    if ran > 0:
                        cpu[name] += ran / 1e6
                        stacks[f"{name}: {place}"] += ran / 1e6
        gcs = [(round((g[1] - g[0]) * 1000, 1), g[2], g[3]) for g in trace.gcs if g[1] > pressed and g[0] < painted]
        slow = {"ms": round(ms), "at": round(pressed - trace.t0, 2),
                "ui": {k: (round(v, 1), round(ui_cpu[k], 1)) for k, v in ui.most_common(10)},
                "cpu": {k: round(v, 1) for k, v in cpu.most_common(6)},
                "stacks": {k: round(v, 1) for k, v in stacks.most_common(8)},
                "gc": gcs}
        out["slow"].append(slow)
        cause_count[max(cpu, key=cpu.__getitem__) if cpu else "?"] += 1
    out["busiest_thread_in_slow_keys"] = dict(cause_count)
    out["bg_cpu_in_key_waits_ms"] = bg_in_waits(trace, waits)
    out["phases"] = phases(trace, waits)
    first, last = keys.pressed[0], max(p for p in keys.painted if p is not None)
    out["storm_seconds"] = round(last - first, 1)
    out["pressed"] = len(keys.pressed)
    out["unpainted"] = [(n, round(keys.pressed[n] - trace.t0, 2),
                         keys.handled[n] and round(keys.handled[n] - trace.t0, 2), keys.target[n])
                        for n, p in enumerate(keys.painted) if p is None]
    out["cpu_by_work"] = {k: round(v) for k, v in by_work(trace, first, last).most_common(16)}
    frames = sorted((s[1] - s[0]) * 1000 for s in trace.spans if s[2] == "FRAME")
    frame_cpu = sorted(c * 1000 for s, c in zip(trace.spans, trace.cpu, strict=True) if s[2] == "FRAME")
    out["frames"] = {"n": len(frames), "wall_p50": round(frames[len(frames) // 2], 1),
                     "wall_p95": round(desk_keys_figures.p95(frames), 1), "wall_max": round(frames[-1], 1),
                     "cpu_p50": round(frame_cpu[len(frame_cpu) // 2], 1),
                     "cpu_p95": round(desk_keys_figures.p95(frame_cpu), 1), "cpu_max": round(frame_cpu[-1], 1)}
    handlers: collections.defaultdict[str, list[float]] = collections.defaultdict(list)
    for s, c in zip(trace.spans, trace.cpu, strict=True):
        if c >= 0:
            handlers[s[2]].append(c * 1000)
    out["ui_cpu_total_ms"] = {k: (len(v), round(sum(v)), round(max(v), 1))
                              for k, v in sorted(handlers.items(), key=lambda kv: -sum(kv[1]))[:12]}
    lat = sorted((p - k) * 1000 for p, k in waits)
    out["worst"], out["p95"], out["median"] = round(lat[-1]), round(desk_keys_figures.p95(lat)), \
        round(lat[len(lat) // 2])
    return out


WORK = (("_detail_worker", "detail"), ("loaders.timers", "timers"), ("timers_pane", "timers"),
        ("update_queue", "patch"), ("loaders.patch", "patch"), ("watch._run", "watcher"),
        ("_catch_up", "catch-up"), ("on_gc", "gc"), ("screen._on_timer_update", "frame"), ("framed", "frame"),
        ("_compositor", "frame"), ("warm", "warm-up"), ("desk_follow_figures.read", "bench"),
        ("desk_follow_figures", "bench"), ("dispatched", "handlers"), ("message_pump", "handlers"),
        ("select", "idle"))


def by_work(trace: Trace, first: float, last: float) -> collections.Counter[str]:
    """CPU (ms) while keys were pressed, by what each thread was doing when sampled."""
    got: collections.Counter[str] = collections.Counter()
    for at, threads in trace.samples:
        if not first <= at <= last:
            continue
        for name, (ran, place) in threads.items():
            if ran > 0:
                tag = next((t for m, t in WORK if m in place), place.split("<")[0])
                got[f"{'ui' if name == 'MainThread' else 'bg'} {tag}"] += ran / 1e6
    return got


def main(seconds: float) -> None:
    os.environ.setdefault("TRIAGEDESK_CONFIG", str(follow.CACHE / "bench-config.toml"))
    if os.environ.get("F24_GC0"):  # an experiment: the young generation's threshold once the queue is loaded
        from triagedesk.app import memory
        keep = memory.keep_loaded

        def kept() -> None:
            keep()
            given = [int(x) for x in os.environ["F24_GC0"].split(",")]
            gc.set_threshold(*given, *gc.get_threshold()[len(given):])

        memory.keep_loaded = kept
    if os.environ.get("F24_AUTO_GC"):  # an experiment: the collector left to collect by itself
        from triagedesk.tui import collecting
        collecting.COLLECTING.start = lambda: None  # type: ignore[method-assign]
        collecting.COLLECTING.collect_due = lambda hold: None  # type: ignore[method-assign]
    trace = Trace()
    install(trace)
    sampler = threading.Thread(target=trace.sample, name="sampler", daemon=True)
    store = follow.store_copy(100_000)
    try:
        trace.t0 = time.perf_counter()
        sampler.start()
        got = asyncio.run(follow.drive(store, seconds))
    finally:
        trace.stop()
        shutil.rmtree(store.parent, ignore_errors=True)
    lags = [x * 1000 for x in got["lags"]]
    report = taken_apart(trace)
    report["rows_worst"] = round(max(lags)) if lags else None
    report["equal"] = got["equal"]
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 20.0)
