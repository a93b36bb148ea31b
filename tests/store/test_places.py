"""A reader's gets and lookups from the places file (store/places.py, store/placed.py) answer exactly what the
journal's own indexes answer: random records folded into a snapshot, then raw writes on top (ids shared by two
records, references moved, records removed and added, values that are no text); a missing, stale or damaged
places file is built again, never trusted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triagedesk.store import places
from triagedesk.store.database import open_store
from triagedesk.store.journal import Journal
from triagedesk.store.placed import MISS, Placed
from triagedesk.store.repositories import Store

ISSUES = ["INC-1", "INC-2", "INC-3"]
REQUESTS = ["req-1", "req-2"]
values = st.one_of(st.sampled_from(ISSUES + REQUESTS), st.none(), st.just(["INC-1"]), st.just(1))
docs = st.fixed_dictionaries({"id": values, "issue_id": values, "request_id": values, "analysis_id": values,
                              "n": st.integers(0, 3)})
TABLES = ["issues", "requests", "sessions", "outcomes"]
writes = st.lists(st.tuples(st.sampled_from(TABLES), st.sampled_from(["put", "remove", "add"]),
                            st.integers(0, 20), docs), max_size=8)
LOOKUPS = [("requests", "analysis_id"), ("sessions", "issue_id"), ("sessions", "request_id"),
           ("outcomes", "issue_id")]


def write(journal: Journal, changes: list[tuple[str, str, int, dict[str, Any]]]) -> None:
    with journal.transaction():
        for table, how, pick, doc in changes:
            held = sorted(journal.docs(table), key=int)
            if how == "add" or not held:
                journal.put(table, str(journal.docs(table).max_id() + 1), dict(doc))
            elif how == "remove":
                journal.put(table, held[pick % len(held)], None)
            else:
                journal.put(table, held[pick % len(held)], dict(doc))


def compare(path: Path) -> None:
    """Every get and lookup of a reader through the places file equals a reader without it."""
    plain = Journal(path, create=False, reading=True)
    placed = Journal(path, create=False, reading=True)
    store = open_store(path, create=False, reading=True)  # installs the declared (lean) indexes
    try:
        for journal in (plain, placed):
            journal.install_indexes(store.journal.indexes.__class__(store.journal.indexes.declared, lean=True))
        placed.placed = Placed(placed)
        for key in ISSUES + REQUESTS + ["none"]:
            for table in TABLES:
                assert placed.get(table, key) == plain.get(table, key), (table, key)
            for table, field in LOOKUPS:
                assert placed.lookup(table, field, key) == plain.lookup(table, field, key), (table, field, key)
    finally:
        for opened in (plain, placed):
            opened.close()
        store.close()


def seeded(path: Path, first: list[tuple[str, str, int, dict[str, Any]]]) -> Store:
    store = open_store(path)
    write(store.journal, [(t, "add", 0, d) for t, _, _, d in first])
    store.journal.compact()
    return store


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
