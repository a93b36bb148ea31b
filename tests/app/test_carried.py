"""A Desk's compaction hands its store's side files over (app/carried.py): after a Desk wrote to a demo store and
compacted it, the first report, search, show and kb search read the files the compaction wrote (not built
again: each file is the one the compaction left, byte for byte) and answer as the scanning paths do."""

from __future__ import annotations

from pathlib import Path

from tests.support.carried_reads import NOW, SIDE, _reads
from tests.support.compacting import compacted
from triagedesk.app.issue_search import scan
from triagedesk.app.reading import open_reading
from triagedesk.app.report_columns import report as counted_report
from triagedesk.app.stores import open_desk
from triagedesk.commands.store_cmds import _network
from triagedesk.demo.data import KINDS, generate_chunks
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.resources import load_profile


def test_a_desks_compaction_leaves_every_used_side_file_for_the_new_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    desk = open_desk(path, clock=lambda: NOW)
    try:
        scorers = {name: Scorer(load_profile(name)) for name in ("infrastructure", "appraisal")}
        desk.records.load_demo(generate_chunks(300, 3, NOW, scorers, _network(), size=100), KINDS, note="seed 3")
        issue = desk.store.issues.all()[0].id
        _reads(path, issue)  # every side file built for this snapshot
        assert all(side(path).exists() for side in SIDE)
        requests = desk.store.requests.all()[:40]
        desk.store.requests.put_many([r.model_copy(update={"price": r.price + 1.0}) for r in requests])
        desk.store.issues.delete(desk.store.issues.all()[5].id)
        compacted(desk.store.journal)
        left = {side: side(path).read_bytes() for side in SIDE}
        _reads(path, issue)
        for side, data in left.items():
            assert side(path).read_bytes() == data, side.__module__  # read as the compaction left it
        reading = open_reading(path, clock=lambda: NOW)
        try:
            booked = reading.report(30, NOW)
            assert {k: v for k, v in booked.items() if k not in ("oncall", "noise")} == counted_report(
                desk.store, reading.profiles(), NOW, 30)
            assert [f.issue_id for f in reading.search("outage", 20)] == [
                f.issue_id for f in scan(desk.store, "outage", 20)]
        finally:
            reading.close()
    finally:
        desk.close()
