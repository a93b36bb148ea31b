"""TinyDB is held by its public extension points only, and its table API over the journal behaves as TinyDB's own."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tinydb import Query, Storage, TinyDB
from tinydb.storages import MemoryStorage
from tinydb.table import Document, Table

from triagedesk.store.table import JournalDB, JournalStorage, JournalTable


def _private_overrides(ours: type, theirs: type) -> list[str]:
    """Names ours defines that `theirs` (or a base of it) defines as a private (single-underscore) member."""
    inherited = {name for base in inspect.getmro(theirs) for name in vars(base)}
    return [name for name in vars(ours)  # `_abc_impl`: set by ABCMeta on every abstract class, not by us
            if name.startswith("_") and not name.startswith("__") and name in inherited and name != "_abc_impl"]


@pytest.mark.parametrize(("ours", "theirs"), [(JournalTable, Table), (JournalDB, TinyDB),
                                              (JournalStorage, Storage)])
def test_no_private_member_of_tinydb_is_overridden(ours: type, theirs: type) -> None:
    assert issubclass(ours, theirs)
    assert _private_overrides(ours, theirs) == []


def test_the_guard_finds_a_private_override() -> None:
    class Sneaky(Table):
        def _read_table(self):  # type: ignore[override]
            return {}

    assert _private_overrides(Sneaky, Table) == ["_read_table"]


def test_the_database_uses_the_documented_hooks(tmp_path: Path) -> None:
    db = JournalDB(str(tmp_path / "desk.json"), storage=JournalStorage)
    assert isinstance(db.table("notes"), JournalTable) and isinstance(db.storage, JournalStorage)
    assert db.journal is db.storage.journal


def test_a_write_outside_a_mapping_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    db = JournalDB(str(tmp_path / "desk.json"), storage=JournalStorage)
    with pytest.raises(ValueError, match="not a Mapping"):
        db.table("notes").insert([1, 2])  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="truncate"):
        db.table("notes").remove()
    with pytest.raises(ValueError, match="search query"):
        db.table("notes").upsert({"n": 1})
    assert len(db.table("notes")) == 0


def test_a_document_with_an_id_taken_is_refused_whole(tmp_path: Path) -> None:
    db = JournalDB(str(tmp_path / "desk.json"), storage=JournalStorage)
    notes = db.table("notes")
    notes.insert({"n": 1})
    with pytest.raises(ValueError, match="already exists"):
        notes.insert_multiple([Document({"n": 2}, 5), Document({"n": 3}, 1)])
    assert [dict(d) for d in notes.all()] == [{"n": 1}]
    assert JournalDB(str(tmp_path / "desk.json"), storage=JournalStorage).table("notes").all() == [{"n": 1}]


def test_a_value_json_cannot_hold_fails_the_update_and_changes_nothing(tmp_path: Path) -> None:
    db = JournalDB(str(tmp_path / "desk.json"), storage=JournalStorage)
    notes = db.table("notes")
    notes.insert_multiple([{"n": 1}, {"n": 2}])
    with pytest.raises(TypeError):
        notes.update({"bad": {1, 2}})
    assert [dict(d) for d in notes.all()] == [{"n": 1}, {"n": 2}]


N = Query().n
OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 5)),
    st.tuples(st.just("insert_multiple"), st.lists(st.integers(0, 5), max_size=3)),
    st.tuples(st.just("update"), st.integers(0, 5), st.integers(0, 5)),
    st.tuples(st.just("update_ids"), st.lists(st.integers(1, 8), max_size=3, unique=True), st.integers(0, 5)),
    st.tuples(st.just("upsert"), st.integers(0, 5), st.integers(0, 5)),
    st.tuples(st.just("remove"), st.integers(0, 5)),
    st.tuples(st.just("remove_ids"), st.lists(st.integers(1, 8), max_size=3, unique=True)),
    st.tuples(st.just("truncate")),
    st.tuples(st.just("reopen")),
), max_size=25)


def _run(table: Table, op: tuple) -> object:
    name = op[0]
    if name == "insert":
        return table.insert({"n": op[1]})
    if name == "insert_multiple":
        return table.insert_multiple([{"n": v} for v in op[1]])
    if name == "update":
        return sorted(table.update({"m": op[2]}, N == op[1]))
    if name == "update_ids":
        return sorted(table.update({"m": op[2]}, doc_ids=[d for d in op[1] if table.contains(doc_id=d)]))
    if name == "upsert":
        return sorted(table.upsert({"n": op[1], "u": op[2]}, N == op[1]))
    if name == "remove":
        return sorted(table.remove(N == op[1]))
    if name == "remove_ids":
        return sorted(table.remove(doc_ids=[d for d in op[1] if table.contains(doc_id=d)]))
    if name == "truncate":
        table.truncate()
    return None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPERATIONS)
def test_the_table_api_agrees_with_tinydbs_own_on_random_operations(tmp_path_factory, ops) -> None:
    """Every operation returns what stock TinyDB (in memory) returns, and both hold the same documents, also
    after the store is opened again. (Ids after a truncate differ by design: TinyDB reuses them, the journal
    never gives an id twice; only the documents are compared then.)"""
    path = tmp_path_factory.mktemp("api") / "desk.json"
    ours = JournalDB(str(path), storage=JournalStorage)
    theirs = TinyDB(storage=MemoryStorage)
    truncated = False
    for op in ops:
        if truncated and op[0].endswith("_ids"):
            continue  # the ids differ after a truncate (see above): an operation by id cannot be compared
        if op[0] == "reopen":
            ours.close()
            ours = JournalDB(str(path), storage=JournalStorage)
            continue
        got, expected = _run(ours.table("notes"), op), _run(theirs.table("notes"), op)
        if not truncated:
            assert got == expected, op
        truncated = truncated or op[0] == "truncate"
        mine = ours.table("notes").all()
        stock = theirs.table("notes").all()
        assert [dict(d) for d in mine] == [dict(d) for d in stock], op
        if not truncated:
            assert [d.doc_id for d in mine] == [d.doc_id for d in stock]
        assert ours.table("notes").search(N == 1) == [d for d in mine if d.get("n") == 1]
