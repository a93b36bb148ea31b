"""One table of one model: pydantic models in and out, every change audited (the `Store` holds one per kind)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from triagedesk.domain import instants
from triagedesk.domain.records import new_id, utcnow
from triagedesk.store.errors import StoreError

if TYPE_CHECKING:
    from triagedesk.store.repositories import Store
    from triagedesk.store.table import JournalTable

M = TypeVar("M", bound=BaseModel)


def to_doc(model: BaseModel, updated_at: datetime | None = None) -> dict[str, Any]:
    """The stored form of a model: its JSON dump plus the store's own `_updated_at`."""
    doc = model.model_dump(mode="json")
    doc["_updated_at"] = instants.stamp(updated_at or utcnow())
    return doc


EXTRA = "_extra"
"""Fields of a record that a newer desk's model has and this one's does not (they arrive by sync): kept beside
the record, out of the model's way, carried over when the record is saved, and sent back on the next push."""


def record_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document without the store's own `_` fields."""
    return {k: v for k, v in doc.items() if k[:1] != "_"}


model_fields = record_fields
"""The old name of `record_fields` (it shadowed pydantic's `BaseModel.model_fields`): for callers not yet moved."""


def diff(before: dict[str, Any] | None,
         after: dict[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Only the fields that changed, before and after."""
    if before is None or after is None:
        return before, after
    keys = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


class Repository(Generic[M]):
    """One table of one model: `get`, `all`, `add`, `save`, `delete`, bulk `put_many`."""

    def __init__(self, store: Store, name: str, model: type[M], prefix: str, audited: bool = True) -> None:
        self.store = store
        self.name = name
        self.model = model
        self.prefix = prefix
        self.audited = audited

    @property
    def table(self) -> JournalTable:
        return self.store.db.table(self.name)

    def _load(self, doc: dict[str, Any]) -> M:
        try:
            return self.model.model_validate(record_fields(doc))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"]) or "(record)"
            raise StoreError(f"{self.store.path}: {self.name} {doc.get('id')!r} cannot be loaded ({where}: "
                             f"{error['msg']}): run `triagedesk db check`, then `triagedesk db repair`") from None

    def loadable(self, doc: dict[str, Any]) -> M | None:
        """The record, or None (told once to `store.on_skip`) when the models cannot load it."""
        try:
            return self._load(doc)
        except StoreError as exc:
            self.store.skipped(self.name, str(doc.get("id")), str(exc))
            return None

    def get(self, key: str) -> M | None:
        doc = self.store.journal.get(self.name, key)
        return None if doc is None else self._load(doc)

    def require(self, key: str) -> M:
        found = self.get(key)
        if found is None:
            kind = self.name[:-1] if self.name.endswith("s") else self.name
            raise StoreError(f"no {kind} {key!r} in {self.store.path}")
        return found

    def __contains__(self, key: str) -> bool:
        return self.store.journal.doc_id_of(self.name, key) is not None

    def all(self) -> list[M]:
        """Every record the models can load; one they cannot is skipped with a notice (`db check` names it)."""
        loaded = [self.loadable(doc) for doc in self.raw()]
        return [model for model in loaded if model is not None]

    def raw(self) -> list[dict[str, Any]]:
        """Stored documents as they are (no validation; do not mutate): the fast path for big tables."""
        journal = self.store.journal
        journal.refresh()
        with journal.mutex:
            return list(journal.docs(self.name).values())

    def by(self, field: str, value: Any) -> list[M]:
        """Records whose indexed `field` equals `value`, oldest first: an index lookup, never a scan
        (the fields indexed are declared in store/kinds.py). As `all`, skips what the models cannot load."""
        loaded = [self.loadable(doc) for doc in self.store.journal.lookup(self.name, field, value)]
        return [model for model in loaded if model is not None]  # one the models cannot load: skipped, told

    def each_by(self, field: str, value: Any) -> Iterator[M]:
        """`by`, one record loaded at a time (a reader may give way between them)."""
        for doc in self.store.journal.lookup_each(self.name, field, value):
            model = self.loadable(doc)
            if model is not None:
                yield model

    def latest_by(self, field: str, value: Any, newest: Callable[[M], Any]) -> M | None:
        """The record with the greatest `newest(record)` among those whose indexed `field` equals `value`, the last
        stored on a tie (a request opened at the instant the one before it was cancelled is the newer)."""
        found = self.by(field, value)
        return max(reversed(found), key=newest) if found else None

    def where(self, predicate: Callable[[M], bool]) -> list[M]:
        return [m for m in self.all() if predicate(m)]

    def __len__(self) -> int:
        journal = self.store.journal
        journal.refresh()
        return len(journal.docs(self.name))

    def __iter__(self) -> Iterator[M]:
        return iter(self.all())

    def add(self, model: M, actor: str = "system", action: str = "create", note: str = "") -> M:
        key = getattr(model, "id", None)
        with self.store.transaction():
            if key is None:
                model = model.model_copy(update={"id": new_id(self.prefix)})
                key = model.id  # type: ignore[attr-defined]
            if key in self:
                raise StoreError(f"{self.name}: {key!r} already exists")
            doc = to_doc(model)
            journal = self.store.journal
            journal.put(self.name, journal.records.next_id(self.name), doc)
            if self.audited:
                self.store.audit(actor, action, self.name, key, None, record_fields(doc), note)
        return model

    def save(self, model: M, actor: str = "system", action: str = "update", note: str = "") -> M:
        """Store a new version of a record (or a first one); the audit keeps what changed."""
        key = model.id  # type: ignore[attr-defined]
        journal = self.store.journal
        with self.store.transaction():
            doc_id = journal.doc_id_of(self.name, key)
            if doc_id is None:
                return self.add(model, actor, "create" if action == "update" else action, note)
            old = journal.docs(self.name).get(doc_id) or {}
            doc = to_doc(model)
            if EXTRA in old:
                doc[EXTRA] = old[EXTRA]
            before, after = diff(record_fields(old), record_fields(doc))
            if not after:
                return model
            journal.put(self.name, doc_id, doc)
            if self.audited:
                self.store.audit(actor, action, self.name, key, before, after, note)
        return model

    def delete(self, key: str, actor: str = "system", note: str = "") -> bool:
        journal = self.store.journal
        with self.store.transaction():
            doc_id = journal.doc_id_of(self.name, key)
            if doc_id is None:
                return False
            old = journal.docs(self.name).get(doc_id)
            journal.put(self.name, doc_id, None)
            if self.audited:
                self.store.audit(actor, "delete", self.name, key, record_fields(old or {}), None, note)
        return True

    def put_many(self, models: Iterable[M], actor: str = "system", action: str = "import",
                 note: str = "") -> tuple[int, int]:
        """Insert or replace many records in one durable write; one audit entry for the batch."""
        inserted: list[dict[str, Any]] = []
        replaced: list[tuple[str, dict[str, Any]]] = []
        journal = self.store.journal
        with self.store.transaction():
            index = journal.id_index(self.name)
            docs = journal.docs(self.name)
            now = utcnow()
            seen: dict[str, int] = {}
            for model in models:
                if getattr(model, "id", None) is None:
                    model = model.model_copy(update={"id": new_id(self.prefix)})
                doc = to_doc(model, now)
                key = doc["id"]
                if key in index:
                    old = docs.get(index[key]) or {}
                    if EXTRA in old:
                        doc[EXTRA] = old[EXTRA]
                    replaced.append((index[key], doc))
                elif key in seen:
                    inserted[seen[key]] = doc
                else:
                    seen[key] = len(inserted)
                    inserted.append(doc)
            for doc in inserted:
                journal.put(self.name, journal.records.next_id(self.name), doc)
            for doc_id, doc in replaced:
                journal.put(self.name, doc_id, doc)
            if self.audited and (inserted or replaced):
                self.store.audit(actor, action, self.name, "*", None,
                                 {"inserted": len(inserted), "updated": len(replaced)}, note)
        return len(inserted), len(replaced)


def replace_with(doc: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """A TinyDB update that makes the stored document exactly `doc`."""
    def replace(stored: dict[str, Any]) -> None:
        stored.clear()
        stored.update(doc)

    return replace


__all__ = ["EXTRA", "Repository", "diff", "model_fields", "record_fields", "replace_with", "to_doc"]
