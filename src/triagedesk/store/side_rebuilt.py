"""Side files made anew by a compaction (store/carry.py) when the snapshot it folded had a valid one: the places
file (store/places.py: every record's place and offset moves with the new snapshot, so nothing of the old file
holds) and the knowledge index (store/knowledge_file.py), each built from the snapshot just written (its tables
noted under the lock), by the same code a first reader builds it with, once the compaction lets the lock go."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from triagedesk.files import atomic_write
from triagedesk.store import knowledge_file, places
from triagedesk.store.carry import Carrier, Finish, Write
from triagedesk.store.code_digest import code_digest
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.placed import SHAPED_BY
from triagedesk.store.side_files import identity, mapped

KNOWLEDGE_SHAPED_BY = code_digest("triagedesk.store.knowledge_file", "triagedesk.domain.insight.knowledge")
"""As `StoreReader.knowledge_search` names its file (store/reader.py)."""


def _places_name(tables: dict[str, Any]) -> str | None:
    """The places file's name for the snapshot the tables are read from (as `Placed` names it)."""
    name = next((named for t in places.FIELDS if isinstance(tables.get(t), LazyDocs)
                 and (named := places.identity(tables[t])) is not None), None)
    return None if name is None else f"{name} {SHAPED_BY}"


def _knowledge_name(docs: Any) -> str | None:
    name = identity(docs) if isinstance(docs, LazyDocs) else None
    return None if name is None else f"{name} {KNOWLEDGE_SHAPED_BY}"


def _written(path: Path, pieces: Callable[[], Any]) -> None:
    """Write the file (staged, renamed in: `atomic_write` removes the staged file on failure), the lock let go."""
    try:
        atomic_write(path, pieces())
    except OSError:
        pass  # a cache: the first reader builds it


def places_carrier(journal: Any) -> Carrier:
    """The places file made anew by each compaction of `journal` that folds a snapshot with a valid one."""

    def prepared() -> Finish | None:
        path = places.path_of(Path(journal.path))
        name = _places_name(journal.tables)
        if name is None or not path.exists() or places.open_file(path, name) is None:
            return None

        def finish() -> Write | None:
            with journal.mutex:  # the new snapshot's tables as they are (copies: later writes change none)
                tables = {t: docs.copy() for t in places.FIELDS if isinstance(docs := journal.tables.get(t), LazyDocs)}
            new = _places_name(tables)
            if new is None or any(docs.changed for docs in tables.values()):
                return None
            journal.answerable()  # written by this process just now (else a StoreCorrupt, and no file)
            return lambda: _written(path, lambda: places.encode(new, tables))

        return finish

    return prepared


def knowledge_carrier(journal: Any) -> Carrier:
    """The knowledge index made anew by each compaction of `journal` that folds a snapshot with a valid one."""

    def prepared() -> Finish | None:
        path = knowledge_file.path_of(Path(journal.path))
        name = _knowledge_name(journal.docs("knowledge"))
        buffer = mapped(path) if name is not None else None
        if name is None or buffer is None or knowledge_file.open_index(buffer, name) is None:
            return None

        def finish() -> Write | None:
            with journal.mutex:
                docs = journal.docs("knowledge").copy()
            new, base = _knowledge_name(docs), docs.base  # the snapshot's table: it never changes
            if new is None or base is None or docs.changed:
                return None
            journal.answerable()
            return lambda: _written(path, lambda: knowledge_file.encode(new, base))

        return finish

    return prepared


__all__ = ["knowledge_carrier", "places_carrier"]
