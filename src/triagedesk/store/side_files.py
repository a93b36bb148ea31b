"""The side files kept beside a snapshot (caches, never records): opened when built from that snapshot, else
built from it (written once what was read is known good, held in memory where the folder cannot be written),
and asked with the journal's changes since the snapshot, built again once when found damaged."""

from __future__ import annotations

import errno
import mmap
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from triagedesk.store.buckets import Damaged
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.snapshot_file import END_LENGTH


def identity(docs: LazyDocs) -> str | None:
    """The snapshot's last line (its checksums, its directory's place) and size, read through a table of it."""
    base = docs.base
    if base is None or base.file.handle is None:
        return None
    size = os.fstat(base.file.handle.fileno()).st_size
    return f"{size} " + base.file.read(size - END_LENGTH, END_LENGTH).decode("latin-1")


def changes_of(docs: LazyDocs) -> dict[str, Any]:
    """doc_id -> the document now (None: removed) of every record written since the snapshot (the caller holds
    the journal's mutex)."""
    return {key: None if found is None else docs.parse(docs._data(found)) for key, found in list(docs.changed.items())}


def open_regular(path: Path) -> BinaryIO:
    """`path` opened to be read when it is a regular file; an OSError for anything else, never waited on (a named
    pipe put in a side file's place would hold its reader, and a compaction's carry under the store's lock)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return open(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def mapped(path: Path) -> Any:
    """The file at `path` mapped to be read, or None."""
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    except (OSError, ValueError):
        return None


def build(path: Path, pieces: Callable[[], Iterable[bytes]], answerable: Callable[[], None]) -> Any:
    """Write the file `pieces()` gives at `path` once `answerable()` passes; its bytes, mapped (or in memory)."""
    from triagedesk.files import put_in_place, stage

    try:
        staged: Path | None = stage(path, pieces())
    except OSError:
        staged = None
    try:
        answerable()
    except BaseException:
        if staged is not None:
            staged.unlink(missing_ok=True)  # nothing read from a damaged snapshot is kept
        raise
    if staged is not None:
        try:
            put_in_place(staged, path)
            found = mapped(path)
            if found is not None:
                return found
        except OSError:
            staged.unlink(missing_ok=True)
    return b"".join(pieces())


def answered(journal: Any, table: str, path: Path, encode: Callable[[str, Any], Iterable[bytes]],
             opener: Callable[[Any, str], Any], ask: Callable[[Any, LazyDocs, dict[str, Any]], Any],
             shaped_by: str = "") -> Any:
    """`ask(index, docs, changes)` of the side file at `path` over `table`; None when the table has no snapshot
    of its own (the caller answers its own way). `shaped_by`: the digest of the code that writes and reads the
    file (store/code_digest.py), part of its name: a file from other code is built again."""
    journal.refresh()
    with journal.mutex:
        docs = journal.docs(table)
        name = identity(docs) if isinstance(docs, LazyDocs) else None
        if name is None:
            return None
        name = f"{name} {shaped_by}" if shaped_by else name
        changes = changes_of(docs)
    for rebuild in (False, True):
        try:
            buffer = None if rebuild else mapped(path)
            index = opener(buffer, name) if buffer is not None else None
            if index is None:
                index = opener(build(path, lambda: encode(name, docs.base), journal.answerable), name)
            if index is None:
                raise Damaged("not readable as it was written")
            return ask(index, docs, changes)
        except Damaged:
            continue
    return None


__all__ = ["answered", "build", "changes_of", "identity", "mapped", "open_regular"]
