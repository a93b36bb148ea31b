"""A reader's gets and lookups from the places file (store/places.py, store/placed.py) answer exactly what the
journal's own indexes answer: random records folded into a snapshot, then raw writes on top (ids shared by two
records, references moved, records removed and added, values that are no text); a missing, stale or damaged
places file is built again, never trusted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

from tests.support.places_stores import compare, seeded, write, writes
from triagedesk.store import places
from triagedesk.store.journal import Journal
from triagedesk.store.placed import MISS, Placed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes, writes)
def test_gets_and_lookups_from_the_places_file_equal_the_indexes(tmp_path: Path, first: list[Any],
                                                                 then: list[Any]) -> None:
    path = tmp_path / f"desk-{len(list(tmp_path.iterdir()))}.json"
    store = seeded(path, first)
    try:
        write(store.journal, then)
        compare(path)  # the places file built
        assert places.path_of(path).exists() or not first
        compare(path)  # read back
    finally:
        store.close()


def test_a_damaged_or_stale_places_file_is_built_again(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    store = seeded(path, [("sessions", "add", 0, {"id": f"ses-{n}", "issue_id": f"INC-{n % 40}"})
                          for n in range(400)] + [("issues", "add", 0, {"id": f"INC-{n}"}) for n in range(40)])
    try:
        compare(path)
        side = places.path_of(path)
        good = side.read_bytes()
        for marker in (b'"INC-17"', b"#triagedesk-places", b'"snapshot"', b'"sessions/issue_id"'):
            damaged = bytearray(good)
            damaged[damaged.rindex(marker) + 3] ^= 0x04  # the last: INC-17's sessions bucket, a lookup reads it
            side.write_bytes(bytes(damaged))
            reader = Journal(path, create=False, reading=True)
            try:
                reader.placed = Placed(reader)
                found = reader.placed.lookup("sessions", "issue_id", "INC-17")
                assert found is not MISS and [d["id"] for d in found] == [f"ses-{n}" for n in range(17, 400, 40)]
            finally:
                reader.close()
            assert side.read_bytes() == good, marker  # written again whole
        write(store.journal, [("sessions", "add", 0, {"id": "ses-new", "issue_id": "INC-17"})])
        store.journal.compact()
        compare(path)
        assert side.read_bytes() != good  # the new snapshot's
    finally:
        store.close()


def test_a_read_only_folder_answers_from_memory(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "desk.json"
    store = seeded(path, [("issues", "add", 0, {"id": f"INC-{n}"}) for n in range(20)])
    try:
        def refuse(*_: Any) -> None:
            raise PermissionError("read-only")

        from triagedesk import files

        monkeypatch.setattr(files, "stage", refuse)
        compare(path)
        assert not places.path_of(path).exists()
    finally:
        store.close()


def test_a_get_the_places_file_answers_builds_no_id_index(tmp_path: Path, monkeypatch: Any) -> None:
    """`show` at 1M took 2 s building the issues' `id` index before asking the places file, which answers alone."""
    from triagedesk.store import warming

    path = tmp_path / "desk.json"
    store = seeded(path, [("issues", "add", 0, {"id": f"INC-{n}"}) for n in range(20)])
    built: list[str] = []
    build = warming.id_index
    monkeypatch.setattr(warming, "id_index", lambda journal, table: (built.append(table), build(journal, table)))
    reader = Journal(path, create=False, reading=True)
    try:
        reader.placed = Placed(reader)
        assert reader.get("issues", "INC-7") is not None and reader.get("issues", "INC-70") is None
        assert built == []
        reader.placed = None
        assert reader.get("issues", "INC-7") is not None and built == ["issues"]  # the index still answers alone
    finally:
        reader.close()
        store.close()


def test_of_two_records_with_one_id_a_get_answers_the_one_written_since(tmp_path: Path) -> None:
    """The index answers a record written since the snapshot before the snapshot's later one; the places file
    answered the later in the table's order (found by the property test above, at random)."""
    path = tmp_path / "desk.json"
    store = seeded(path, [("issues", "add", 0, {"id": "INC-1", "n": 0}), ("issues", "add", 0, {"id": "INC-1", "n": 1})])
    try:
        write(store.journal, [("issues", "put", 0, {"id": "INC-1", "n": 2})])  # the first of the two rewritten
        compare(path)
        reader = Journal(path, create=False, reading=True)
        try:
            reader.placed = Placed(reader)
            assert reader.get("issues", "INC-1") == {"id": "INC-1", "n": 2}
        finally:
            reader.close()
    finally:
        store.close()
