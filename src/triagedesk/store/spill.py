"""A bulk load's commits held as where their documents lie in the journal, not as their JSON (`LazyDocs.spill`)."""

from __future__ import annotations

import os
from typing import Any

from triagedesk.store.identity import identity_of
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.snapshot_table import OpenSnapshot


def spill(journal: Any, start: int, line: bytes, spans: list[tuple[int, int]]) -> None:
    """The journal's commit just written at `start` (`line`, each op's document at its span): its tables hold
    where each document lies in the journal, not its JSON, so a load of millions of records does not hold them
    all (the fold reads them back in spans). Nothing is spilled when the journal cannot be opened for reading as
    the same file. The journal keeps its reader as `_reader`: (the journal file's identity, the file open)."""
    files = journal.files
    identity = files.journal_id
    if journal._reader is None or journal._reader[0] != identity:
        try:
            handle = open(files.journal_path, "rb")
        except OSError:
            return
        if identity_of(os.fstat(handle.fileno())) != identity:
            handle.close()
            return
        journal._reader = (identity, OpenSnapshot(handle, name=str(files.journal_path)))
    reader, view = journal._reader[1], memoryview(line)
    for (table, doc_id, doc), (at, length) in zip(journal._pending, spans, strict=True):
        docs = journal.records.raw.get(table)
        if doc is not None and isinstance(docs, LazyDocs):
            docs.spill(doc_id, reader, start + at, view[at:at + length])


__all__ = ["spill"]
