"""The JSONL export of a large table encoded on two cores: a forked worker loads and dumps every other batch of
records while this process does the rest, and the batches go out in the table's order: the same bytes as one
process writes (tested), about half the time on an idle second core."""

from __future__ import annotations

import os
import pickle
import signal
import struct
from collections.abc import Iterator
from typing import Any

from triagedesk.app.exporting import jsonl_lines, loaded
from triagedesk.store.errors import StoreError
from triagedesk.store.repositories import Store

BATCH = 2000
"""Records per batch: the worker takes the odd batches, this process the even ones."""
_HEAD = struct.Struct(">cQ")
"""A frame from the worker: its kind (D: a batch's bytes, E: the error that stopped it, Z: done) and length."""


def split_jsonl(store: Store, kind: str, batch: int = BATCH) -> Iterator[bytes] | None:
    """The JSONL export of `kind` as chunks (one a batch), encoded by this process and a forked worker; None when
    there is one batch or less, one core, or no fork (the caller encodes it alone). The worker is forked here,
    before the caller starts any thread, and is ended when the chunks are (a reader that stops early too)."""
    journal = store.journal
    journal.refresh()
    with journal.mutex:
        docs = journal.docs(kind)  # both processes walk these records: no catch-up in between
    if len(docs) <= batch or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        return None
    keys = list(docs)  # the table's order, the same in both processes
    reading, writing = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(reading)
        os.close(writing)
        return None
    if pid == 0:  # the worker: never returns
        os.close(reading)
        _work(store, kind, _batches(docs, keys, batch, 1), writing)
    os.close(writing)
    return _merged(store, kind, _batches(docs, keys, batch, 0), reading, pid)


def _batches(docs: Any, keys: list[str], batch: int, side: int) -> Iterator[list[bytes] | None]:
    """Each batch of the table's records in order: this side's read (their JSON), the other side's None (not read:
    each process reads only the records it encodes)."""
    for n, at in enumerate(range(0, len(keys), batch)):
        if n % 2 != side:
            yield None
            continue
        yield [data for _, data in docs.raw_many(keys[at:at + batch]) if data is not None]


def _encoded(store: Store, kind: str, records: list[bytes]) -> bytes:
    return b"".join(jsonl_lines(store, kind, loaded(store, kind, records)))


def _work(store: Store, kind: str, batches: Iterator[list[bytes] | None], out: int) -> None:
    """The worker: the odd batches' bytes, each as a frame, then Z; the error that stopped it as E."""
    code = 0
    try:
        for found in batches:
            if found is not None:
                _send(out, b"D", _encoded(store, kind, found))
        _send(out, b"Z", b"")
    except BaseException as exc:  # noqa: BLE001  # handed to the reader, which raises it
        try:
            _send(out, b"E", pickle.dumps(exc))
        except Exception:  # noqa: BLE001  # an exception that will not pickle: its words
            _send(out, b"E", pickle.dumps(StoreError(f"the export's worker failed: {exc!r}")))
        code = 1
    finally:
        os._exit(code)  # nothing of this process's buffers or exit handlers runs twice


def _send(out: int, kind: bytes, payload: bytes) -> None:
    view = memoryview(_HEAD.pack(kind, len(payload)) + payload)
    while view:
        view = view[os.write(out, view):]


def _read(source: int, size: int) -> bytes:
    parts = []
    while size:
        part = os.read(source, min(size, 1 << 20))
        if not part:
            raise StoreError("the export's worker stopped before it was done")
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _receive(source: int) -> tuple[bytes, bytes]:
    kind, size = _HEAD.unpack(_read(source, _HEAD.size))
    payload = _read(source, size)
    if kind == b"E":
        raise pickle.loads(payload)
    return kind, payload


def _merged(store: Store, kind: str, batches: Iterator[list[bytes] | None], source: int,
            pid: int) -> Iterator[bytes]:
    done = False
    try:
        for found in batches:
            if found is not None:
                yield _encoded(store, kind, found)
                continue
            what, payload = _receive(source)
            if what != b"D":
                raise StoreError("the export's worker ended early")
            yield payload
        what, _ = _receive(source)
        if what != b"Z":
            raise StoreError("the export's worker sent more than was asked")
        done = True
    finally:
        os.close(source)
        if not done:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.waitpid(pid, 0)


__all__ = ["BATCH", "split_jsonl"]
