"""Everything a user waits for off the desk's hot path, at 100k issues (the cached demo store), whole processes:
`report --format json` beside DuckDB over the same requests as JSONL, `search`, `show`, `package`, `kb search`,
a streamed `export`, `db check`, and the CLI's start (`--help`, every command's `--help`). Each figure is the
median of interleaved runs, with the peak RSS of the process; the machine's load average is noted."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from desk_figures import CACHE, cached_store
from harness import Figure

DUCKDB_REPORT = """
import sys, duckdb
con = duckdb.connect()
con.execute(f"create table r as select * from read_json('{sys.argv[1]}', format='newline_delimited')")
now, days = sys.argv[2], int(sys.argv[3])
period = f"submitted_at between timestamptz '{now}' - interval {days} day and timestamptz '{now}'"
figures = con.sql(f'''select count(*), count(completed_at), sum((status = 'cancelled')::int),
    sum((status = 'refunded')::int), avg(epoch(completed_at - submitted_at)) / 3600,
    avg(epoch(assigned_at - submitted_at)) / 60, sum((completed_at <= due_at)::int),
    sum((completed_at > due_at)::int), sum(case when completed_at > due_at then price end),
    sum(case when completed_at is not null and status != 'refunded' then price end)
    from r where {period}''').fetchall()
for group in ("assigned_expert_id", "item_category", "coalesce(tier_id, urgency)", "urgency, submitted_at::date"):
    con.sql(f"select {group}, count(*), count(completed_at), avg(epoch(completed_at - submitted_at)) "
            f"from r where {period} group by all").fetchall()
print(figures)
"""


TAB = """
import itertools, json, sys, time
import orjson
from triagedesk.app.stores import open_desk
from triagedesk.store.stream import raw_json

