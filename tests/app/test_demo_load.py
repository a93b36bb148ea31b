"""The demo is streamed: generated and written part by part, each part one durable write, folded into the snapshot
once at the end, and the store it leaves holds exactly the records the all-at-once demo wrote."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

import triagedesk.store.journal as journal_module
from tests.support.cli import run_cli
from triagedesk.app.desk import Desk
from triagedesk.app.stores import open_desk
from triagedesk.commands.store_cmds import _network
from triagedesk.demo.data import KINDS, DemoData, generate_chunks
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.formats.transfer import export_rows
from triagedesk.resources import load_profile
from triagedesk.store.table import JournalDB, JournalStorage

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

# `triagedesk export --kind K` of `demo --issues 300 --seed 3 --now 2026-01-15T12:00:00Z`, written all at once
# (`generate` in memory, then one transaction; remade when the demo's records gained the clocks' fields and the
# appraisers their levels; since #25 an expert row carries `team` ("": without that field the hash is still
# 0d187e7c...) and the demo adds its follow-the-sun schedule and a holiday calendar): (lines, sha256 of the export)
ALL_AT_ONCE = {
    "experts": (16, "d877d1becf93dacb6090f88a8e502f6cb114aea602b832e858b009fbba9b7784"),
    "schedules": (1, "b1c26559bae3650aabf7b013f3396e3e1a8f5c3b6bc1d896538c193f39b6ba92"),
    "calendars": (1, "b3b47e16936e0dffb63d94c21671a3f6061a24b31e630f24b43838df2009708b"),
    # + `"alert_group": null, "feedback": null` (noise control)
    "issues": (300, "23d9fd5929a0017b829669f287de9f69a8ce7b74c31e9afb5e5fea52187f0269"),
    "requests": (284, "390daf4ac3bad2507059b5c576280a8ccf6b1d6cbce41e5463d04281845c80d5"),
    "sessions": (253, "61c9bebee4c9b0fe8b9a936ed7853c0242002ed0aa2ff0ad850aff13f0d67987"),
    "outcomes": (246, "c580f66d7038fdfff9dfb8d95c9f1d8e626deb814c5d994ecbe32318c56c07bc"),
    "corrections": (76, "ad6a3fa46cdf16f125c7edc1b368a21e1252d61c1f447a40a2a972446bf8b1c2"),
    "knowledge": (246, "59e21384834bc1dbf9272c3b43fc6c1b6ae2281829daa87351245fc7efb9bffe"),
}


def _exports(desk: Desk) -> dict[str, tuple[int, str]]:
    found = {}
    for kind in KINDS:
        repository = desk.records.repository(kind)
        text = "".join(export_rows(repository.all(), "jsonl", repository.model))  # type: ignore[arg-type]
        found[kind] = (text.count("\n"), hashlib.sha256(text.encode()).hexdigest())
    return found


def _parts(size: int, count: int = 300, seed: int = 3):
    scorers = {name: Scorer(load_profile(name)) for name in ("infrastructure", "appraisal")}
    return generate_chunks(count, seed, NOW, scorers, _network(), size=size)


def test_parts_are_bounded_and_together_the_whole_history() -> None:
    parts = list(_parts(size=37))
    assert [len(p.issues) for p in parts] == [37] * 8 + [4]
    assert parts[0].experts and not any(p.experts for p in parts[1:])
    whole = DemoData()
    for part in parts:
        whole.add(part)
    one = next(iter(_parts(size=1000)))
    assert whole == one  # the same records in the same order, whatever the part size


@pytest.mark.parametrize("size", [37, 300])
def test_streamed_demo_stores_what_the_all_at_once_demo_stored(tmp_path: Path, size: int) -> None:
    desk = open_desk(tmp_path / "desk.json")
    try:
        desk.records.load_demo(_parts(size), KINDS, note="seed 3")
        assert _exports(desk) == ALL_AT_ONCE
    finally:
        desk.close()


def test_each_part_is_one_commit_and_the_journal_is_folded_once(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_module, "COMPACT_MIN_BYTES", 1000)  # without the deferral every part would compact
    desk = open_desk(tmp_path / "desk.json")
    journal = desk.store.journal
    start = journal.generation
    seen: list[tuple[int, int, int]] = []

    def written(part: DemoData) -> None:
        lines = (tmp_path / "desk.json.journal").read_bytes().count(b"\n")
        seen.append((len(part.issues), lines, journal.generation))

    try:
        desk.records.load_demo(_parts(size=100), KINDS, note="seed 3", written=written)
        assert seen == [(100, 2, start), (100, 3, start), (100, 4, start)]  # the header, then a record per part
        assert journal.generation == start + 1
    finally:
        desk.close()
    reopened = open_desk(tmp_path / "desk.json")
    try:
        assert _exports(reopened) == ALL_AT_ONCE
    finally:
        reopened.close()


def test_compaction_deferred_holds_automatic_compaction_until_released(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_module, "COMPACT_MIN_BYTES", 500)
    db = JournalDB(str(tmp_path / "desk.json"), storage=JournalStorage)
    journal = db.journal
    start = journal.generation
    with journal.compaction_deferred():
        with journal.compaction_deferred():
            db.table("notes").insert_multiple({"n": n, "pad": "x" * 200} for n in range(10))
        db.table("notes").insert({"n": 10, "pad": "x" * 200})  # the outer block still holds it
        assert journal.generation == start
    db.table("notes").insert({"n": 11})
    assert journal.generation == start + 1  # released: the next commit compacts as before
    assert len(JournalDB(str(tmp_path / "desk.json"), storage=JournalStorage).table("notes")) == 12


def test_cli_demo_matches_the_all_at_once_demo_and_still_refuses_a_filled_store(tmp_path: Path) -> None:
    db = tmp_path / "desk.json"
    made = run_cli("demo", "--db", str(db), "--issues", "300", "--seed", "3", "--now", "2026-01-15T12:00:00Z",
                   "--chunk", "64", "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout) == {"db": str(db), **{k: n for k, (n, _) in ALL_AT_ONCE.items()}}
    exported = run_cli("export", "--db", str(db), "--kind", "knowledge")
    assert hashlib.sha256(exported.stdout.encode()).hexdigest() == ALL_AT_ONCE["knowledge"][1]
    again = run_cli("demo", "--db", str(db), "--issues", "10")
    assert again.returncode == 2 and "--force" in again.stderr


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "triagedesk", *args]


def test_the_bar_goes_to_the_terminal_on_stderr_and_json_stays_clean(tmp_path: Path) -> None:
    main, other = pty.openpty()
    seen = bytearray()

    def drain() -> None:
        while True:
            try:
                got = os.read(main, 4096)
            except OSError:
                return
            if not got:
                return
            seen.extend(got)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    child = subprocess.run(_cli("demo", "--db", str(tmp_path / "desk.json"), "--issues", "5000", "--chunk", "250",
                                "--json"), stdout=subprocess.PIPE, stderr=other, text=True, timeout=120,
                           env={**os.environ, "COLUMNS": "160"})
    os.close(other)
    reader.join(timeout=10)
    os.close(main)
    assert child.returncode == 0
    assert json.loads(child.stdout)["issues"] == 5000
    shown = seen.decode(errors="replace")
    assert "issues generated and written" in shown and "/5,000" in shown


def test_an_interrupted_demo_keeps_whole_parts_and_a_consistent_store(tmp_path: Path) -> None:
    db = tmp_path / "desk.json"
    child = subprocess.Popen(_cli("demo", "--db", str(db), "--issues", "500000", "--chunk", "50"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    journal = tmp_path / "desk.json.journal"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 4:  # the header and three parts
            break
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "Traceback" not in err and "demo interrupted" in err
    checked = run_cli("db", "check", "--db", str(db), "--json")
    assert checked.returncode == 0 and json.loads(checked.stdout)["ok"] is True, checked.stdout
    desk = open_desk(db, create=False)
    try:
        issues = {i.id for i in desk.records.repository("issues").all()}
        requests = desk.records.repository("requests").all()
        assert len(issues) >= 150 and len(issues) % 50 == 0  # whole parts, nothing half-written
        assert requests and all(r.analysis_id in issues for r in requests)
        assert {o.request_id for o in desk.records.repository("outcomes").all()} <= {r.id for r in requests}
    finally:
        desk.close()


def test_an_interrupt_inside_a_part_writes_none_of_it(tmp_path: Path) -> None:
    parts = list(_parts(size=100))
    sessions = parts[2].sessions

    def broken():  # Ctrl-C while the third part's sessions are being stored
        yield from sessions[:10]
        raise KeyboardInterrupt

    parts[2].sessions = broken()  # type: ignore[assignment]
    desk = open_desk(tmp_path / "desk.json")
    try:
        with pytest.raises(KeyboardInterrupt):
            desk.records.load_demo(parts, KINDS, note="seed 3")
        in_memory = {kind: len(desk.records.repository(kind).all()) for kind in KINDS}
    finally:
        desk.close()
    whole = {kind: sum(len(getattr(p, kind)) for p in parts[:2]) for kind in KINDS}
    assert whole["issues"] == 200 and in_memory == whole
    reopened = open_desk(tmp_path / "desk.json", create=False)
    try:
        assert {kind: len(reopened.records.repository(kind).all()) for kind in KINDS} == whole
    finally:
        reopened.close()
    assert run_cli("db", "check", "--db", str(tmp_path / "desk.json")).returncode == 0
