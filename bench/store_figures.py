"""Store figures: single update at 1k/10k/50k against stock TinyDB, open + first query, import, memory."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
from harness import Figure, median_time
from tinydb import TinyDB

from triagedesk.store.table import JournalDB, JournalStorage

PAD = "lorem ipsum dolor sit amet " * 30


def documents(count: int) -> list[dict]:
    """~1 KB documents, like an issue with its context."""
    return [{"id": f"INC-{n:06d}", "n": n, "title": f"Issue {n}", "text": PAD, "tags": ["a", "b", "c"]}
            for n in range(count)]


def _update_times(table, count: int, updates: int) -> list[float]:
    times = []
    for k in range(updates):
        doc_id = 1 + (k * 7919) % count
        start = time.perf_counter()
        table.update({"n": -k}, doc_ids=[doc_id])
        times.append(time.perf_counter() - start)
    return times


def single_update(size: int, folder: Path, quick: bool) -> Figure:
    docs = documents(size)
    ours_db = JournalDB(str(folder / f"ours-{size}.json"), storage=JournalStorage)
    ours_db.table("issues").insert_multiple(docs)
    ours_db.journal.compact()
    ours = _update_times(ours_db.table("issues"), size, 100 if quick else 300)
    stock_db = TinyDB(str(folder / f"stock-{size}.json"))
    stock_db.table("issues").insert_multiple(docs)
    stock_updates = 3 if size >= 50_000 else (5 if size >= 10_000 else 20)
    stock = _update_times(stock_db.table("issues"), size, stock_updates)
    ours_p50, stock_p50 = statistics.median(ours), statistics.median(stock)
    p95 = sorted(ours)[int(len(ours) * 0.95)]
    return Figure(f"single update at {size:,} docs (p50)", ours_p50 * 1000, "ms",
                  baseline=stock_p50 * 1000, goal="p50 <= 1 ms, flat in N",
                  ok=ours_p50 <= 0.001, notes=f"p95 {p95 * 1000:.2f} ms, fsync included; stock JSONStorage "
                                               f"median of {stock_updates}",
                  runs=ours)


_OPEN = """
import sys, time, json
from triagedesk.store.table import JournalStorage
from triagedesk.store.table import JournalDB
path, mode = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if mode == "ours":
    db = JournalDB(path, storage=JournalStorage)
    doc = db.table("issues").get(doc_id=12345)
else:  # the same documents as stock TinyDB keeps them: one JSON file, read whole
    data = json.load(open(path + ".plain"))
    doc = data["issues"]["12345"]
elapsed = time.perf_counter() - start
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1]
print(json.dumps({"s": elapsed, "rss_mb": int(peak) / 1024}))
"""


def open_and_query(size: int, folder: Path, quick: bool) -> list[Figure]:
    path = folder / f"open-{size}.json"
    db = JournalDB(str(path), storage=JournalStorage)
    db.table("issues").insert_multiple(documents(size))
    db.journal.compact()
    Path(f"{path}.plain").write_bytes(orjson.dumps({"issues": dict(db.journal.tables["issues"].items())}))
    db.close()
    runs = 1 if quick else 3

    def measure(mode: str) -> tuple[float, float, list[float]]:
        results = []
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", _OPEN, str(path), mode], capture_output=True,
                                 text=True, check=True)
            results.append(json.loads(out.stdout))
        seconds = [r["s"] for r in results]
        return statistics.median(seconds), statistics.median(r["rss_mb"] for r in results), seconds

    ours_s, ours_mb, ours_runs = measure("ours")
    json_s, json_mb, _ = measure("json")
    goal = 0.6 if size <= 50_000 else 2.5
    figures = [Figure(f"open + first query at {size:,} docs", ours_s, "s", baseline=json_s,
                      goal=f"<= {goal} s and not slower than json.load", ok=ours_s <= goal and ours_s <= json_s * 1.05,
                      notes=f"snapshot {path.stat().st_size / 1e6:.0f} MB; baseline: json.load of the same "
                            "documents as one plain JSON file (stock TinyDB's)",
                      runs=ours_runs)]
    if size >= 200_000:
        figures.append(Figure(f"memory with {size:,} docs open", ours_mb, "MB (max RSS)", baseline=json_mb,
                              notes="baseline: the interpreter after json.load of the same documents"))
    return figures


def import_rows(folder: Path, quick: bool) -> Figure:
    count = 20_000 if quick else 100_000
    from triagedesk.demo.issues import issue_records

    source = folder / "import.jsonl"
    with open(source, "w", encoding="utf-8") as handle:
        for record in issue_records(count, seed=5):
            record["created_at"] = record["created_at"].isoformat()
            handle.write(json.dumps(record) + "\n")
    target = folder / "import-target.json"

    def run() -> None:
        for name in list(folder.glob("import-target.json*")):
            name.unlink()
        subprocess.run([sys.executable, "-m", "triagedesk", "import", str(source), "--db", str(target)],
                       check=True, capture_output=True)

    seconds, runs = median_time(run, 1 if quick else 3)
    return Figure(f"import {count:,} issues (CLI, validated, one durable write)", seconds, "s",
                  notes=f"{count / seconds:,.0f} rows/s end to end, interpreter start included", runs=runs)


_GENERATE_ONLY = """
import sys
from triagedesk.commands.store_cmds import _network
from triagedesk.demo.data import DEMO_NOW, generate_chunks
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.resources import load_profile
scorers = {name: Scorer(load_profile(name)) for name in ("infrastructure", "appraisal")}
for part in generate_chunks(int(sys.argv[1]), 7, DEMO_NOW, scorers, _network()):
    pass
