"""Typed repositories over the store's tables: pydantic models in and out, every change audited."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from tinydb.table import Document

from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.records import (
    AuditEntry,
    Correction,
    ExpertRequest,
    KnowledgeEntry,
    OutboxMessage,
    Outcome,
    Session,
    new_id,
    utcnow,
)
from triagedesk.store.errors import StoreError
from triagedesk.store.journal import ChangeListener, JournalStorage
from triagedesk.store.table import JournalDB, JournalTable

M = TypeVar("M", bound=BaseModel)


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def to_doc(model: BaseModel, updated_at: datetime | None = None) -> dict[str, Any]:
    """The stored form of a model: its JSON dump plus the store's own `_updated_at`."""
    doc = model.model_dump(mode="json")
    doc["_updated_at"] = stamp(updated_at or utcnow())
    return doc


EXTRA = "_extra"
"""Fields of a record that a newer desk's model has and this one's does not (they arrive by sync): kept beside
the record, out of the model's way, carried over when the record is saved, and sent back on the next push."""


def model_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document without the store's own `_` fields."""
    return {k: v for k, v in doc.items() if k[:1] != "_"}


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
            return self.model.model_validate(model_fields(doc))
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
        doc_id = self.store.journal.doc_id_of(self.name, key)
        if doc_id is None:
            return None
        doc = self.table.doc(int(doc_id))
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
        loaded = [self.loadable(doc) for _, doc in self.table.raw_items()]
        return [model for model in loaded if model is not None]

    def raw(self) -> list[dict[str, Any]]:
        """Stored documents as they are (no validation; do not mutate): the fast path for big tables."""
        return [doc for _, doc in self.table.raw_items()]

    def where(self, predicate: Callable[[M], bool]) -> list[M]:
        return [m for m in self.all() if predicate(m)]

    def __len__(self) -> int:
        return len(self.table)

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
            self.table.insert(doc)
            if self.audited:
                self.store.audit(actor, action, self.name, key, None, model_fields(doc), note)
        return model

    def save(self, model: M, actor: str = "system", action: str = "update", note: str = "") -> M:
        """Store a new version of a record (or a first one); the audit keeps what changed."""
        key = model.id  # type: ignore[attr-defined]  # every stored kind has an `id`; M's bound (BaseModel) has none
        with self.store.transaction():
            doc_id = self.store.journal.doc_id_of(self.name, key)
            if doc_id is None:
                return self.add(model, actor, "create" if action == "update" else action, note)
            old = self.table.doc(int(doc_id)) or {}
            doc = to_doc(model)
            if EXTRA in old:
                doc[EXTRA] = old[EXTRA]
            before, after = diff(model_fields(old), model_fields(doc))
            if not after:
                return model
            self.table.update(replace_with(doc), doc_ids=[int(doc_id)])
            if self.audited:
                self.store.audit(actor, action, self.name, key, before, after, note)
        return model

    def delete(self, key: str, actor: str = "system", note: str = "") -> bool:
        with self.store.transaction():
            doc_id = self.store.journal.doc_id_of(self.name, key)
            if doc_id is None:
                return False
            old = self.table.doc(int(doc_id))
            self.table.remove(doc_ids=[int(doc_id)])
            if self.audited:
                self.store.audit(actor, "delete", self.name, key, model_fields(old or {}), None, note)
        return True

    def put_many(self, models: Iterable[M], actor: str = "system", action: str = "import",
                 note: str = "") -> tuple[int, int]:
        """Insert or replace many records in one durable write; one audit entry for the batch."""
        inserted: list[dict[str, Any]] = []
        replaced: list[tuple[int, dict[str, Any]]] = []
        with self.store.transaction():
            index = self.store.journal.id_index(self.name)
            now = utcnow()
            seen: dict[str, int] = {}
            for model in models:
                if getattr(model, "id", None) is None:
                    model = model.model_copy(update={"id": new_id(self.prefix)})
                doc = to_doc(model, now)
                key = doc["id"]
                if key in index:
                    old = self.table.doc(int(index[key])) or {}
                    if EXTRA in old:
                        doc[EXTRA] = old[EXTRA]
                    replaced.append((int(index[key]), doc))
                elif key in seen:
                    inserted[seen[key]] = doc
                else:
                    seen[key] = len(inserted)
                    inserted.append(doc)
            if inserted:
                self.table.insert_multiple(inserted)
            for doc_id, doc in replaced:
                self.table.update(replace_with(doc), doc_ids=[doc_id])
            if self.audited and (inserted or replaced):
                self.store.audit(actor, action, self.name, "*", None,
                                 {"inserted": len(inserted), "updated": len(replaced)}, note)
        return len(inserted), len(replaced)


