"""Typed repositories over the store's tables: pydantic models in and out, every change audited."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from tinydb.table import Document

from triagedesk.domain import instants
from triagedesk.domain.insight.knowledge import Hit
from triagedesk.domain.intake.records import AlertRecord, MaintenanceWindow
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
from triagedesk.domain.routing.calendars import Calendar
from triagedesk.domain.routing.schedules import Schedule
from triagedesk.store.errors import StoreError
from triagedesk.store.indexes import Indexes
from triagedesk.store.journal import ChangeListener, JournalStorage
from triagedesk.store.kinds import BY_NAME, INDEXED, KINDS, NAMES
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.table import JournalDB, JournalTable

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
        loaded = [self.loadable(doc) for doc in self.table.raw_docs()]
        return [model for model in loaded if model is not None]

    def raw(self) -> list[dict[str, Any]]:
        """Stored documents as they are (no validation; do not mutate): the fast path for big tables."""
        return self.table.raw_docs()

    def by(self, field: str, value: Any) -> list[M]:
        """Records whose indexed `field` equals `value`, oldest first: an index lookup, never a scan
        (the fields indexed are declared in store/kinds.py). As `all`, skips what the models cannot load."""
        loaded = [self.loadable(doc) for doc in self.store.journal.lookup(self.name, field, value)]
        return [model for model in loaded if model is not None]  # one the models cannot load: skipped, told

    def latest_by(self, field: str, value: Any, newest: Callable[[M], Any]) -> M | None:
        """The record with the greatest `newest(record)` among those whose indexed `field` equals `value`, the last
        stored on a tie (a request opened at the instant the one before it was cancelled is the newer)."""
        found = self.by(field, value)
        return max(reversed(found), key=newest) if found else None

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
                self.store.audit(actor, action, self.name, key, None, record_fields(doc), note)
        return model

    def save(self, model: M, actor: str = "system", action: str = "update", note: str = "") -> M:
        """Store a new version of a record (or a first one); the audit keeps what changed."""
        key = model.id  # type: ignore[attr-defined]
        with self.store.transaction():
            doc_id = self.store.journal.doc_id_of(self.name, key)
            if doc_id is None:
                return self.add(model, actor, "create" if action == "update" else action, note)
            old = self.table.doc(int(doc_id)) or {}
            doc = to_doc(model)
            if EXTRA in old:
                doc[EXTRA] = old[EXTRA]
            before, after = diff(record_fields(old), record_fields(doc))
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
                self.store.audit(actor, "delete", self.name, key, record_fields(old or {}), None, note)
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


def usable_request(doc: dict[str, Any]) -> bool:
    """A request document an issue's view can use: another client's malformed one (a list for an id, an
    object for a status) is left out."""
    return isinstance(doc.get("analysis_id"), str) and isinstance(doc.get("status", ""), str)


def _latest_usable(docs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The latest submitted usable request, the last stored on a tie (as `latest_by`)."""
    held: dict[str, Any] | None = None
    for doc in docs:
        if usable_request(doc) and (held is None or str(doc.get("submitted_at") or "")
                                    >= str(held.get("submitted_at") or "")):
            held = doc
    return held


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
        db.journal.install_indexes(Indexes(INDEXED))
        self.skips: dict[tuple[str, str], str] = {}  # (kind, id) -> why it was skipped
        self.on_skip: Callable[[str], None] = _tell_stderr
        kinds = BY_NAME
        self.issues: Repository[Issue] = Repository(self, "issues", Issue, kinds["issues"].prefix)
        self.experts: Repository[Expert] = Repository(self, "experts", Expert, kinds["experts"].prefix)
        self.requests: Repository[ExpertRequest] = Repository(self, "requests", ExpertRequest,
                                                              kinds["requests"].prefix)
        self.sessions: Repository[Session] = Repository(self, "sessions", Session, kinds["sessions"].prefix)
        self.outcomes: Repository[Outcome] = Repository(self, "outcomes", Outcome, kinds["outcomes"].prefix)
        self.corrections: Repository[Correction] = Repository(self, "corrections", Correction,
                                                              kinds["corrections"].prefix)
        self.knowledge: Repository[KnowledgeEntry] = Repository(self, "knowledge", KnowledgeEntry,
                                                                kinds["knowledge"].prefix)
        self.schedules: Repository[Schedule] = Repository(self, "schedules", Schedule, kinds["schedules"].prefix)
        self.calendars: Repository[Calendar] = Repository(self, "calendars", Calendar, kinds["calendars"].prefix)
        self.audit_log: Repository[AuditEntry] = Repository(self, "audit", AuditEntry, kinds["audit"].prefix,
                                                            audited=False)
        self.outbox: Repository[OutboxMessage] = Repository(self, "outbox", OutboxMessage, kinds["outbox"].prefix,
                                                            audited=False)
        self.alerts: Repository[AlertRecord] = Repository(self, "alerts", AlertRecord, kinds["alerts"].prefix,
                                                          audited=False)
        self.maintenance: Repository[MaintenanceWindow] = Repository(self, "maintenance", MaintenanceWindow,
                                                                     kinds["maintenance"].prefix)
        self._by_kind: dict[str, Repository[Any]] = {
            "issues": self.issues, "experts": self.experts, "requests": self.requests, "sessions": self.sessions,
            "outcomes": self.outcomes, "corrections": self.corrections, "knowledge": self.knowledge,
            "schedules": self.schedules, "calendars": self.calendars, "audit": self.audit_log, "outbox": self.outbox,
            "alerts": self.alerts, "maintenance": self.maintenance}
        assert tuple(self._by_kind) == tuple(k.name for k in KINDS), "store/kinds.py and the repositories disagree"

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
        found = self._by_kind.get(kind)
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
        return sorted(self.audit_log.by("target_id", target_id), key=lambda a: a.at)

    def stored(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        """The stored document of `kind` under TinyDB's `doc_id` (no copy: do not mutate), as it is now."""
        with self.journal.mutex:
            return self.journal.tables.get(kind, {}).get(doc_id)

    def stored_by_id(self, kind: str, key: str) -> dict[str, Any] | None:
        """The stored document of `kind` whose `id` is `key` (no copy: do not mutate)."""
        doc_id = self.journal.doc_id_of(kind, key)
        return None if doc_id is None else self.stored(kind, doc_id)

    def stored_json(self, kind: str, key: str) -> bytes | None:
        """The stored JSON of the record of `kind` whose `id` is `key`, unparsed."""
        doc_id = self.journal.doc_id_of(kind, key)
        with self.journal.mutex:
            docs = self.journal.tables.get(kind)
            return docs.raw(doc_id) if isinstance(docs, LazyDocs) and doc_id is not None else None

    def open_issues(self, closed: frozenset[str]) -> list[tuple[str, bytes, dict[str, Any] | None]]:
        """Every issue with no usable request, or whose latest request's status is not in `closed`: its id, its
        stored JSON (unparsed: the queue's cache may not need it) and that request, in the table's order. Found
        from the indexes: what it touches is the open issues and their requests, not every issue and request."""
        journal = self.journal
        journal.refresh()
        with journal.mutex:
            issues = journal.docs("issues")
            requests = journal.docs("requests")
            # from the stored columns, not the field indexes: building those (93k requests at 100k issues) was
            # a fifth of the queue's load; the desk's warm-up builds them after the queue is shown
            request_ids, (issue_of, status_of) = requests.field_columns(("analysis_id", "status"))
            asked: set[str] = set()  # issues some request names
            doubtful: set[str] = set()  # issues with a request whose status may be open
            for key, status in zip(issue_of, status_of, strict=True):
                if isinstance(key, str):
                    asked.add(key)
                    if not isinstance(status, str) or status not in closed:
                        doubtful.add(key)
            held_by: dict[str, list[str]] = {}
            for doc_id, key in zip(request_ids, issue_of, strict=True):
                if isinstance(key, str) and key in doubtful:
                    held_by.setdefault(key, []).append(doc_id)
            ids = journal.id_index("issues")
            candidates = [(key, doc_id) for key, doc_id in ids.items() if key not in asked or key in doubtful]
            out = []
            for key, doc_id in sorted(candidates, key=lambda pair: int(pair[1])):
                raw = issues.raw(doc_id)
                if raw is None:
                    continue
                held = held_by.get(key)
                latest = _latest_usable([requests[d] for d in sorted(held, key=int)]) if held else None
                if latest is None or latest.get("status") not in closed:
                    out.append((key, raw, latest))
            return out

    def field_columns(self, kind: str, fields: tuple[str, ...]) -> tuple[list[str], list[list[Any]]]:
        """Every record of `kind`: its doc_ids, and one list of values per field (from the snapshot's stored
        columns where they cover the fields: see `kinds.STORED`; only records written since are parsed)."""
        journal = self.journal
        journal.refresh()
        with journal.mutex:
            return journal.docs(kind).field_columns(fields)

    def field_values(self, kind: str, field: str) -> dict[str, Any]:
        """doc_id -> the indexed `field`'s value of every record of `kind` (from the index: nothing parsed)."""
        journal = self.journal
        journal.refresh()
        with journal.mutex:
            return dict(journal._installed().field(kind, journal.docs(kind)).of(field).value_of)

    def warm_indexes(self) -> None:
        """Build every declared index now (a worker after open), so no cursor move pays for the first build."""
        for declared in KINDS:
            self.journal.doc_id_of(declared.name, "")
        for kind, fields in INDEXED.items():
            for field in fields:
                self.journal.lookup(kind, field, None)
        self.journal.knowledge_search("", 1)

    def search_knowledge(self, text: str, limit: int = 5) -> list[Hit]:
        """Past resolutions for `text`, ranked as `domain.insight.knowledge.search` ranks them, from the
        knowledge base's inverted index (a search costs what its words touch)."""
        hits = []
        for doc, score, matched in self.journal.knowledge_search(text, limit):
            try:
                entry = KnowledgeEntry.model_validate(record_fields(doc))
            except ValueError:
                continue  # a malformed entry from another client is not a resolution to show
            hits.append(Hit(entry, score, matched))
        return hits

    def refresh(self) -> set[tuple[str, str]]:
        """Catch up on other desks' writes; returns what changed."""
        return self.journal.refresh()

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        return self.journal.subscribe(listener)

    def counts(self) -> dict[str, int]:
        return {name: len(self.db.table(name)) for name in NAMES}

    def close(self) -> None:
        self.db.close()


__all__ = ["EXTRA", "Store", "Repository", "Document", "to_doc", "record_fields", "replace_with"]
