"""A document written since the snapshot is held at about its JSON size, not in orjson's larger write buffer."""

from __future__ import annotations

import tracemalloc

import orjson

from triagedesk.store.lazy_docs import LazyDocs

DOC = {"id": "INC-000001", "title": "Primary database outage", "text": "x" * 500, "tags": ["a", "b"]}


def _held(fill) -> int:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = fill()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(kept) == 2000
    return held


def _written() -> LazyDocs:
    docs = LazyDocs()
    for n in range(2000):
        docs[str(n)] = DOC
    return docs


def test_written_documents_cost_about_their_json() -> None:
    size = len(orjson.dumps(DOC))  # ~600 bytes; orjson's own result holds a buffer of ~4 KB
    assert _held(_written) < 2000 * 2 * size
    assert _held(lambda: LazyDocs.of({str(n): DOC for n in range(2000)})) < 2000 * 2 * size
    assert _written()["7"] == DOC
