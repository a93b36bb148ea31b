"""`db check`'s validation of every record on two cores: a forked worker validates every other batch of each
table's records while this process does the rest; the same findings, in the same order, as `validity.scan` (tested).
Each record is loaded as `validity.problem` loads it, its store field taken out in place rather than by a copy."""

from __future__ import annotations

import os
import pickle
import struct
import threading
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from triagedesk.domain.kinds import MODELS
from triagedesk.store import validity
from triagedesk.store.errors import StoreError
from triagedesk.store.lazy_docs import LazyDocs

BATCH = 2000
"""Records per batch: the worker takes the odd batches of each table, this process the even ones."""
_SIZE = struct.Struct(">cQ")

Found = list[tuple[int, int, validity.Invalid]]  # (kind's place in MODELS, the record's place in its table, what)


def scan(tables: dict[str, Any], batch: int = BATCH) -> list[validity.Invalid]:
    """Every record of every kind that its model cannot load (`validity.scan`), on two cores when there is more
    than one batch of records, two cores, a fork, and no other thread in this process (a fork copies no thread but
    every lock one may hold: the `db check` command has none)."""
    total = sum(len(tables.get(kind) or ()) for kind in MODELS)
    alone = threading.active_count() == 1
    if total <= batch or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork") or not alone:
        return [bad for _, _, bad in _scan(tables, batch, None)]
    reading, writing = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(reading)
        os.close(writing)
        return [bad for _, _, bad in _scan(tables, batch, None)]
    if pid == 0:  # the worker: never returns
        os.close(reading)
        _work(tables, batch, writing)
    os.close(writing)
    try:
        mine = _scan(tables, batch, 0)
        theirs = _receive(reading)
    finally:
        os.close(reading)
        os.waitpid(pid, 0)
    return [bad for _, _, bad in sorted(mine + theirs, key=lambda found: found[:2])]


def _work(tables: dict[str, Any], batch: int, out: int) -> None:
    code = 0
    try:
        payload = b"D" + pickle.dumps(_scan(tables, batch, 1))
    except BaseException as exc:  # noqa: BLE001  # handed to the parent, which raises it
        try:
            payload = b"E" + pickle.dumps(exc)
        except Exception:  # noqa: BLE001  # an exception that will not pickle: its words
            payload = b"E" + pickle.dumps(StoreError(f"the check's worker failed: {exc!r}"))
        code = 1
    try:
        view = memoryview(struct.pack(">Q", len(payload)) + payload)
        while view:
            view = view[os.write(out, view):]
    finally:
        os._exit(code)  # nothing of this process's buffers or exit handlers runs twice


def _read(source: int, size: int) -> bytes:
    parts = []
    while size:
        part = os.read(source, min(size, 1 << 20))
        if not part:
            raise StoreError("the check's worker stopped before it was done")
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _receive(source: int) -> Found:
    (size,) = struct.unpack(">Q", _read(source, 8))
    payload = _read(source, size)
    found = pickle.loads(payload[1:])
    if payload[:1] == b"E":
        raise found
    return found


def _records(docs: Any, batch: int, parity: int | None) -> Iterator[tuple[int, str, Any, bytes | None]]:
    """(place, doc_id, document, its JSON) of the table's records in this side's batches (the others are read, not
    parsed); a table held as documents gives no JSON."""
    if isinstance(docs, LazyDocs):
        for place, (doc_id, data) in enumerate(docs.raw_items()):
            if parity is None or (place // batch) % 2 == parity:
                yield place, doc_id, docs.parse(data), data
        return
    for place, (doc_id, doc) in enumerate(docs.items()):
        if parity is None or (place // batch) % 2 == parity:
            yield place, doc_id, doc, None


def _scan(tables: dict[str, Any], batch: int, parity: int | None) -> Found:
    found: Found = []
    for number, (kind, model) in enumerate(MODELS.items()):
        docs = tables.get(kind)
        if not docs:
            continue
        for place, doc_id, doc, data in _records(docs, batch, parity):
            error = _problem(model, doc, data)
            if error is not None:
                record_id = str(doc.get("id", "?")) if isinstance(doc, dict) else "?"
                found.append((number, place, validity.Invalid(kind, record_id, str(doc_id), error)))
    return found


def _problem(model: type[BaseModel], doc: Any, data: bytes | None) -> str | None:
    """`validity.problem`, without copying a record whose one store field is `_updated_at` (it is parsed afresh; the
    store writes JSON with orjson, which escapes no `_`, so one `"_` in it is that field's)."""
    if not isinstance(doc, dict):
        return "(record): not an object"
    if data is None or data.count(b'"_') != 1 or "_updated_at" not in doc:
        return validity.problem(model, doc)
    updated = doc.pop("_updated_at")
    try:
        model.__pydantic_validator__.validate_python(doc)
    except ValidationError as exc:
        return validity.first_error(exc)
    finally:
        doc["_updated_at"] = updated
    return None


__all__ = ["BATCH", "scan"]
