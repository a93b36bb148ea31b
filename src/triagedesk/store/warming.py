"""Building the store's indexes ahead of their first use without holding the journal's lock for a build: each is
built outside the lock from a copy of its table (the snapshot's part shared: its stored columns are read and the
index built after the lock is let go), and put in place only if nothing changed meanwhile (else it is let go: the
next lookup builds it as before). A lookup on another thread waits for no warm-up. A build takes a `step()` it
calls between chunks of its work (the desk's waits there while a key is not painted yet), unless a lookup waits
for it: then it runs in one go (the lookup is what a key is waiting for)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from triagedesk.store.compact_fields import CompactField, build_field
from triagedesk.store.id_index import IdIndex
from triagedesk.store.indexes import knowledge_of
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.postings import nothing


class _Build(threading.Event):
    """Set when a build ends; `waited`: a lookup waits for it (its steps then let nothing pass)."""

    def __init__(self) -> None:
        super().__init__()
        self.waited = False


_WORKERS_STEP: list[Callable[[], None]] = [nothing]
"""The `step()` of a build a lookup starts on a thread other than the UI's (main) one, not holding the journal's
lock (`steps_on_workers`): a pane's worker (the Timers pane's first read at 1M built the requests' status index,
~1 s of the interpreter) lets keys pass too."""


_HANDING = threading.Lock()


def steps_on_workers(step: Callable[[], None]) -> None:
    """Every build a worker's lookup starts from now on calls `step()` between its chunks (the desk's: wait while
    a key is not painted); the main thread's own builds and those under the journal's lock never do."""
    with _HANDING:
        _WORKERS_STEP[0] = step


def takes_back(step: Callable[[], None]) -> None:
    """Workers' builds no longer call `step()` (a closing desk's), unless another's step was handed since (another
    desk in the process: its workers go on stepping as it asked)."""
    with _HANDING:
        if _WORKERS_STEP[0] is step:
            _WORKERS_STEP[0] = nothing


_BUILDING: dict[tuple[int, str], _Build] = {}
"""(journal, index) -> set when the build of that index on some thread ends."""
_BUILDING_LOCK = threading.Lock()
WAIT_LIMIT = 60.0
"""Seconds a lookup waits for another thread's build of its index at most (then it builds it itself)."""


def _held_here(mutex: Any) -> bool:
    """Whether this thread holds the journal's (reentrant) lock."""
    owned = getattr(mutex, "_is_owned", None)
    return True if owned is None else bool(owned())


def aside(journal: Any, copy: Callable[[], Any], build: Callable[[Any, Callable[[], None]], Any],
          install: Callable[[Any], None], done: Callable[[], bool], name: str = "",
          step: Callable[[], None] = nothing) -> None:
    """`copy()` under the lock (unless `done()`), `build(copy, step)` outside it, `install(built)` under the lock
    when the journal's documents did not change in between and the index is still not built. While another thread
    builds the same index (`name`: the warm-up's, a lookup's), wait for it rather than build it again beside it
    (at 1M records a build is a second of the interpreter: the first cursor move's lookups waited twice); the
    build's `step()` lets nothing pass from then on."""
    if done():  # (read without the lock: a lookup of a built index pays nothing more; checked again under it)
        return
    key = (id(journal), name)
    with _BUILDING_LOCK:
        running = _BUILDING.get(key) if name else None
        if running is None and name:
            mine = _BUILDING[key] = _Build()
    if running is not None:
        if not _held_here(journal.mutex) and threading.current_thread() is not threading.main_thread():
            # (holding the lock, waiting would keep the build from being put in place; and the UI's thread never
            # waits for a build that gives way to the keys it has not painted yet: it builds as before)
            running.waited = True
            running.wait(WAIT_LIMIT)
        return  # the caller's lookup finds it; or builds it under the lock (let go: the table changed meanwhile)
    if step is nothing and threading.current_thread() is not threading.main_thread() and \
            not _held_here(journal.mutex):
        step = _WORKERS_STEP[0]
    try:
        with journal.mutex:
            if done():
                return
            version = journal.version
            copied = copy()
        built = build(copied, (lambda: None if mine.waited else step()) if name else step)
        with journal.mutex:
            if journal.version == version and not done():
                install(built)
    finally:
        if name:
            with _BUILDING_LOCK:
                del _BUILDING[key]
            mine.set()


def id_index(journal: Any, table: str, step: Callable[[], None] = nothing) -> None:
    """The table's `id` -> doc_id index (see `RecordTables.id_index`); `step()` between chunks of its build."""
    records = journal.records
    if not isinstance(records.raw.get(table), LazyDocs):
        return  # (the table's first lookup builds it, under the lock: no snapshot to read it from)
    made: list[IdIndex] = []

    def build(docs: LazyDocs, stepping: Callable[[], None]) -> IdIndex:
        made.append(IdIndex.of(docs, ordered=False, step=stepping))  # put in place first: a lookup meanwhile
        return made[-1]  # searches its text

    aside(journal, lambda: journal.docs(table).copy(), build,
          lambda built: records.adopt_id_index(table, built), lambda: records.has_id_index(table), f"id {table}",
          step)
    for index in made:
        index.complete(step)  # outside the lock (what it reads never changes); lookups then bisect


def field(journal: Any, table: str, name: str, step: Callable[[], None] = nothing) -> None:
    """One declared field index of the table (see `FieldIndex.of`); `step()` between chunks of its build."""
    indexes = journal._installed()
    docs = journal.docs(table)
    with journal.mutex:
        if table not in indexes.declared:
            return  # the lookup names the mistake
        index = indexes.field(table, docs)
    if name not in index.fields or index.lean:
        return  # a lean reader's lookup scans the field's column (`FieldIndex.lean`): no index to build
    if not isinstance(docs, LazyDocs):
        with journal.mutex:
            index.of(name)
        return

    def install(built: CompactField) -> None:
        if indexes.fields.get(table) is index:
            index.built[name] = built

    aside(journal, lambda: journal.docs(table).copy(), lambda docs, stepping: build_field(docs, name, stepping),
          install, lambda: name in index.built or indexes.fields.get(table) is not index, f"{table}.{name}", step)


def knowledge(journal: Any, between: Callable[[], None]) -> None:
    """The knowledge index ahead of the first search (a worker), its entries indexed outside the mutex in chunks
    with `between()` after each (~0.4 s of Python at 100k entries otherwise held the mutex and shared the GIL with
    the UI thread in one go); a change meanwhile leaves it to the first search."""
    journal.refresh()
    indexes = journal._installed()
    with journal.mutex:
        docs, version = journal.records.raw.get("knowledge", {}), journal.version
        held = docs.copy() if isinstance(docs, LazyDocs) and indexes.knowledge is None else None
    if held is None:
        return
    built = knowledge_of(held, between)  # the columns read outside the mutex too
    with journal.mutex:
        if journal.version == version and journal.records.raw.get("knowledge") is docs and indexes.knowledge is None:
            indexes.knowledge = built


__all__ = ["aside", "field", "id_index", "knowledge", "steps_on_workers", "takes_back"]
