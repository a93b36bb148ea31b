"""A bulk load holds where its documents lie in the journal, not their JSON: every read of such a table answers as
the held one does, the fold writes the same snapshot, the journal's line is the one it always was, the snapshot's
columns written in pieces are the whole lists' JSON, and the `id` index kept without its reverse stays right."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import triagedesk.store.snapshot_file as snapshot_file
from triagedesk.store.journal import Journal
from triagedesk.store.journal_format import META, encode_record, encode_record_spans
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.snapshot_file import decode_snapshot, encode_snapshot
from triagedesk.store.tables import RecordTables

TEXT = st.text(max_size=6)
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 2**40), TEXT, st.lists(st.integers(0, 3), max_size=2))
DOCS = st.fixed_dictionaries({"id": st.integers(0, 40).map(lambda n: f"k{n}"), "status": VALUES,
                              "analysis_id": VALUES, "note": TEXT})
TABLES = st.sampled_from(["requests", "issues", "notes"])
OPS = st.tuples(TABLES, st.integers(1, 30).map(str), st.one_of(st.none(), DOCS, DOCS))
COMMITS = st.lists(st.lists(OPS, min_size=1, max_size=8), min_size=1, max_size=6)
FIELDS = ("id", "status", "analysis_id")


@given(st.lists(st.tuples(TABLES, st.integers(1, 10**6).map(str), st.one_of(st.none(), DOCS)), max_size=6))
def test_the_line_is_the_one_encode_record_writes_and_each_span_is_its_document(ops: list[Any]) -> None:
    line, spans = encode_record_spans(ops)
    assert line == encode_record(ops)
    assert len(spans) == len(ops)
    for (_, _, doc), (at, length) in zip(ops, spans, strict=True):
        assert (at, length) == (0, 0) if doc is None else line[at:at + length] == orjson.dumps(doc)


def _write(path: Path, commits: list[list[Any]], bulk: bool) -> Journal:
    journal = Journal(path)
    for ops in commits:
        if bulk:
            with journal.compaction_deferred(), journal.transaction():
                for table, doc_id, doc in ops:
                    _put(journal, table, doc_id, doc)
        else:
            with journal.transaction():
                for table, doc_id, doc in ops:
                    _put(journal, table, doc_id, doc)
    return journal


def _put(journal: Journal, table: str, doc_id: str, doc: dict[str, Any] | None) -> None:
    if doc is None and doc_id not in journal.docs(table):
        return  # nothing to remove
    journal.put(table, doc_id, doc)


def _reads(journal: Journal) -> dict[str, Any]:
    """Every way a table is read, table by table."""
    out: dict[str, Any] = {}
    for name, docs in sorted(journal.tables.items()):
        if name == META:
            continue
        assert isinstance(docs, LazyDocs)
        out[name] = {"items": list(docs.items()), "len": len(docs), "keys": list(docs),
                     "raw": {key: docs.raw(key) for key in list(docs) + ["99"]},
                     "get": {key: docs.get(key) for key in list(docs) + ["99"]},
                     "rows": list(docs.rows(FIELDS)), "field_rows": list(docs.field_rows(FIELDS)),
                     "columns": docs.field_columns(FIELDS), "max_id": docs.max_id(), "copy": dict(docs.copy())}
    return out


def _spilled(journal: Journal) -> int:
    return sum(type(v) is int for t in journal.tables.values() if isinstance(t, LazyDocs) for v in t.changed.values())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(commits=COMMITS, later=COMMITS)
def test_a_spilled_table_reads_as_the_held_one_and_folds_into_the_same_snapshot(
        tmp_path_factory: pytest.TempPathFactory, commits: list[list[Any]], later: list[list[Any]]) -> None:
    folder = tmp_path_factory.mktemp("spill")
    held, spilled = _write(folder / "held.json", commits, False), _write(folder / "bulk.json", commits, True)
    try:
        assert _spilled(held) == 0
        held_docs = sum(v is not None for t in spilled.tables.values() if isinstance(t, LazyDocs)
                        for v in t.changed.values())
        assert _spilled(spilled) == held_docs  # every document the bulk load wrote is held as where it lies
        assert _reads(spilled) == _reads(held)
        for ops in later:  # writes after the bulk load (held as JSON again) over spilled documents
            for journal in (held, spilled):
                with journal.transaction():
                    for table, doc_id, doc in ops:
                        _put(journal, table, doc_id, doc)
        assert _reads(spilled) == _reads(held)
        held.compact()
        spilled.compact()
        assert _spilled(spilled) == 0
        assert _reads(spilled) == _reads(held)
        files = [decode_snapshot((folder / name).read_bytes()) for name in ("held.json", "bulk.json")]
        for found in files:
            found.pop(META)
        assert files[0] == files[1]
    finally:
        held.close()
        spilled.close()
    reopened = Journal(folder / "bulk.json")
    try:
        assert _reads(reopened) == _reads(Journal(folder / "held.json"))
    finally:
        reopened.close()


def test_spans_into_a_journal_no_longer_in_force_are_read_back_first(tmp_path: Path) -> None:
    journal = _write(tmp_path / "desk.json", [[("notes", "1", {"id": "a", "n": 1})]], True)
    try:
        table = journal.docs("notes")
        old = table.journal
        assert old is not None and type(table.changed["1"]) is int
        journal._reader = None  # as after another journal took the name: the next spill opens it again
        with journal.compaction_deferred(), journal.transaction():
            journal.put("notes", "2", {"id": "b", "n": 2})
        assert table.journal is not None and table.journal is not old
        assert table.changed["1"] == orjson.dumps({"id": "a", "n": 1})  # read back from the old one
        assert dict(table.items()) == {"1": {"id": "a", "n": 1}, "2": {"id": "b", "n": 2}}
    finally:
        journal.close()


def test_a_document_rewritten_in_the_same_commit_is_held_as_its_last_version(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "desk.json")
    try:
        with journal.compaction_deferred(), journal.transaction():
            journal.put("notes", "1", {"id": "a", "n": 1})
            journal.put("notes", "1", {"id": "a", "n": 2})  # the same length as the first
        assert journal.docs("notes")["1"] == {"id": "a", "n": 2}
    finally:
        journal.close()


@settings(max_examples=30, deadline=None)
@given(commits=st.lists(OPS, min_size=1, max_size=8), pieces=st.integers(1, 5))
def test_columns_written_in_pieces_are_the_whole_lists(commits: list[Any], pieces: int) -> None:
    tables: dict[str, dict[str, Any]] = {META: {"1": {"app": "triagedesk"}}}
    for table, doc_id, doc in commits:
        if doc is not None:
            tables.setdefault(table, {})[doc_id] = doc
    whole = encode_snapshot(tables)
    piece = snapshot_file._PIECE
    snapshot_file._PIECE = pieces
    try:
        written = encode_snapshot(tables)
    finally:
        snapshot_file._PIECE = piece
    # every byte before the directory is the whole lists' (the directory also says where each piece starts)
    assert written.rsplit(b"\n", 3)[0] == whole.rsplit(b"\n", 3)[0]
    assert decode_snapshot(written) == decode_snapshot(whole)


@given(st.lists(st.tuples(st.integers(1, 12).map(str), st.one_of(st.none(), st.integers(0, 20))), max_size=30))
def test_the_id_index_kept_without_its_reverse_is_the_one_built_from_the_table(ops: list[Any]) -> None:
    tables = RecordTables({"notes": LazyDocs()})
    tables.id_index("notes")  # built (empty) before the first write, as a bulk load's first put builds it
    holder: dict[str, str] = {}  # id -> doc_id: one document per id
    for doc_id, number in ops:
        key = None if number is None else f"k{number}"
        if key is not None and holder.get(key, doc_id) != doc_id:
            continue
        docs = tables.docs("notes")
        old = docs.get(doc_id)
        if old is not None:
            holder.pop(old["id"], None)
        if key is None:
            if doc_id in docs:
                tables.apply("notes", doc_id, None)
            continue
        tables.apply("notes", doc_id, {"id": key})
        holder[key] = doc_id
    fresh = RecordTables(tables.raw)
    assert tables.id_index("notes") == fresh.id_index("notes") == holder