def _tell_stderr(notice: str) -> None:
    import sys

    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in notice)
    print(f"triagedesk: notice: {shown}", file=sys.stderr)


def replace_with(doc: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """A TinyDB update that makes the stored document exactly `doc`."""
    def replace(stored: dict[str, Any]) -> None:
        stored.clear()
        stored.update(doc)

    return replace


class Store:
    """The desk's data: one TinyDB on the journal storage, with a repository per kind of record."""

    def __init__(self, db: JournalDB) -> None:
        self.db = db
        self.skips: dict[tuple[str, str], str] = {}  # (kind, id) -> why it was skipped
        self.on_skip: Callable[[str], None] = _tell_stderr
        self.issues = Repository(self, "issues", Issue, "iss")
        self.experts = Repository(self, "experts", Expert, "exp")
        self.requests = Repository(self, "requests", ExpertRequest, "req")
        self.sessions = Repository(self, "sessions", Session, "ses")
        self.outcomes = Repository(self, "outcomes", Outcome, "out")
        self.corrections = Repository(self, "corrections", Correction, "cor")
        self.knowledge = Repository(self, "knowledge", KnowledgeEntry, "kb")
        self.audit_log = Repository(self, "audit", AuditEntry, "aud", audited=False)
        self.outbox = Repository(self, "outbox", OutboxMessage, "ob", audited=False)

    def skipped(self, kind: str, key: str, why: str) -> None:
        """A record the models cannot load was left out: say so once."""
        if (kind, key) not in self.skips:
            self.skips[(kind, key)] = why
            self.on_skip(f"skipped {why}")

    @property
    def journal(self) -> JournalStorage:
        return self.db.journal

    @property
    def path(self):
        return self.journal.path

    def repository(self, kind: str) -> Repository[Any]:
        kinds: dict[str, Repository[Any]] = {
            "issues": self.issues, "experts": self.experts, "requests": self.requests,
            "sessions": self.sessions, "outcomes": self.outcomes, "corrections": self.corrections,
            "knowledge": self.knowledge, "audit": self.audit_log,
            "outbox": self.outbox}
        found = kinds.get(kind)
        if found is None:
            raise StoreError(f"unknown kind {kind!r}")
        return found

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Everything inside commits as one durable write, under the inter-process lock."""
        with self.journal.transaction():
            yield self

    def audit(self, actor: str, action: str, kind: str, target_id: str,
              before: dict[str, Any] | None, after: dict[str, Any] | None, note: str = "") -> AuditEntry:
        entry = AuditEntry(at=utcnow(), actor=actor, action=action, kind=kind, target_id=target_id,
                           before=before, after=after, note=note)
        self.db.table("audit").insert(to_doc(entry, entry.at))
        return entry

    def history(self, target_id: str) -> list[AuditEntry]:
        """The audit trail of one record, oldest first."""
        docs = [d for d in self.audit_log.raw() if d.get("target_id") == target_id]
        return sorted((AuditEntry.model_validate(model_fields(d)) for d in docs), key=lambda a: a.at)

    def refresh(self) -> set[tuple[str, str]]:
        """Catch up on other desks' writes; returns what changed."""
        return self.journal.refresh()

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        return self.journal.subscribe(listener)

    def counts(self) -> dict[str, int]:
        return {name: len(self.db.table(name)) for name in
                ("issues", "experts", "requests", "sessions", "outcomes", "corrections", "knowledge", "audit")}

    def close(self) -> None:
        self.db.close()


__all__ = ["EXTRA", "Store", "Repository", "Document", "to_doc", "model_fields", "stamp", "replace_with"]
