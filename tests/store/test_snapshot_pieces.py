"""A snapshot's stored lists read a piece at a time (issue #24: one parse of a million-value column held the GIL for
80-170 ms): the pieces give exactly the whole list's values, a snapshot without cuts reads as before, and cuts out of
place or off a comma are damage, never wrong values."""

from __future__ import annotations

import zlib
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import triagedesk.store.snapshot_file as snapshot_file
from triagedesk.store.errors import StoreCorrupt
from triagedesk.store.journal_format import APP, META, Damaged
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.snapshot_file import _cuts, _cuts_of, _open, encode_snapshot
from triagedesk.store.snapshot_table import OpenSnapshot, SnapshotTable, _in_pieces

# lone surrogates cannot reach a store (domain.inputs refuses them on the way in), so none here
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.text(alphabet=st.characters(codec="utf-8"), max_size=6),
                    st.sampled_from([",", '","', "]", "[", '\\",']))


@given(values=st.lists(SCALARS, max_size=40), size=st.integers(1, 7))
@settings(max_examples=300, deadline=None)
def test_a_list_read_in_pieces_is_the_list(values: list[Any], size: int) -> None:
    pieces = [orjson.dumps(values[n:n + size])[1:-1] for n in range(0, len(values), size)]  # as the writer holds it
    blob = b"[" + b",".join(pieces) + b"]"
    assert blob == orjson.dumps(values)
    cuts = _cuts(pieces)
    assert len(cuts) == max(len(pieces) - 1, 0)
    assert _in_pieces(blob, cuts) == orjson.loads(blob)


def _tables(docs: dict[str, dict[str, Any]]) -> tuple[bytes, dict[str, Any]]:
    meta = {"1": {"app": APP, "schema": 2, "generation": 1}}
    data = encode_snapshot({META: meta, "requests": docs})
    return data, _open(OpenSnapshot(None, data, "test"), len(data), verify=True)


DOCS = st.dictionaries(st.integers(1, 500).map(str), st.fixed_dictionaries(
    {"id": st.text(max_size=4), "status": SCALARS, "analysis_id": SCALARS}), max_size=60)


@given(docs=DOCS, piece=st.integers(1, 9))
@settings(max_examples=60, deadline=None)
def test_a_snapshot_written_in_pieces_reads_every_column_as_one_written_whole(docs: dict[str, dict[str, Any]],
                                                                             piece: int) -> None:
    ordered = dict(sorted(docs.items(), key=lambda item: int(item[0])))
    held = snapshot_file._PIECE
    try:
        snapshot_file._PIECE = piece  # pieces of a few values: cuts in every list longer than one piece
        cut_data, cut = _tables(ordered)
    finally:
        snapshot_file._PIECE = held
    whole_data, whole = _tables(ordered)
    assert cut_data.split(b"\n#directory")[0].count(b"\n") == whole_data.split(b"\n#directory")[0].count(b"\n")
    table, plain = cut["requests"], whole["requests"]
    assert isinstance(table, LazyDocs) and isinstance(plain, LazyDocs)
    assert table.base is not None and plain.base is not None
    assert (len(ordered) > piece) == bool(table.base._cuts)  # cuts exactly when a list has more than one piece
    assert not plain.base._cuts
    for field in table.base.fields:
        assert table.base.column(field) == plain.base.column(field)
    assert list(table.base.keys()) == list(plain.base.keys())
    assert dict(table.items()) == dict(plain.items()) == ordered


def test_a_cut_not_just_after_a_comma_is_damage() -> None:
    assert _in_pieces(b"[1,2,3]", [3]) == [1, 2, 3]
    assert _in_pieces(b"[1,2,3]", [2]) is None  # inside a value
    assert _in_pieces(b"[1,2,3", [3]) is None
    held = snapshot_file._PIECE
    try:
        snapshot_file._PIECE = 2
        _, tables = _tables({str(n): {"id": f"r{n}", "status": "open", "analysis_id": None} for n in range(1, 9)})
    finally:
        snapshot_file._PIECE = held
    base = tables["requests"].base
    assert isinstance(base, SnapshotTable) and base._cuts["id"]
    forged = SnapshotTable(base.file, base.start, base.end, base.count, base._parts, base.max_id, base.spans,
                           {**base._cuts, "id": [cut + 1 for cut in base._cuts["id"]]})
    with pytest.raises(StoreCorrupt):
        forged.column("id")


@pytest.mark.parametrize("cuts", [[5, 3], [1], [0], [100], [3, 3], "12", [None]])
def test_cuts_out_of_place_are_a_damaged_directory(cuts: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        _cuts_of([0, 20, 0, cuts])
    assert _cuts_of([0, 20, 0, [3, 7]]) == [3, 7]


def test_a_snapshot_with_cuts_out_of_place_does_not_open() -> None:
    held = snapshot_file._PIECE
    try:
        snapshot_file._PIECE = 2
        data, _ = _tables({str(n): {"id": f"r{n}", "status": "open", "analysis_id": None} for n in range(1, 9)})
    finally:
        snapshot_file._PIECE = held
    head, directory, end, _ = data.rsplit(b"\n", 3)
    assert end.startswith(snapshot_file._END)
    entry = orjson.loads(directory)
    entry["tables"]["requests"]["parts"]["id"][3] = [10**9]  # past the list's end
    forged = orjson.dumps(entry)
    body = head + b"\n" + forged + b"\n"  # its checksums made right again: only the cuts are wrong
    text = snapshot_file._END + b"%016d %016d dcrc=%08x crc=" % (len(head) + 1, len(forged), zlib.crc32(forged))
    rebuilt = body + text + b"%08x\n" % zlib.crc32(text, zlib.crc32(body))
    with pytest.raises(Damaged, match="directory entry"):
        _open(OpenSnapshot(None, rebuilt, "test"), len(rebuilt), verify=True)


def test_a_build_steps_between_the_pieces_of_a_column() -> None:
    held = snapshot_file._PIECE
    try:
        snapshot_file._PIECE = 3
        _, tables = _tables({str(n): {"id": f"r{n}", "status": "open", "analysis_id": None} for n in range(1, 11)})
    finally:
        snapshot_file._PIECE = held
    base, steps = tables["requests"].base, []
    assert isinstance(base, SnapshotTable)
    assert base.column("id", lambda: steps.append(len(steps))) == [f"r{n}" for n in range(1, 11)]
    assert len(steps) == 4  # 10 values in pieces of 3: a step after each piece