"""


_PEAK = """
import runpy, sys
out, mode, target = sys.argv[1], sys.argv[2], sys.argv[3]
sys.argv = [target, *sys.argv[4:]]
try:
    if mode == "-m":
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        exec(compile(target, "<bench>", "exec"), {"__name__": "__main__"})
finally:
    peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1]
    open(out, "w").write(peak)
"""


def _child(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of `python -m MODULE ...` or `python -c CODE ...`.

    The peak is the process's own high-water mark (VmHWM, read as it ends): rusage's ru_maxrss would count the
    bench's own memory, which the child holds between its fork and its exec."""
    mode, target, *rest = argv[1:]
    with tempfile.NamedTemporaryFile(suffix=".peak") as peak_file:
        start = time.perf_counter()
        done = subprocess.run([argv[0], "-c", _PEAK, peak_file.name, mode, target, *rest],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        if done.returncode:
            raise RuntimeError(f"{argv[:4]} failed ({done.returncode})")
        return seconds, int(Path(peak_file.name).read_text()) / 1024


def demo_store(folder: Path, quick: bool) -> list[Figure]:
    """`triagedesk demo --issues 100000`: generate a history and write it, as `make demo` would at that size,
    and the generation alone (streamed, nothing written) to tell the generator's memory from the store's."""
    count = 20_000 if quick else 100_000
    target = folder / "demo" / "desk.json"
    for name in list(target.parent.glob("desk.json*")) if target.parent.exists() else []:
        name.unlink()
    seconds, peak = _child([sys.executable, "-m", "triagedesk", "demo", "--issues", str(count),
                            "--db", str(target)])
    alone_seconds, alone_peak = _child([sys.executable, "-c", _GENERATE_ONLY, str(count)])
    goal = 60 * count / 100_000
    how = f"{count:,} issues (CLI: generated and written in parts of 2,000 issues, each one durable write, one fold)"
    return [
        Figure(f"demo store of {how}", seconds, "s", goal=f"< {goal:.0f} s", ok=seconds < goal, runs=[seconds],
               notes=f"one run (each takes most of a minute); interpreter start included; the generation alone "
                     f"takes {alone_seconds:.1f} s"),
        Figure(f"demo store of {count:,} issues: peak memory (CLI, max RSS)", peak, "MB", goal="<= 1,000 MB",
               ok=peak <= 1000, runs=[peak],
               notes=f"the generation alone (streamed, nothing written) peaks at {alone_peak:,.0f} MB; the rest is "
                     "the store (what was written since the snapshot, as JSON) and the fold into the snapshot"),
    ]


def run(quick: bool) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="triagedesk-bench-") as tmp:
        folder = Path(tmp)
        for size in (1_000, 10_000, 50_000):
            figures.append(single_update(size, folder, quick))
        for size in (50_000, 200_000):
            figures.extend(open_and_query(size, folder, quick))
        figures.append(import_rows(folder, quick))
        figures.extend(demo_store(folder, quick))
    os.environ.pop("TRIAGEDESK_COMPACT_BYTES", None)
    return figures
