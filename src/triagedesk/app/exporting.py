"""`export` streamed: each record read, loaded by its model (one it cannot load is left out and told, as
`Repository.all` does) and written out before the next is read; memory stays that of one chunk."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

import orjson
from pydantic import BaseModel, ValidationError

from triagedesk.formats.transfer import Format, export_dumps
from triagedesk.store.errors import StoreCorrupt
from triagedesk.store.repositories import Store
from triagedesk.store.stream import raw_json


def models(store: Store, kind: str) -> Iterator[BaseModel]:
    """Every loadable record of `kind`, in order, loaded as `Repository.all` loads them (tested equal)."""
    return loaded(store, kind, (data for _, data in raw_json(store, kind)))


def loaded(store: Store, kind: str, records: Iterable[bytes]) -> Iterator[BaseModel]:
    """The loadable ones of these stored records of `kind` (their JSON), in order, as `Repository.all` loads
    them; one the models cannot load is left out and told."""
    repository = store.repository(kind)
    validate = repository.model.__pydantic_validator__.validate_python  # what `model_validate` calls
    for data in records:
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise StoreCorrupt(f"{store.path}: a damaged {kind} record; run `triagedesk db check` and "
                               "`triagedesk db repair`") from None
        if not isinstance(doc, dict):
            continue
        if data.count(b'"_') == 1 and doc.pop("_updated_at", None) is not None:
            try:  # the store's one field taken out in place: no copy of the record
                yield validate(doc)
                continue
            except ValidationError:
                pass  # loaded below, to be told as the records' loading tells it
        found = repository.loadable(doc)
        if found is not None:
            yield found


def export_chunks(store: Store, kind: str, fmt: Format) -> Iterator[bytes]:
    """The export of every record of `kind` in `fmt` as UTF-8, in chunks, as the records are read. A large JSONL
    export is encoded on two cores (app/export_split.py); the bytes are the same."""
    if fmt == "jsonl":  # the model's own JSON: what orjson makes of its dump, without the dump (tested equal)
        from triagedesk.app.export_split import split_jsonl

        split = split_jsonl(store, kind)
        if split is not None:
            return split
        return _chunks(jsonl_lines(store, kind, models(store, kind)))
    return (chunk.encode() for chunk in export_dumps((m.model_dump(mode="json") for m in models(store, kind)),
                                                     fmt, store.repository(kind).model))


def jsonl_lines(store: Store, kind: str, found: Iterable[BaseModel]) -> Iterator[bytes]:
    """Each model's JSON line, as the export writes it."""
    dump = store.repository(kind).model.__pydantic_serializer__.to_json
    return (dump(model) + b"\n" for model in found)


def _chunks(lines: Iterator[bytes]) -> Iterator[bytes]:
    parts: list[bytes] = []
    size = 0
    for line in lines:
        parts.append(line)
        size += len(line)
        if size > 1 << 20:
            yield b"".join(parts)
            parts, size = [], 0
    yield b"".join(parts)


HELD = 32 << 20
"""What an export holds back (bytes) while the snapshot is still being checked: past it, it waits."""


def once_checked(store: Store, chunks: Iterator[bytes], kind: str | None = None) -> Iterator[bytes]:
    """`chunks` let out only once what they are read from is known good: the spans of `kind`'s records (when the
    snapshot checks its spans; read on a thread), else the snapshot's whole-file checksum. The work goes on
    meanwhile, its first chunks held (up to `HELD`); a damaged table lets out nothing."""
    journal = store.journal
    spans: Checking | None = Checking(store, kind) if kind is not None and journal.spans_checked else None
    held: list[bytes] | None = []
    size = 0
    for chunk in chunks:
        if held is None:
            yield chunk
            continue
        held.append(chunk)
        size += len(chunk)
        running = journal.verification
        if spans is not None:
            if spans.done() or size > HELD:
                spans.result()
            else:
                continue
        elif not (running is None or running.done() or size > HELD):
            continue
        journal.answerable()
        yield from held
        held = None
    if held is not None:
        if spans is not None:
            spans.result()
        journal.answerable()
        yield from held


class Checking:
    """Every span of one table's snapshot records checked on a thread (the reads and the CRC free the GIL)."""

    def __init__(self, store: Store, kind: str) -> None:
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(store, kind), name="table-checksums", daemon=True)
        self._thread.start()

    def _run(self, store: Store, kind: str) -> None:
        try:
            store.journal.check_spans(kind)
        except BaseException as exc:  # noqa: BLE001  # handed to the reader: a damaged span is its one-line error
            self._error = exc

    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error
