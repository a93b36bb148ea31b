"""The issue search from its side file (`PATH.search`) finds exactly what reading every record finds: random
stores folded into a snapshot, then random writes on top (titles, ids, requests moved between issues, records
removed and added, cells the columns cannot hold); a missing, stale or damaged side file is built again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.search_stores import NEEDLES, T0, answer, build, fill, write, writes
from triagedesk.app import search_file, search_index
from triagedesk.app.issue_search import scan
from triagedesk.app.reading import open_reading
from triagedesk.domain.models import Issue
from triagedesk.store.database import open_store
from triagedesk.store.reader import StoreReader


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data(), writes, st.lists(st.sampled_from(NEEDLES), min_size=1, max_size=3), st.integers(1, 9))
def test_the_side_file_answers_as_the_scan_with_the_journal_on_top(
        tmp_path: Path, data: st.DataObject, changes: list[Any], needles: list[str], limit: int) -> None:
    path = tmp_path / f"desk-{len(list(tmp_path.iterdir()))}.json"
    store = open_store(path)
    try:
        fill(store, data.draw)
        store.issues.put_many([Issue(id="INC-0", title="kept", profile="infrastructure", created_at=T0)])
        store.journal.compact()
        write(store, changes)
        for needle in needles:
            expected = scan(store, needle, limit)
            assert answer(path, needle, limit) == expected  # the side file built, then asked
            assert search_file.path_of(path).exists()
            assert answer(path, needle, limit) == expected  # read back from the file
    finally:
        store.close()


def test_a_damaged_side_file_is_built_again_never_trusted(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(search_file, "CHUNK", 4096)  # many chunks, each checked as it is read
    path = tmp_path / "desk.json"
    store = build(path)
    try:
        expected = scan(store, "outage 3", 500)
        assert len(expected) == 111 and answer(path, "outage 3", 500) == expected
        side = search_file.path_of(path)
        good = side.read_bytes()
        for marker in (b"printer outage 39", b'"INC-399"', b"#triagedesk-search", b'"snapshot"'):
            damaged = bytearray(good)
            at = damaged.index(marker) + 3
            damaged[at] ^= 0x04  # `i` <-> `m`, a digit to another: what a reader would take as it stands
            side.write_bytes(bytes(damaged))
            assert answer(path, "outage 3", 500) == expected, marker
            assert side.read_bytes() == good  # written again whole
        side.write_bytes(good[:len(good) // 2])  # cut short
        assert answer(path, "outage 3", 500) == expected
        assert side.read_bytes() == good
    finally:
        store.close()


def test_a_side_file_of_another_snapshot_is_built_again(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    store = build(path)
    try:
        assert [f.issue_id for f in answer(path, "outage 12", 5)] == ["INC-129", "INC-128", "INC-127", "INC-126",
                                                                        "INC-125"]
        old = search_file.path_of(path).read_bytes()
        store.issues.put_many([Issue(id="INC-1000", title="printer outage 12 again", profile="infrastructure",
                                     created_at=T0 + timedelta(days=1))])
        assert answer(path, "outage 12", 1)[0].issue_id == "INC-1000"  # from the journal, on top of the file
        assert search_file.path_of(path).read_bytes() == old
        store.journal.compact()
        assert answer(path, "outage 12", 2) == scan(store, "outage 12", 2)
        assert search_file.path_of(path).read_bytes() != old  # the new snapshot's
    finally:
        store.close()


def test_a_text_holding_a_nul_is_scanned(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    store = build(path)
    try:
        reader = StoreReader(path)
        try:
            assert search_index.search(reader, "a\x00b", 5) is None  # a needle with a NUL: the scan answers
        finally:
            reader.close()
        store.issues.put_many([Issue(id="INC-0", title="printer\x00outage", profile="infrastructure")])
        store.journal.compact()
        written = []
        for _ in range(2):
            reader = StoreReader(path)
            try:
                assert search_index.search(reader, "outage", 5) is None  # a title holding one: not indexed
            finally:
                reader.close()
            side = search_file.path_of(path)
            assert b'"scan":true' in side.read_bytes()
            written.append(side.stat().st_ino)
        assert written[0] == written[1]  # said once, not built again by each search
        reading = open_reading(path)
        try:
            assert reading.search("outage", 500) == scan(store, "outage", 500)
        finally:
            reading.close()
    finally:
        store.close()


def test_a_read_only_folder_answers_from_memory(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "desk.json"
    store = build(path)
    try:
        def refuse(*_: Any) -> None:
            raise PermissionError("read-only")

        from triagedesk import files

        monkeypatch.setattr(files, "stage", refuse)
        assert answer(path, "outage 7", 500) == scan(store, "outage 7", 500)
        assert not search_file.path_of(path).exists()
    finally:
        store.close()
