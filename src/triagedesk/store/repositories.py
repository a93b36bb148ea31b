"""The desk's data: a repository per kind of record over one journal, and the reads that span kinds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tinydb.table import Document

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
    utcnow,
)
from triagedesk.domain.routing.calendars import Calendar
from triagedesk.domain.routing.schedules import Schedule
from triagedesk.store import warming
from triagedesk.store.errors import StoreError
from triagedesk.store.indexes import Indexes
from triagedesk.store.journal import ChangeListener, Journal
from triagedesk.store.kinds import BY_NAME, INDEXED, KINDS, NAMES
from triagedesk.store.lazy_docs import LazyDocs
from triagedesk.store.open_set import latest_usable as _latest_usable
from triagedesk.store.open_set import usable_request as usable_request
from triagedesk.store.repository import EXTRA, Repository, model_fields, record_fields, replace_with, to_doc
from triagedesk.store.table import JournalDB


def _tell_stderr(notice: str) -> None:
    import sys

    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in notice)
    print(f"triagedesk: notice: {shown}", file=sys.stderr)


class Store:
    """The desk's data: one TinyDB on the journal storage, with a repository per kind of record."""

    def __init__(self, db: JournalDB) -> None:
        self.db = db
        db.journal.install_indexes(Indexes(INDEXED, lean=db.journal.reading))
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
    def journal(self) -> Journal:
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
        self.journal.put("audit", self.journal.records.next_id("audit"), to_doc(entry, entry.at))
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

    def open_issues(self, closed: frozenset[str],
                    refresh: bool = True) -> list[tuple[str, str, bytes, dict[str, Any] | None, str | None]]:
        """Every issue with no usable request, or whose latest request's status is not in `closed`: its id, its
        doc_id, its stored JSON (unparsed: the queue's cache may not need it), that request and its doc_id, in the
        table's order. Found from the indexes: what it touches is the open issues and their requests, not every
        issue and request. `refresh=False`: the store as this process holds it (the caller caught up, holding the
        mutex)."""
        journal = self.journal
        if refresh:
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
            ordered = sorted(candidates, key=lambda pair: int(pair[1]))
            wanted = sorted({d for key, _ in ordered for d in held_by.get(key, ())}, key=int)
            parsed = {d: requests.parse(raw) for d, raw in requests.raw_many(wanted) if raw is not None}
            for (key, _), (doc_id, raw) in zip(ordered, issues.raw_many([d for _, d in ordered]), strict=True):
                if raw is None:
                    continue
                held = held_by.get(key)
                mine = [d for d in sorted(held, key=int) if d in parsed] if held else []
                latest = _latest_usable([parsed[d] for d in mine])
                if latest is None or latest.get("status") not in closed:
                    at = next((d for d in mine if parsed[d] is latest), None)
                    out.append((key, doc_id, raw, latest, at))
            return out

    def field_columns(self, kind: str, fields: tuple[str, ...],
                      keyed: bool = True) -> tuple[list[str], list[list[Any]]]:
        """Every record of `kind`: its doc_ids, and one list of values per field (from the snapshot's stored
        columns where they cover the fields: see `kinds.STORED`; only records written since are parsed)."""
        journal = self.journal
        journal.refresh()
        with journal.mutex:
            return journal.docs(kind).field_columns(fields, keyed)

    def field_values(self, kind: str, field: str) -> dict[str, Any]:
        """doc_id -> the indexed `field`'s value of every record of `kind` (from the index: nothing parsed)."""
        journal = self.journal
        journal.refresh()
        with journal.mutex:
            return dict(journal._installed().field(kind, journal.docs(kind)).of(field).value_of)

    def warm_indexes(self, between: Callable[[], None] = lambda: None, detail: bool = False,
                     step: Callable[[], None] = lambda: None) -> None:
        """Build every declared index now (a worker after open), so no cursor move pays for the first build; each
        built outside the journal's lock (store/warming.py, `knowledge`): a lookup meanwhile waits for none
        of them. `between()` is called after each one (the desk's worker lets the UI thread have the GIL there),
        `step()` between chunks of one (a few ms of work each: the desk's waits while a key is not painted).
        `detail`: only what a cursor move's detail looks up (the issues' and requests' ids, the knowledge base)."""
        self.journal.refresh()
        first = ("requests", "issues")  # a detail reads its issue where the queue found it, its request by id
        for name in first if detail else (k.name for k in KINDS):
            warming.id_index(self.journal, name, step)
            between()
        warming.knowledge(self.journal, between)
        self.journal.knowledge_search("", 1)  # (built here when a change came in meanwhile)
        if detail:
            return
        for kind, fields in INDEXED.items():
            for field in fields:
                warming.field(self.journal, kind, field, step)
                between()

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


__all__ = ["EXTRA", "Store", "Repository", "Document", "model_fields", "to_doc", "record_fields", "replace_with"]
