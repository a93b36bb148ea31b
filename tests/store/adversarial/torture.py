"""`make torture`: the adversarial suite run longer, printing docs/reliability.md's table.

Kills at random instants, the concurrent open/compact/write soak, every damage case, disk-full and
I/O-error cases (injected, and a real 2 MB tmpfs when this runs as root), and every hostile input.
Usage: python -m tests.store.adversarial.torture [--kills N] [--soak SECONDS]
"""

from __future__ import annotations

import argparse
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.store.adversarial import damage, hostile
from tests.store.adversarial.faults import EIO, ENOSPC, Faulty, injected
from tests.support.soak import soak

ROOT = Path(__file__).resolve().parents[3]
CHILD = ROOT / "tests" / "store" / "child.py"


def kills(folder: Path, trials: int, seed: int = 1234) -> tuple[int, int, int]:
    """SIGKILL a writer (compacting every 20 KB) at random instants; returns (trials, acknowledged, lost)."""
    from triagedesk.store.table import JournalDB, JournalStorage

    rng = random.Random(seed)
    path = folder / "desk.json"
    acknowledged = lost = 0
    for trial in range(trials):
        child = subprocess.Popen([sys.executable, str(CHILD), "writer", str(path), f"t{trial}"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env={**os.environ, "PYTHONPATH": str(ROOT), "TRIAGEDESK_COMPACT_BYTES": "20000"})
        assert child.stdout is not None
        select.select([child.stdout], [], [], 30)
        time.sleep(rng.uniform(0.02, 0.4))
        child.send_signal(signal.SIGKILL)
        child.wait()
        acked = {int(line) for line in child.stdout.read().split()}
        db = JournalDB(str(path), storage=JournalStorage)
        stored = {d["n"] for d in db.table("numbers").all() if d["writer"] == f"t{trial}"}
        db.close()
        acknowledged += len(acked)
        lost += len(acked - stored)
    return trials, acknowledged, lost


def io_cases(folder: Path) -> list[tuple[str, str]]:
    """Each injected fault: what the write said, and whether anything acknowledged was lost."""
    import triagedesk.store.journal as journal_module
    from triagedesk.store.check import check
    from triagedesk.store.errors import StoreError
    from triagedesk.store.table import JournalDB, JournalStorage

    rows = [{"n": n, "pad": "x" * 200} for n in range(300)]
    out = []
    commit_faults = [("ENOSPC on a commit's write", Faulty("write", ENOSPC, where="/desk.json.journal")),
                     ("a short write, then ENOSPC", Faulty("write", ENOSPC, where="/desk.json.journal", short=True)),
                     ("EIO on a commit's fsync", Faulty("fsync", EIO, where="/desk.json.journal"))]
    compact_faults = [("ENOSPC writing a compaction's snapshot", Faulty("write", ENOSPC, where=".tmp", times=1)),
                      ("EIO renaming it", Faulty("replace", EIO, where="/desk.json", times=1)),
                      ("ENOSPC writing the new journal", Faulty("write", ENOSPC, where=".tmp", after=1, times=1))]
    for n, (name, fault) in enumerate(commit_faults + compact_faults):
        path = folder / f"io{n}" / "desk.json"
        db = JournalDB(str(path), storage=JournalStorage)
        db.table("notes").insert({"n": -1})
        compacting = fault in [f for _, f in compact_faults]
        saved = journal_module.COMPACT_MIN_BYTES
        journal_module.COMPACT_MIN_BYTES = 1000 if compacting else saved
        try:
            with injected(fault):
                try:
                    db.table("notes").insert_multiple(rows)
                    said = "committed"
                except StoreError as exc:
                    said = "refused: " + str(exc).split(": ", 1)[1]
        finally:
            journal_module.COMPACT_MIN_BYTES = saved
        stored = len(JournalDB(str(path), storage=JournalStorage).table("notes"))
        temps = [p for p in os.listdir(path.parent) if p.endswith(".tmp")]
        expected = 301 if said == "committed" else 1
        verdict = "ok" if stored == expected and not temps and check(path).ok else "FAILED"
        out.append((name, f"{said}; {stored - 1} of 300 rows stored, {len(temps)} temp files left: {verdict}"))
    out.append(tmpfs_case(folder))
    return out


def tmpfs_case(folder: Path) -> tuple[str, str]:
    """A real full disk: a 2 MB tmpfs filled by imports until one is refused (root only)."""
    name = "a real 2 MB tmpfs filled by imports"
    mount = folder / "tmpfs"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        return name, "not run (needs root and mount)"
    try:
        from triagedesk.store.errors import StoreError
        from triagedesk.store.table import JournalDB, JournalStorage

        path = mount / "desk.json"
        db = JournalDB(str(path), storage=JournalStorage)
        acknowledged, refusal = 0, ""
        for batch in range(200):
            try:
                db.table("notes").insert_multiple([{"b": batch, "pad": "z" * 500} for _ in range(100)])
                acknowledged += 100
            except StoreError as exc:
                refusal = str(exc)
                if "No space" in refusal:
                    break
        db.close()
        stored = len(JournalDB(str(path), storage=JournalStorage).table("notes"))
        temps = [p for p in os.listdir(mount) if p.endswith(".tmp")]
        lost = acknowledged - stored
        return name, (f"{acknowledged} rows acknowledged, {stored} stored (lost {lost}), then "
                      f"'{refusal.split(': ', 1)[-1]}'; {len(temps)} temp files left")
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


def hostile_cases(folder: Path) -> list[tuple[str, str]]:
    out = []
    for n, case in enumerate(hostile.CASES):
        source = folder / f"h{n}" / case.filename
        source.parent.mkdir(parents=True)
        source.write_text(case.text, "utf-8")
        result = subprocess.run([sys.executable, "-m", "triagedesk", "import", str(source), "--db",
                                 str(source.parent / "desk.json")], capture_output=True, text=True)
        line = result.stderr.strip().replace(str(source.parent) + "/", "")
        ok = result.returncode == 2 and line.count("\n") == 0 and case.expected in result.stderr
        out.append((case.name, f"exit {result.returncode}: {line[:110]}" + ("" if ok else "  FAILED")))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=170)
    parser.add_argument("--soak", type=float, default=60.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="triagedesk-torture-"))
    started = time.monotonic()
    try:
        print("| test | result |\n|---|---|")
        (folder / "kills").mkdir()
        trials, acked, lost = kills(folder / "kills", args.kills)
        print(f"| SIGKILL at random instants (compacting every 20 KB) | {trials} trials, {acked:,} acknowledged "
              f"writes, lost {lost} |")
        (folder / "soak").mkdir()
        from triagedesk.store.table import JournalDB, JournalStorage

        JournalDB(str(folder / "soak" / "desk.json"), storage=JournalStorage).close()
        total, lost_soak, compactions = soak(folder / "soak" / "desk.json", args.soak)
        print(f"| concurrent soak, {args.soak:g} s: a writer compacting often (4 KB threshold) + 2 processes "
              f"opening, writing, closing | {total:,} acknowledged writes, {compactions} compactions, "
              f"lost {lost_soak} |")
        sample = folder / "sample" / "desk.json"
        sample.parent.mkdir()
        damage.build(sample)
        failures = 0
        for n, case in enumerate(damage.cases(sample)):
            result = damage.run(case, folder / f"d{n}")
            verdict = "damaged, writes refused" if result.write_refused else "ok, writes accepted"
            right = (result.write_refused == case.detected and result.recovered == set(case.recovers))
            failures += not right
            print(f"| {case.name} | {verdict}; {len(result.recovered)} of {len(damage.ALL)} records after repair"
                  + ("" if case.detected else " (not detectable)" if case.file == "desk.json.journal" else "")
                  + ("" if right else "  FAILED") + " |")
        for name, said in io_cases(folder):
            print(f"| {name} | {said} |")
        for name, said in hostile_cases(folder):
            print(f"| hostile input: {name} | {said.replace('|', '/')} |")
        print(f"\n{time.monotonic() - started:.0f} s; damage cases wrong: {failures}")
        if lost or lost_soak or failures:
            sys.exit(1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