def memory():  # this process's RSS and its peak so far (MB)
    found = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return [int(found[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM")]

desk = open_desk(sys.argv[1], checked=False)
opened_mb = memory()
start, cpu = time.perf_counter(), time.process_time()
first = desk.queries.report(30)
opened = (time.perf_counter() - start, time.process_time() - cpu)
start = time.perf_counter()
desk.queries.report(30)  # waits for the days' tallies, counted on a thread after the first report
tallied = time.perf_counter() - start
kept_mb = memory()
requests = desk.store.requests
changes = []
originals = [(doc["id"], doc["price"]) for doc in (orjson.loads(data) for _, data in  # 21 read, not all
             itertools.islice(raw_json(desk.store, "requests"), 21))]
for n, (key, _) in enumerate(originals):
    model = requests.get(key)
    requests.put_many([model.model_copy(update={"price": model.price + 1.0})])  # one record written, as the desk does
    cpu = time.process_time()
    again = desk.queries.report(30)
    if n:  # the first after the build pays for the lookups' first use
        changes.append(time.process_time() - cpu)
cpu = time.process_time()
desk.queries.report(30)
same = time.process_time() - cpu
requests.put_many([requests.get(key).model_copy(update={"price": price})
                   for key, price in originals])  # put back: every run measures the same store
print(json.dumps({"open": opened, "tallied": tallied, "change": sorted(changes)[len(changes) // 2], "same": same,
                  "total": first["total_requests"], "opened_mb": opened_mb, "kept_mb": kept_mb}))
"""


COMPACT = """
import json, random, sys, time
from triagedesk.app.stores import open_desk
desk = open_desk(sys.argv[1], checked=False)
if sys.argv[2] == "plain":
    desk.store.journal.carriers.clear()  # as before x24: every side file left to its first reader to build
requests = desk.store.requests
_, (ids,) = desk.store.journal.docs("requests").field_columns(("id",))
picked = random.Random(5).sample(ids, 500)  # anywhere in the store: the most days the book counts again
for step in (1.0, -1.0):  # written, then put back: every run measures the same store
    for key in picked:
        model = requests.get(key)
        requests.put_many([model.model_copy(update={"price": model.price + step})])
start, cpu = time.perf_counter(), time.process_time()
desk.store.journal.compact()  # returns once the lock is let go: the carried files are written on a thread
locked, locked_cpu = time.perf_counter() - start, time.process_time() - cpu
desk.store.journal.carrying.wait()
print(json.dumps({"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                  "locked": locked, "locked_cpu": locked_cpu}))
"""
"""A Desk writes 1,000 records (500 requests changed, then put back) and compacts the store: `plain` without
carrying its side files over (app/carried.py), `carry` as a Desk does; prints the compaction's wall and CPU, and
those until it let the store's lock go (`locked`: the carried files are written after)."""


def compacted(path: Path, how: str) -> dict[str, float]:
    """The compaction's wall and CPU seconds (`COMPACT`), `how` `plain` or `carry`."""
    done = subprocess.run([sys.executable, "-c", COMPACT, str(path), how], capture_output=True, text=True,
                          check=True)
    return dict(json.loads(done.stdout))


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


SHIM = """
import os, resource, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    cap = int(os.environ.get("BENCH_CAP_MB") or 0) * 1024 * 1024
    if cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, time.perf_counter() - start,
      usage.ru_utime + usage.ru_stime, file=sys.stderr)
"""
"""Runs a command and says its exit code, peak RSS (kB), wall time and CPU time (its own and its reaped
children's): forked from this small process, so the peak is the command's own (a child forked from the bench's
big process counts that process's pages until it execs), and the time is the command's alone. With `BENCH_CAP_MB`
set, the command's address space is capped at that (one that would take the shared machine's memory fails)."""

CPU: dict[str, float] = {}
"""name -> the median CPU seconds (user + system, workers included) of the runs `medians` timed: what the machine's
load does not stretch, beside the wall time it does."""


def timed(argv: list[str], cap_mb: int = 0) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds) of one process; its output goes to /dev/null; a failure stops
    the bench."""
    done = subprocess.run([sys.executable, "-c", SHIM, *argv], capture_output=True, text=True,
                          env={**os.environ, "BENCH_CAP_MB": str(cap_mb)})
    code, peak, took, cpu = done.stderr.strip().splitlines()[-1].split()
    if code != "0":
        raise RuntimeError(f"{argv[2:5]} failed ({code}): {done.stderr[-400:]}")
    return float(took), int(peak) / 1024, float(cpu)


def medians(commands: dict[str, list[str]], repeats: int,
            cap_mb: int = 0) -> dict[str, tuple[float, float, list[float]]]:
    """name -> (median wall, median peak MB, runs): the commands run in turn, `repeats` rounds (the median CPU
    of each goes to `CPU`)."""
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, argv in commands.items():
            runs[name].append(timed(argv, cap_mb))
    CPU.update({name: statistics.median(c for _, _, c in got) for name, got in runs.items()})
    return {name: (statistics.median(t for t, _, _ in got), statistics.median(m for _, m, _ in got),
                   [t for t, _, _ in got]) for name, got in runs.items()}


def _first(path: Path, what: str) -> str:
    """An issue of the store that has a request (what `show` and `package` are asked about)."""
    found = subprocess.run([sys.executable, "-m", "triagedesk", "search", what, "--db", str(path), "--json",
                            "--limit", "50"], capture_output=True, text=True, check=True)
    rows = [r for r in json.loads(found.stdout) if r["status"] != "never escalated"]
    return str(rows[0]["issue_id"])


SIDE_FILES = {"search": ".search", "show": ".places", "package": ".places", "kb": ".knowledge"}
"""The side file each read command answers from (app/search_index.py, store/places.py, store/knowledge_file.py)."""


CARRIED = {"search": "carried over", "show": "made anew by the compaction", "package": "made anew by the compaction",
           "kb": "made anew by the compaction"}
"""The read commands whose side file a Desk's compaction carries over or makes anew (app/carried.py)."""


def run(quick: bool) -> list[Figure]:
    return run_at(20_000 if quick else 100_000, 3 if quick else 7)


def run_1m(quick: bool) -> list[Figure]:
    """The same figures on the 1M store (`make bench-1m`), each goal ten times the 100k one (linear; `report`
    still against DuckDB, `--help` unchanged): fewer rounds, each process taking seconds."""
    return run_at(100_000 if quick else 1_000_000, 3, scale=10)


def run_at(count: int, repeats: int, scale: int = 1) -> list[Figure]:
    path = cached_store(count)
    n = f"{count // 1000}k" if count < 1_000_000 else f"{count // 1_000_000}M"
    quick = repeats < 7
    tool = [sys.executable, "-m", "triagedesk"]
    db = ["--db", str(path)]
    now = "2026-12-01T12:00:00Z"
    requests = CACHE / f"requests{n}.jsonl"
    if not requests.exists() or requests.stat().st_mtime < path.stat().st_mtime:
        with open(requests, "wb") as out:  # the baseline's input, written once (untimed)
            subprocess.run([*tool, "export", "--kind", "requests", *db], stdout=out, check=True)
    import triagedesk

    # Bytecode compiled first, as an installed package has it (an environment with PYTHONDONTWRITEBYTECODE
    # would otherwise compile every module of every timed process from source): untimed.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(triagedesk.__file__).parent)],
                   check=True, capture_output=True)
    # The side files beside the snapshot (`.report-days`, `.search`, `.places`, `.knowledge`), made first if
    # missing (untimed). Then a compaction as before x24 (no side file carried): each first run builds its file
    # (timed); then a compaction as a Desk makes it, carrying `.report-days` and `.search` over and making
    # `.places` and `.knowledge` anew (app/carried.py): each first run timed again.
    # The store's content is the same after (each compaction's writes put back).
    book = path.with_name(path.name + ".report-days")
    report_argv = [*tool, "report", "--format", "json", "--now", now, *db]
    issue = _first(path, "outage")
    firsts = {"report": report_argv, "search": [*tool, "search", "outage", *db], "show": [*tool, "show", issue, *db],
              "kb": [*tool, "kb", "search", "disk full on the database server", *db]}
    for argv in firsts.values():
        subprocess.run(argv, check=True, capture_output=True)
    plain = compacted(path, "plain")
    built = {name: timed(argv) for name, argv in firsts.items()}
    carry = compacted(path, "carry")
    carried = {name: timed(argv) for name, argv in firsts.items()}
    built["package"], carried["package"] = built["show"], carried["show"]  # the places file `show` reads
    booking = built["report"]
    os.utime(requests)  # the same requests as the compacted store holds: not exported again next run
    loads = [load_average()]
    got = medians({
        "report": [*tool, "report", "--format", "json", "--now", now, *db],
        "duckdb": [sys.executable, "-c", DUCKDB_REPORT, str(requests), now, "30"],
        "search": [*tool, "search", "outage", *db],
        "show": [*tool, "show", issue, *db],
        "package": [*tool, "package", issue, *db],
        "kb": [*tool, "kb", "search", "disk full on the database server", *db],
    }, repeats)
    loads.append(load_average())
    helps = medians({"--help": [*tool, "--help"], **{f"{c} --help": [*tool, *c.split(), "--help"] for c in (
        "report", "search", "show", "export", "db check", "sync", "dispatch", "demo")}}, repeats)
    bare = medians({"python": [sys.executable, "-c", "pass"]}, repeats)["python"][0]
    exported = medians({"export": [*tool, "export", "--kind", "issues", "--format", "jsonl", *db]}, 3)["export"]
    # at 1M a check once read a 3.3 GB journal.prev whole (11 GB and rising when stopped): capped at twice the
    # goal, so a check that holds a file whole again fails here rather than taking the machine
    cap = 2 * 300 * scale if scale > 1 else 0
    try:
        checked: tuple[float, float, list[float]] | None = medians(
            {"check": [*tool, "db", "check", *db]}, 1 if quick else 3, cap_mb=cap)["check"]
    except RuntimeError:
        checked = None
    tab = [json.loads(subprocess.run([sys.executable, "-c", TAB, str(path)], capture_output=True, text=True,
                                     check=True).stdout) for _ in range(1 if quick else 3)]
    tab_open = statistics.median(t["open"][0] for t in tab)
    tab_change = statistics.median(t["change"] for t in tab) * 1000
    loads.append(load_average())
    report_s, report_mb, report_runs = got["report"]
    duck_s, duck_mb, _ = got["duckdb"]
    slowest_help = max(helps, key=lambda k: helps[k][0])
    figures = [
        Figure(f"cli {n}: report --format json", report_s, "s", baseline=duck_s, goal="<= DuckDB baseline",
               ok=report_s <= duck_s,
               notes=f"whole process, from the day book (`.report-days`: each day's tally, book "
                     f"{book.stat().st_size / 1e6:.0f} MB; the first report after a compaction that carried it over: "
                     f"{carried['report'][0]:.2f} s, peak {carried['report'][1]:.0f} MB, CPU "
                     f"{carried['report'][2]:.2f} s; after one that did not, "
                     f"as before x24, counting it whole: {booking[0]:.2f} s, peak {booking[1]:.0f} MB, CPU "
                     f"{booking[2]:.2f} s; the compaction after 500 requests changed anywhere: {carry['wall']:.2f} s, "
                     f"CPU {carry['cpu']:.2f} s carrying or making the four side files, the lock held "
                     f"{carry['locked']:.2f} s of it, {plain['wall']:.2f} s, CPU {plain['cpu']:.2f} s not, the "
                     f"lock held {plain['locked']:.2f} s), peak {report_mb:.0f} MB, CPU "
                     f"{CPU['report']:.2f} s; baseline: DuckDB reading "
                     f"the requests as JSONL (`export --kind requests`) and computing the headline figures and four "
                     f"groupings, peak {duck_mb:.0f} MB, CPU {CPU['duckdb']:.2f} s (its threads on both cores); "
                     f"medians of {repeats} interleaved runs; load {loads[0]} -> {loads[1]}",
               runs=report_runs),
    ]
    figures.append(Figure(f"analytics tab {n}: first report (the tab opens)", tab_open, "s", baseline=report_s,
                          goal=f"<= {scale} s", ok=tab_open <= 1.0 * scale,
                          notes=f"in the desk's process: counted at once from the day book (CPU "
                                f"{statistics.median(t['open'][1] for t in tab):.2f} s), then a tally per day on a "
                                f"thread ({statistics.median(t['tallied'] for t in tab):.2f} s more); the charts' "
                                "drawing not included; baseline column: the `report` process; memory: the store "
                                f"opened {statistics.median(t['opened_mb'][0] for t in tab):.0f} MB, with the kept "
                                f"report {statistics.median(t['kept_mb'][0] for t in tab):.0f} MB (peak "
                                f"{statistics.median(t['kept_mb'][1] for t in tab):.0f} MB)"))
    figures.append(Figure(f"analytics tab {n}: a change -> report updated (CPU)", tab_change, "ms",
                          goal=f"<= {50 * scale} ms CPU", ok=tab_change <= 50 * scale,
                          notes=f"one request rewritten, then the 30-day report: the change applied to its day's "
                                f"tally, the period's kept sum (its per-request keys and their join kept apart) "
                                f"and its two end days (no change at all: "
                                f"{statistics.median(t['same'] for t in tab) * 1000:.1f} ms); median of 20 changes"))
    for name, label in (("search", "search outage"), ("show", "show ID"), ("package", "package ID"),
                        ("kb", "kb search")):
        took, mb, runs = got[name]
        first_s, first_mb, first_cpu = built[name]
        after_s, after_mb, after_cpu = carried[name]
        how = f"`{SIDE_FILES[name]}` {CARRIED[name]}" if name in CARRIED else f"builds `{SIDE_FILES[name]}`"
        figures.append(Figure(f"cli {n}: {label}", took, "s", goal=f"<= {0.3 * scale:g} s", ok=took <= 0.3 * scale,
                              notes=f"whole process, peak {mb:.0f} MB, CPU {CPU[name]:.2f} s, median of {repeats}; "
                                    f"the first run after a compaction: {after_s:.2f} s, CPU {after_cpu:.2f} s, "
                                    f"peak {after_mb:.0f} MB ({how}); after one carrying nothing (before x24: it "
                                    f"builds `{SIDE_FILES[name]}`): {first_s:.1f} s, CPU {first_cpu:.1f} s, peak "
                                    f"{first_mb:.0f} MB",
                              runs=runs))
    help_s = helps["--help"][0]
    figures.append(Figure("cli: --help / slowest command --help", helps[slowest_help][0], "s", baseline=help_s,
                          goal="<= 0.15 s", ok=max(t for t, _, _ in helps.values()) <= 0.15,
                          notes=f"slowest: `{slowest_help}`; baseline column: `triagedesk --help` {help_s:.3f} s; "
                                f"a bare `python -c pass` {bare:.3f} s"))
    export_s, export_mb, export_runs = exported
    rate = count / export_s
    figures.append(Figure(f"cli {n}: export --kind issues (jsonl, streamed)", rate, "records/s",
                          goal=f">= 50k/s, peak <= {200 * scale} MB",
                          ok=rate >= 50_000 and export_mb <= 200 * scale,
                          notes=f"{export_s:.2f} s whole process (two processes encoding), peak {export_mb:.0f} MB, "
                                f"CPU {CPU['export']:.2f} s both together, median of 3",
                          runs=export_runs))
    if checked is None:
        figures.append(Figure(f"cli {n}: db check", float("nan"), "s", goal=f"<= {10 * scale} s, peak <= "
                              f"{300 * scale} MB", ok=False, notes=f"failed: over the bench's cap of {cap:,} MB of "
                              f"address space (twice the goal's peak); load {loads[2]}"))
        return figures
    check_s, check_mb, check_runs = checked
    figures.append(Figure(f"cli {n}: db check", check_s, "s", goal=f"<= {10 * scale} s, peak <= {300 * scale} MB",
                          ok=check_s <= 10 * scale and check_mb <= 300 * scale,
                          notes=f"peak {check_mb:.0f} MB, CPU {CPU['check']:.2f} s both processes (snapshots walked "
                                f"record by record, journals a chunk at a time, every record validated on two cores); "
                                f"load {loads[2]}", runs=check_runs))
    return figures
