"""Which stored records the models cannot load, and the `rejected` list that holds them (and what sync refused)
out of the records' way: nothing invalid is a record, nothing rejected is lost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from triagedesk.domain import instants
from triagedesk.domain.kinds import MODELS
from triagedesk.domain.records import utcnow
from triagedesk.store.journal_format import SYNC_STATE

REJECTED = "_rejected"
"""One entry per document: {id (`KIND:ID`), kind, record_id, rev, error, at, source ("server" or "local"), doc}."""


Tables = dict[str, dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class Invalid:
    kind: str
    record_id: str
    doc_id: str
    error: str  # `field: what is wrong`

    def line(self) -> str:
        return f"{self.kind} {self.record_id!r}: {self.error}"


def problem(model: type[BaseModel], doc: dict[str, Any]) -> str | None:
    """The first thing wrong with a stored document for its model (`field.path: message`), or None."""
    try:
        model.model_validate({k: v for k, v in doc.items() if k[:1] != "_"})
    except ValidationError as exc:
        return first_error(exc)
    return None


def first_error(exc: ValidationError) -> str:
    """A validation's first error as `problem` names it."""
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc']) or '(record)'}: {error['msg']}"


def scan(tables: Tables) -> list[Invalid]:
    """Every record of every kind that its model cannot load."""
    found = []
    for kind, model in MODELS.items():
        for doc_id, doc in tables.get(kind, {}).items():
            error = problem(model, doc) if isinstance(doc, dict) else "(record): not an object"
            if error is not None:
                record_id = str(doc.get("id", "?")) if isinstance(doc, dict) else "?"
                found.append(Invalid(kind, record_id, str(doc_id), error))
    return found


def quarantine(tables: Tables) -> list[Invalid]:
    """Move every invalid record of `tables` (a whole store, as `db repair` writes it) to the rejected list."""
    found = scan(tables)
    rejected = tables.setdefault(REJECTED, {})
    next_id = max((int(k) for k in rejected), default=0) + 1
    at = instants.stamp(utcnow())
    states = tables.get(SYNC_STATE, {})
    for bad in found:
        doc = tables[bad.kind].pop(bad.doc_id)
        key = f"{bad.kind}:{bad.record_id}"
        for state_id in [k for k, s in states.items() if isinstance(s, dict) and s.get("key") == key]:
            del states[state_id]  # never in step: its absence is no deletion to send to the server
        rejected[str(next_id)] = {"id": f"{bad.kind}:{bad.record_id}", "kind": bad.kind, "record_id": bad.record_id,
                                  "rev": None, "error": bad.error, "at": at, "source": "local", "doc": doc}
        next_id += 1
    return found
