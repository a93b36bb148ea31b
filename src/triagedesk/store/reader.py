"""A store opened to answer a question from its columns and records, importing no model: `search` and `kb search`
read through it (the models are imported only by whoever validates the few records it prints)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from triagedesk.store.indexes import Indexes
from triagedesk.store.journal import Journal
from triagedesk.store.kinds import INDEXED
from triagedesk.store.migrations import migrate


class StoreReader:
    """The store at a path, open to be read (never written): its columns, records and knowledge index. Each span
    of the snapshot read is checked against its own checksum; `answerable()` before answering."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Open the store at `path`, which must exist (`StoreError` naming it otherwise)."""
        self.journal = Journal(path, create=False, reading=True)
        try:
            migrate(self.journal)  # an older schema is migrated once, as by any other command
            self.journal.install_indexes(Indexes(INDEXED, lean=True))
        except BaseException:
            self.journal.close()
            raise

    @property
    def path(self) -> Any:
        return self.journal.path

    def field_columns(self, kind: str, fields: tuple[str, ...],
                      keyed: bool = True) -> tuple[list[str], list[list[Any]]]:
        """Every record of `kind`: its doc_ids and one list of values per field (as `Store.field_columns`)."""
        journal = self.journal
        journal.refresh()
        with journal.mutex:
            return journal.docs(kind).field_columns(fields, keyed)

    def stored(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        """The stored document of `kind` under `doc_id` (a fresh copy), as it is now."""
        with self.journal.mutex:
            return self.journal.tables.get(kind, {}).get(doc_id)

    def knowledge_search(self, text: str, limit: int) -> list[tuple[dict[str, Any], float, tuple[str, ...]]]:
        """The knowledge base's best entries for `text` (documents, scores, words), ranked as its inverted index
        ranks them: from the index kept beside the snapshot (store/knowledge_file.py, built when missing), else
        from the stored terms of each entry."""
        from triagedesk.store import knowledge_file
        from triagedesk.store.code_digest import code_digest
        from triagedesk.store.side_files import answered

        found = answered(self.journal, "knowledge", knowledge_file.path_of(Path(self.path)),
                         lambda name, base: knowledge_file.encode(name, base), knowledge_file.open_index,
                         lambda index, docs, changes: knowledge_file.rank(index, docs, changes, text, limit),
                         code_digest("triagedesk.store.knowledge_file", "triagedesk.domain.insight.knowledge"))
        if found is not None:
            return found
        return self.knowledge_scan(text, limit)

    def knowledge_scan(self, text: str, limit: int) -> list[tuple[dict[str, Any], float, tuple[str, ...]]]:
        """`knowledge_search` from the stored terms of every entry (what the side file is tested equal to)."""
        from triagedesk.domain.insight.knowledge import rank_stored

        keys, (ids, terms) = self.field_columns("knowledge", ("id", "$terms"))
        out = []
        for hit in rank_stored(ids, terms, text, limit):
            doc = self.stored("knowledge", keys[int(hit.key)])
            if doc is not None:
                out.append((doc, hit.score, hit.matched))
        return out

    def answerable(self) -> None:
        """Wait until what was read may be answered with; a `StoreCorrupt` naming damage found."""
        self.journal.answerable()

    def close(self) -> None:
        self.journal.close()


__all__ = ["StoreReader"]
